//! Users (accounts database). Personal data arrives sealed; this layer never sees plaintext.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};

use super::entities::user;
use super::{Db, StoreError};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    /// Keyed hash of the normalised email (blind index).
    pub email_index: String,
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Inserts a user; an email already in use is `Duplicate("email")`.
pub async fn insert_user(db: &Db, row: &UserRow) -> Result<(), StoreError> {
    user::ActiveModel {
        id: Set(row.id.clone()),
        email_index: Set(row.email_index.clone()),
        email_sealed: Set(row.email_sealed.clone()),
        name_sealed: Set(row.name_sealed.clone()),
        password_hash: Set(row.password_hash.clone()),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
        disabled_at: Set(row.disabled_at),
    }
    .insert(db)
    .await
    .map(|_| ())
    .map_err(|e| StoreError::from_insert(e, "email"))
}

/// Every user, oldest first.
pub async fn find_all(db: &Db) -> Result<Vec<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::CreatedAt)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| UserRow {
            id: m.id,
            email_index: m.email_index,
            email_sealed: m.email_sealed,
            name_sealed: m.name_sealed,
            password_hash: m.password_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
            disabled_at: m.disabled_at,
        })
        .collect())
}
