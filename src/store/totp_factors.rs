//! Users' TOTP factors (accounts database). The secret arrives sealed; this layer never sees it.
//! Accepting a code and counting a wrong one are each one atomic statement, so two instances
//! checking codes for the same user at once can never both accept one time step.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

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

/// Confirms an unconfirmed factor with the step of its first code; `false` when there is no
/// unconfirmed factor (none, or confirmed meanwhile).
pub async fn update_confirmed(
    db: &Db,
    user_id: &str,
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
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Accepts a code of time step `step` for a confirmed factor, once: `false` when a code of this
/// or a later step was already accepted (a replay) or there is no confirmed factor. Clears the
/// count of wrong codes and any lock.
pub async fn consume_step(
    db: &Db,
    user_id: &str,
    step: i64,
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
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Counts one more wrong code; returns the count, `None` when there is no factor.
pub async fn increment_failed_attempts(
    db: &Db,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, StoreError> {
    let result = Entity::update_many()
        .col_expr(
            Column::FailedAttempts,
            Expr::col(Column::FailedAttempts).add(1),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    Ok(find_factor(db, user_id).await?.map(|f| f.failed_attempts))
}

/// Pauses code checks for a user's factor until `until`.
pub async fn update_locked_until(
    db: &Db,
    user_id: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(until))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
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
