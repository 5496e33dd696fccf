//! Apps (OAuth clients) and their secrets.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set, TransactionTrait};

use super::entities::{app, app_secret};
use super::{Db, StoreError};

/// A stored app. Lists are stored as JSON arrays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRow {
    pub id: String,
    pub name: String,
    pub is_public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored app secret (only its SHA-256 hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRow {
    pub id: String,
    pub app_id: String,
    pub label: String,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

fn list(values: &[String]) -> serde_json::Value {
    serde_json::Value::from(values.to_vec())
}

fn unlist(value: serde_json::Value, column: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(format!("apps.{column}: {e}")))
}

/// Inserts an app and, for confidential apps, its first secret, in one transaction.
pub async fn insert_app(
    db: &Db,
    row: &AppRow,
    secret: Option<&SecretRow>,
) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    app::ActiveModel {
        id: Set(row.id.clone()),
        name: Set(row.name.clone()),
        is_public: Set(row.is_public),
        redirect_uris: Set(list(&row.redirect_uris)),
        post_logout_redirect_uris: Set(list(&row.post_logout_redirect_uris)),
        grant_types: Set(list(&row.grant_types)),
        scopes: Set(list(&row.scopes)),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_insert(e, "client_id"))?;
    if let Some(s) = secret {
        app_secret::ActiveModel {
            id: Set(s.id.clone()),
            app_id: Set(s.app_id.clone()),
            label: Set(s.label.clone()),
            secret_hash: Set(s.secret_hash.clone()),
            created_at: Set(s.created_at),
            expires_at: Set(s.expires_at),
            revoked_at: Set(None),
            last_used_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "secret"))?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every app, oldest first.
pub async fn find_all(db: &Db) -> Result<Vec<AppRow>, StoreError> {
    app::Entity::find()
        .order_by_asc(app::Column::CreatedAt)
        .order_by_asc(app::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            Ok(AppRow {
                redirect_uris: unlist(m.redirect_uris, "redirect_uris")?,
                post_logout_redirect_uris: unlist(
                    m.post_logout_redirect_uris,
                    "post_logout_redirect_uris",
                )?,
                grant_types: unlist(m.grant_types, "grant_types")?,
                scopes: unlist(m.scopes, "scopes")?,
                id: m.id,
                name: m.name,
                is_public: m.is_public,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        })
        .collect()
}

/// The number of secrets stored (all apps).
pub async fn count_secrets(db: &Db) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(app_secret::Entity::find().count(db).await?)
}
