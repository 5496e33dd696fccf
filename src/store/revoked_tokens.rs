//! Revoked access tokens, by `jti`, kept until the token would have expired anyway.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::entities::revoked_token::{self, Column, Entity};
use super::{Db, StoreError};

/// Adds a `jti` to the revocation list (again is fine).
pub async fn insert_revoked(
    db: &impl ConnectionTrait,
    jti: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::insert(revoked_token::ActiveModel {
        jti: Set(jti.to_owned()),
        expires_at: Set(expires_at),
    })
    .on_conflict(OnConflict::column(Column::Jti).do_nothing().to_owned())
    .do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

/// Whether a `jti` is revoked.
pub async fn is_revoked(db: &Db, jti: &str) -> Result<bool, StoreError> {
    Ok(Entity::find().filter(Column::Jti.eq(jti)).count(db).await? > 0)
}

/// Forgets revocations of tokens that have expired by now.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
