//! Named values in the ops database (`meta` table).

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::entities::meta;
use super::{Db, StoreError};

/// The value stored under `name`.
pub async fn find_meta(db: &Db, name: &str) -> Result<Option<String>, StoreError> {
    Ok(meta::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|m| m.value))
}

/// Stores a value under a new `name`; an existing name is `Duplicate`.
pub async fn insert_meta(
    db: &Db,
    name: &str,
    value: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    meta::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(value),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
    .map_err(|e| StoreError::from_insert(e, "name"))
}
