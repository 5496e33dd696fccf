//! One-time setup tokens for the first operator (ops database), stored as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::setup_token;
use super::{Db, StoreError};

/// Stores a new token's hash.
pub async fn insert_setup_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    setup_token::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await
    .map(|_| ())
    .map_err(|e| StoreError::from_insert(e, "setup token"))
}

/// Whether the token is unused and unexpired (it is not consumed).
pub async fn is_usable(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(setup_token::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
        .is_some_and(|t| t.used_at.is_none() && t.expires_at > now))
}

/// Marks the token used in one statement, so that two requests can never both win; `false` when
/// it was unknown, used or expired.
pub async fn consume_setup_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Expr::value(now))
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .filter(setup_token::Column::UsedAt.is_null())
        .filter(setup_token::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes tokens that expired before `now`; returns how many.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(setup_token::Entity::delete_many()
        .filter(setup_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected)
}
