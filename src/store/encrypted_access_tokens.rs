//! Access tokens issued encrypted to a resource, by the SHA-256 (hex) of the token string: the
//! `jti`, app and expiry of the signed token inside, which Tessera cannot read back. Kept until
//! the token expires.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::encrypted_access_token::{self, Column, Entity};
use super::{Db, StoreError};

/// A stored encrypted access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedAccessTokenRow {
    /// SHA-256 (hex) of the compact JWE the app was given.
    pub token_hash: String,
    /// The `jti` of the signed token inside.
    pub jti: String,
    pub app_id: String,
    /// Its `exp`.
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_encrypted_access_token(
    db: &Db,
    row: &EncryptedAccessTokenRow,
) -> Result<(), StoreError> {
    encrypted_access_token::ActiveModel {
        token_hash: Set(row.token_hash.clone()),
        jti: Set(row.jti.clone()),
        app_id: Set(row.app_id.clone()),
        expires_at: Set(row.expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The token with this hash, expired or not (until it is purged).
pub async fn find_encrypted_access_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<EncryptedAccessTokenRow>, StoreError> {
    Ok(Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
        .map(|m| EncryptedAccessTokenRow {
            token_hash: m.token_hash,
            jti: m.jti,
            app_id: m.app_id,
            expires_at: m.expires_at,
        }))
}

/// Forgets tokens that have expired by now.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
