//! One-time setup tokens for the first operator (ops database), stored as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};

use super::entities::setup_token;
use super::operators::{insert_operator, OperatorRow};
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
/// so the links are consumed one at a time and only the first one used counts: there is one
/// first admin.
pub async fn consume_setup_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    let is_consumed = consume_in(&txn, token_hash, now).await?;
    txn.commit().await?;
    Ok(is_consumed)
}

/// [`consume_setup_token`] and [`insert_operator`] in one transaction: the link is used up only
/// if the operator is stored, so a failed insert leaves it usable for a retry. `false` (nothing
/// written) when the token could not be consumed.
pub async fn consume_setup_token_for_operator(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
    operator: &OperatorRow,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    if !consume_in(&txn, token_hash, now).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    if let Err(err) = insert_operator(&txn, operator).await {
        txn.rollback().await?;
        return Err(err);
    }
    txn.commit().await?;
    Ok(true)
}

/// The first statement writes every token row, which locks them all on PostgreSQL and takes the
/// write lock on SQLite, so concurrent consumers run one after the other until `txn` ends.
async fn consume_in(
    txn: &DatabaseTransaction,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    setup_token::Entity::update_many()
        .col_expr(
            setup_token::Column::CreatedAt,
            Expr::col(setup_token::Column::CreatedAt).into(),
        )
        .exec(txn)
        .await?;
    if is_any_used(txn).await? {
        return Ok(false);
    }
    let result = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Expr::value(now))
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .filter(setup_token::Column::UsedAt.is_null())
        .filter(setup_token::Column::ExpiresAt.gt(now))
        .exec(txn)
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
