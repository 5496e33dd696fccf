//! Apps (OAuth clients) and their secrets. Every change replaces the `apps_version` meta value
//! in the same transaction, so each instance's in-memory registry knows when to reload.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::entities::{app, app_secret, meta};
use super::{Db, StoreError};

const APPS_VERSION: &str = "apps_version";

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
    pub token_endpoint_auth_method: String,
    /// A registered JWK Set (for `private_key_jwt` and ID-token encryption).
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    pub require_pkce: bool,
    pub id_token_signed_response_alg: String,
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
    pub revoked_at: Option<DateTime<Utc>>,
}

fn list(values: &[String]) -> serde_json::Value {
    serde_json::Value::from(values.to_vec())
}

fn unlist(value: serde_json::Value, column: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(format!("apps.{column}: {e}")))
}

fn from_model(m: app::Model) -> Result<AppRow, StoreError> {
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
        token_endpoint_auth_method: m.token_endpoint_auth_method,
        jwks: m.jwks,
        jwks_uri: m.jwks_uri,
        require_pkce: m.require_pkce,
        id_token_signed_response_alg: m.id_token_signed_response_alg,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn secret_from_model(m: app_secret::Model) -> SecretRow {
    SecretRow {
        id: m.id,
        app_id: m.app_id,
        label: m.label,
        secret_hash: m.secret_hash,
        created_at: m.created_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    }
}

/// The row of a new secret.
fn secret_model(s: &SecretRow) -> app_secret::ActiveModel {
    app_secret::ActiveModel {
        id: Set(s.id.clone()),
        app_id: Set(s.app_id.clone()),
        label: Set(s.label.clone()),
        secret_hash: Set(s.secret_hash.clone()),
        created_at: Set(s.created_at),
        expires_at: Set(s.expires_at),
        revoked_at: Set(s.revoked_at),
        last_used_at: Set(None),
    }
}

/// Marks the apps as changed (inside the caller's transaction).
async fn bump_version(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), StoreError> {
    meta::Entity::insert(meta::ActiveModel {
        name: Set(APPS_VERSION.into()),
        value: Set(uuid::Uuid::new_v4().to_string()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(meta::Column::Name)
            .update_columns([meta::Column::Value, meta::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The current apps version (empty before any app exists).
pub async fn find_version(db: &Db) -> Result<String, StoreError> {
    Ok(meta::Entity::find_by_id(APPS_VERSION.to_owned())
        .one(db)
        .await?
        .map(|m| m.value)
        .unwrap_or_default())
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
        token_endpoint_auth_method: Set(row.token_endpoint_auth_method.clone()),
        jwks: Set(row.jwks.clone()),
        jwks_uri: Set(row.jwks_uri.clone()),
        require_pkce: Set(row.require_pkce),
        id_token_signed_response_alg: Set(row.id_token_signed_response_alg.clone()),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_insert(e, "client_id"))?;
    if let Some(s) = secret {
        secret_model(s)
            .insert(&txn)
            .await
            .map_err(|e| StoreError::from_insert(e, "secret"))?;
    }
    bump_version(&txn, row.updated_at).await?;
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
        .map(from_model)
        .collect()
}

/// One app.
pub async fn find_app(db: &Db, id: &str) -> Result<Option<AppRow>, StoreError> {
    app::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(from_model)
        .transpose()
}

/// Every secret of every app.
pub async fn find_all_secrets(db: &Db) -> Result<Vec<SecretRow>, StoreError> {
    Ok(app_secret::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(secret_from_model)
        .collect())
}

/// The secrets of one app.
pub async fn find_secrets(db: &Db, app_id: &str) -> Result<Vec<SecretRow>, StoreError> {
    Ok(app_secret::Entity::find()
        .filter(app_secret::Column::AppId.eq(app_id))
        .all(db)
        .await?
        .into_iter()
        .map(secret_from_model)
        .collect())
}

/// The number of secrets stored (all apps).
pub async fn count_secrets(db: &Db) -> Result<u64, StoreError> {
    Ok(app_secret::Entity::find().count(db).await?)
}

/// Adds a secret to an app.
pub async fn insert_secret(db: &Db, row: &SecretRow) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    secret_model(row)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "secret"))?;
    bump_version(&txn, row.created_at).await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes one secret of an app; `false` when there is no such usable secret.
pub async fn revoke_secret(
    db: &Db,
    app_id: &str,
    secret_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    let result = app_secret::Entity::update_many()
        .col_expr(
            app_secret::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(app_secret::Column::AppId.eq(app_id))
        .filter(app_secret::Column::Id.eq(secret_id))
        .filter(app_secret::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected == 1 {
        bump_version(&txn, now).await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected == 1)
}

/// Adds a new secret and makes every other usable secret of the app expire at `old_until` (or
/// earlier, if it already expires sooner), in one transaction.
pub async fn rotate_secrets(
    db: &Db,
    new: &SecretRow,
    old_until: DateTime<Utc>,
) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    let current = app_secret::Entity::find()
        .filter(app_secret::Column::AppId.eq(new.app_id.as_str()))
        .filter(app_secret::Column::RevokedAt.is_null())
        .all(&txn)
        .await?;
    for secret in current {
        if secret.expires_at.is_none_or(|t| t > old_until) {
            app_secret::Entity::update_many()
                .col_expr(
                    app_secret::Column::ExpiresAt,
                    sea_orm::sea_query::Expr::value(old_until),
                )
                .filter(app_secret::Column::Id.eq(secret.id))
                .exec(&txn)
                .await?;
        }
    }
    secret_model(new)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "secret"))?;
    bump_version(&txn, new.created_at).await?;
    txn.commit().await?;
    Ok(())
}
