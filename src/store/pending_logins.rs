//! Sign-ins waiting for their second factor, keyed by the SHA-256 hash of the browser's token.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait, Set,
};

use super::entities::pending_login::{self, Column, Entity};
use super::{Db, StoreError};

/// A stored pending sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLoginRow {
    /// SHA-256 (hex) of the token in the browser's cookie.
    pub id_hash: String,
    pub user_id: String,
    /// Our own path to continue at once signed in.
    pub return_to: String,
    /// The authorization request's `ui_locales`, for the code page's language.
    pub ui_locales: Option<String>,
    pub failed_attempts: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_pending_login(db: &Db, row: &PendingLoginRow) -> Result<(), StoreError> {
    pending_login::ActiveModel {
        id_hash: Set(row.id_hash.clone()),
        user_id: Set(row.user_id.clone()),
        return_to: Set(row.return_to.clone()),
        ui_locales: Set(row.ui_locales.clone()),
        failed_attempts: Set(row.failed_attempts),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The pending sign-in with this hash if it has not expired.
pub async fn find_pending_login(
    db: &Db,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<PendingLoginRow>, StoreError> {
    Ok(Entity::find_by_id(id_hash.to_owned())
        .filter(Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(from_model))
}

/// Reserves one code check for a live pending sign-in that has had fewer than `max`, before the
/// code is looked at: one statement, so requests racing each other get at most `max` checks.
/// Returns the count including this check; `None` when the sign-in is gone, expired or out of
/// checks.
pub async fn reserve_attempt(
    db: &Db,
    id_hash: &str,
    max: i32,
    now: DateTime<Utc>,
) -> Result<Option<i32>, StoreError> {
    let mut update = Entity::update_many()
        .col_expr(
            Column::FailedAttempts,
            Expr::col(Column::FailedAttempts).add(1),
        )
        .filter(Column::IdHash.eq(id_hash))
        .filter(Column::ExpiresAt.gt(now))
        .filter(Column::FailedAttempts.lt(max))
        .into_query();
    update.returning_col(Column::FailedAttempts);
    let backend = db.get_database_backend();
    let Some(row) = db.query_one(backend.build(&update)).await? else {
        return Ok(None);
    };
    Ok(Some(row.try_get("", "failed_attempts")?))
}

/// Takes a pending sign-in for completion, once: one atomic delete, so of two requests finishing
/// the same sign-in only one wins. `false` when it is gone or expired.
pub async fn consume_pending_login(
    db: &Db,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::IdHash.eq(id_hash))
        .filter(Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Drops a pending sign-in.
pub async fn delete_pending_login(db: &Db, id_hash: &str) -> Result<(), StoreError> {
    Entity::delete_by_id(id_hash.to_owned()).exec(db).await?;
    Ok(())
}

/// Drops every pending sign-in of a user; returns how many.
pub async fn delete_user_pending_logins(db: &Db, user_id: &str) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes pending sign-ins past their expiry.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

fn from_model(m: pending_login::Model) -> PendingLoginRow {
    PendingLoginRow {
        id_hash: m.id_hash,
        user_id: m.user_id,
        return_to: m.return_to,
        ui_locales: m.ui_locales,
        failed_attempts: m.failed_attempts,
        created_at: m.created_at,
        expires_at: m.expires_at,
    }
}
