//! Users' TOTP factors (accounts database). The secret arrives sealed; this layer never sees it.
//! Reserving a code check (counted as wrong until given back) and accepting a code are each one
//! atomic statement, so requests racing each other, on one instance or several, can neither
//! check more codes than allowed before a pause nor both accept one time step.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryTrait, Set,
};

use super::entities::totp_factor::{self, Column, Entity};
use super::{Db, StoreError};

/// A stored TOTP factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpFactorRow {
    pub user_id: String,
    pub secret_sealed: Vec<u8>,
    /// `None` until the user proves the authenticator works with a first code.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last time step a code was accepted for.
    pub last_used_step: Option<i64>,
    /// Wrong codes in a row.
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Inserts a factor; a user who already has one is `Duplicate("totp factor")`.
pub async fn insert_factor(db: &Db, row: &TotpFactorRow) -> Result<(), StoreError> {
    totp_factor::ActiveModel {
        user_id: Set(row.user_id.clone()),
        secret_sealed: Set(row.secret_sealed.clone()),
        confirmed_at: Set(row.confirmed_at),
        last_used_step: Set(row.last_used_step),
        failed_attempts: Set(row.failed_attempts),
        locked_until: Set(row.locked_until),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
    .insert(db)
    .await
    .map(|_| ())
    .map_err(|e| StoreError::from_insert(e, "totp factor"))
}

/// A user's factor, confirmed or not.
pub async fn find_factor(db: &Db, user_id: &str) -> Result<Option<TotpFactorRow>, StoreError> {
    Ok(Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?
        .map(from_model))
}

/// Deletes a user's factor; `false` when they had none.
pub async fn delete_factor(db: &Db, user_id: &str) -> Result<bool, StoreError> {
    Ok(Entity::delete_by_id(user_id.to_owned())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Deletes a user's factor only if it is not confirmed yet; `false` when there was none such.
pub async fn delete_unconfirmed(db: &Db, user_id: &str) -> Result<bool, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ConfirmedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Confirms the unconfirmed factor whose sealed secret is `secret_sealed` (the one the first code
/// was checked against) with that code's step; `false` when there is no such factor (none,
/// confirmed meanwhile, or replaced by a new set-up the code was not made for).
pub async fn update_confirmed(
    db: &Db,
    user_id: &str,
    secret_sealed: &[u8],
    step: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = Entity::update_many()
        .col_expr(Column::ConfirmedAt, Expr::value(now))
        .col_expr(Column::LastUsedStep, Expr::value(step))
        .col_expr(Column::FailedAttempts, Expr::value(0))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ConfirmedAt.is_null())
        .filter(Column::SecretSealed.eq(secret_sealed.to_vec()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Reserves one code check for a confirmed factor whose checks are not paused, before the code
/// is looked at: the check counts as a wrong code until `consume_step` gives it back, and the
/// check that completes a run of `every` pauses checks until `pauses[run - 1]` (the last entry
/// for every later run). One statement, so requests racing each other get at most `every` checks
/// before the pause. Returns the count including this check; `None` when checks are paused or
/// there is no confirmed factor.
pub async fn reserve_attempt(
    db: &Db,
    user_id: &str,
    every: i32,
    pauses: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Result<Option<i32>, StoreError> {
    let count = || Expr::col(Column::FailedAttempts).add(1);
    let mut pause = CaseStatement::new();
    let mut run_end = 0;
    for until in pauses {
        run_end += every;
        pause = pause.case(count().eq(run_end), Expr::value(*until));
    }
    if let Some(last) = pauses.last() {
        pause = pause.case(count().modulo(every).eq(0), Expr::value(*last));
    }
    let pause = pause.finally(Expr::col(Column::LockedUntil));
    let mut update = Entity::update_many()
        .col_expr(Column::FailedAttempts, count())
        .col_expr(Column::LockedUntil, pause.into())
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ConfirmedAt.is_not_null())
        .filter(is_not_paused(now))
        .into_query();
    update.returning_col(Column::FailedAttempts);
    let backend = db.get_database_backend();
    let Some(row) = db.query_one(backend.build(&update)).await? else {
        return Ok(None);
    };
    Ok(Some(row.try_get("", "failed_attempts")?))
}

/// Accepts a code of time step `step` for a confirmed factor, once, giving back the check that
/// `reserve_attempt` counted (`reserved` is the count it returned): `false` when a code of this
/// or a later step was already accepted (a replay), there is no confirmed factor, or checks were
/// paused meanwhile by other checks (a pause this check's own reservation set does not count:
/// it was within the allowance). Clears the count of wrong codes and any pause.
pub async fn consume_step(
    db: &Db,
    user_id: &str,
    step: i64,
    reserved: i32,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = Entity::update_many()
        .col_expr(Column::LastUsedStep, Expr::value(step))
        .col_expr(Column::FailedAttempts, Expr::value(0))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ConfirmedAt.is_not_null())
        .filter(
            Condition::any()
                .add(Column::LastUsedStep.is_null())
                .add(Column::LastUsedStep.lt(step)),
        )
        .filter(
            Condition::any()
                .add(is_not_paused(now))
                .add(Column::FailedAttempts.eq(reserved)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

fn is_not_paused(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::LockedUntil.is_null())
        .add(Column::LockedUntil.lte(now))
}

fn from_model(m: totp_factor::Model) -> TotpFactorRow {
    TotpFactorRow {
        user_id: m.user_id,
        secret_sealed: m.secret_sealed,
        confirmed_at: m.confirmed_at,
        last_used_step: m.last_used_step,
        failed_attempts: m.failed_attempts,
        locked_until: m.locked_until,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}
