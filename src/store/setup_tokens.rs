//! One-time setup tokens for the first operator (ops database), stored as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

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

/// Whether the token is unused and unexpired, and no other token was used (it is not consumed).
pub async fn is_usable(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let is_fresh = setup_token::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
        .is_some_and(|t| t.used_at.is_none() && t.expires_at > now);
    Ok(is_fresh && !is_any_used(db).await?)
}

async fn is_any_used(db: &impl ConnectionTrait) -> Result<bool, StoreError> {
    Ok(setup_token::Entity::find()
        .filter(setup_token::Column::UsedAt.is_not_null())
        .one(db)
        .await?
        .is_some())
}

/// Marks the token used; `false` when it was unknown, used or expired, or when another token
/// was used before it. Every instance that starts without an operator prints a link of its own,
/// so the links are consumed one at a time (the first statement writes every token row, which
/// locks them all on PostgreSQL and takes the write lock on SQLite) and only the first one used
/// counts: there is one first admin.
pub async fn consume_setup_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    setup_token::Entity::update_many()
        .col_expr(
            setup_token::Column::CreatedAt,
            Expr::col(setup_token::Column::CreatedAt).into(),
        )
        .exec(&txn)
        .await?;
    if is_any_used(&txn).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    let result = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Expr::value(now))
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .filter(setup_token::Column::UsedAt.is_null())
        .filter(setup_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    txn.commit().await?;
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
