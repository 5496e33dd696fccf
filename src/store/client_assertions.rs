//! Used `private_key_jwt` assertions (`client_id:jti`), each usable once (RFC 7523 §3).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::client_assertion::{self, Column, Entity};
use super::{Db, StoreError};

/// Records an assertion's use; `false` when it was used before. One INSERT decides, so two
/// instances can never both accept it.
pub async fn insert_assertion(
    db: &Db,
    id: &str,
    expires_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = client_assertion::ActiveModel {
        id: Set(id.to_owned()),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::from_insert(e, "assertion") {
            StoreError::Duplicate(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// Forgets assertions that have expired (they fail on `exp` anyway).
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
