//! Registering and changing apps: settings are validated as a whole before anything is written,
//! and a secret is shown once and stored only as its SHA-256 hash (DESIGN.md "Tokens").

use std::sync::Arc;

use secrecy::SecretString;
use serde::Serialize;

use super::{AppError, NewApp, ValidApp};
use crate::clock::Clock;
use crate::crypto::{random, sha256_hex};
use crate::store::apps::{self, AppRow, SecretRow};
use crate::store::Db;

/// The result of registering an app. The secret is never retrievable again.
#[derive(Debug, Serialize)]
pub struct CreatedApp {
    pub client_id: String,
    pub token_endpoint_auth_method: String,
    #[serde(serialize_with = "expose_secret")]
    pub client_secret: Option<SecretString>,
    pub name: String,
    pub is_public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
}

fn expose_secret<S: serde::Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    match v {
        Some(secret) => s.serialize_some(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

/// An app as listings and edit forms show it (never a secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppSummary {
    pub client_id: String,
    pub token_endpoint_auth_method: String,
    pub owner_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(flatten)]
    pub settings: NewApp,
}

impl From<AppRow> for AppSummary {
    fn from(row: AppRow) -> Self {
        Self {
            settings: NewApp::from_row(&row),
            client_id: row.id,
            token_endpoint_auth_method: row.token_endpoint_auth_method,
            owner_id: row.owner_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Registers a validated app; for a confidential app, also its first secret. `owner_id` is the
/// developer who created it on the dashboard.
pub async fn create_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    app: ValidApp,
    owner_id: Option<String>,
) -> Result<CreatedApp, AppError> {
    let now = clock.now();
    let row = app.into_row(random::token::<16>(), owner_id, now, now);
    let secret =
        (row.token_endpoint_auth_method == "client_secret_basic").then(random::token::<32>);
    let secret_row = secret.as_ref().map(|s| SecretRow {
        id: uuid::Uuid::new_v4().to_string(),
        app_id: row.id.clone(),
        label: "initial".into(),
        secret_hash: sha256_hex(s.as_bytes()),
        created_at: now,
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
    });
    apps::insert_app(db, &row, secret_row.as_ref()).await?;
    Ok(CreatedApp {
        client_id: row.id,
        token_endpoint_auth_method: row.token_endpoint_auth_method,
        client_secret: secret.map(SecretString::from),
        name: row.name,
        is_public: row.is_public,
        redirect_uris: row.redirect_uris,
        post_logout_redirect_uris: row.post_logout_redirect_uris,
        grant_types: row.grant_types,
        scopes: row.scopes,
    })
}

/// Replaces an app's settings. How the app authenticates (public, secret, `private_key_jwt`
/// and its keys) is fixed at registration: those fields of `changes` are ignored.
pub async fn update_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    client_id: &str,
    changes: NewApp,
) -> Result<AppSummary, AppError> {
    let current = apps::find_app(db, client_id)
        .await?
        .ok_or_else(|| AppError::UnknownApp(client_id.to_owned()))?;
    let fixed = NewApp::from_row(&current);
    let valid = NewApp {
        is_public: fixed.is_public,
        private_key_jwt: fixed.private_key_jwt,
        jwks: fixed.jwks,
        jwks_uri: fixed.jwks_uri,
        ..changes
    }
    .validate()?;
    let row = valid.into_row(
        current.id,
        current.owner_id,
        current.created_at,
        clock.now(),
    );
    if !apps::update_app(db, &row).await? {
        return Err(AppError::UnknownApp(client_id.to_owned()));
    }
    Ok(row.into())
}

/// One app, if it exists.
pub async fn find_app(db: &Db, client_id: &str) -> Result<Option<AppSummary>, AppError> {
    Ok(apps::find_app(db, client_id).await?.map(AppSummary::from))
}

/// The apps a developer created on the dashboard.
pub async fn list_owned_apps(db: &Db, owner_id: &str) -> Result<Vec<AppSummary>, AppError> {
    Ok(apps::find_by_owner(db, owner_id)
        .await?
        .into_iter()
        .map(AppSummary::from)
        .collect())
}

/// Every registered app (no secrets).
pub async fn list_apps(db: &Db) -> Result<Vec<AppSummary>, AppError> {
    Ok(apps::find_all(db)
        .await?
        .into_iter()
        .map(AppSummary::from)
        .collect())
}
