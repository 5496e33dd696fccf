//! Registering and changing apps: settings are validated as a whole before anything is written,
//! and a secret is shown once and stored only as its SHA-256 hash (DESIGN.md "Tokens").

use std::sync::Arc;

use secrecy::SecretString;
use serde::Serialize;

use super::{AppError, NewApp, ValidApp};
use crate::clock::Clock;
use crate::crypto::keyring::SigningAlg;
use crate::crypto::{random, sha256_hex};
use crate::store::apps::{self, AppDelete, AppFilter, AppRow, SecretRow};
use crate::store::Db;

/// The largest page of apps an operator may ask for.
pub const MAX_APPS_PER_PAGE: u64 = 200;
/// The last page a listing may ask for: offsets stay far inside what every database accepts.
const MAX_PAGE: u64 = 1_000_000;

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

/// Refuses an ID-token algorithm that no configured signing key (`keys.algorithms`) can sign
/// with, as `tessera client create|update` do: such an app could never get an ID token.
pub fn check_id_token_alg(app: &NewApp, configured: &[SigningAlg]) -> Result<(), AppError> {
    if let Some(alg) = &app.id_token_alg {
        if let Ok(parsed) = alg.parse::<SigningAlg>() {
            if !configured.contains(&parsed) {
                return Err(AppError::IdTokenAlg(format!(
                    "{alg} is not in keys.algorithms, so no key can sign such ID tokens"
                )));
            }
        }
    }
    Ok(())
}

/// Registers an app an operator described: the ID-token algorithm must have a key, then the
/// settings are validated as a whole ([`NewApp::validate`]) and saved ([`create_app`]).
pub async fn register_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    new: NewApp,
    signing_algs: &[SigningAlg],
) -> Result<CreatedApp, AppError> {
    check_id_token_alg(&new, signing_algs)?;
    create_app(db, clock, new.validate()?, None).await
}

/// Changes some of an app's settings: `change` edits the current ones, which are then checked
/// as a whole and saved by [`update_app`] (how the app authenticates stays as registered).
pub async fn change_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    client_id: &str,
    signing_algs: &[SigningAlg],
    change: impl FnOnce(NewApp) -> NewApp,
) -> Result<AppSummary, AppError> {
    let current = find_app(db, client_id)
        .await?
        .ok_or_else(|| AppError::UnknownApp(client_id.to_owned()))?;
    let changed = change(current.settings);
    check_id_token_alg(&changed, signing_algs)?;
    update_app(db, clock, client_id, changed).await
}

/// One page of apps and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPage {
    pub apps: Vec<AppSummary>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// Page `page` (from 1) of `per_page` apps (1 to [`MAX_APPS_PER_PAGE`]), oldest first; `q`
/// narrows it to apps whose name contains it or whose client id starts with it, ignoring case.
pub async fn find_apps_page(
    db: &Db,
    q: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<AppPage, AppError> {
    if page == 0 || page > MAX_PAGE || per_page == 0 || per_page > MAX_APPS_PER_PAGE {
        return Err(AppError::InvalidPage);
    }
    let filter = match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => AppFilter::All,
        Some(q) if q.chars().count() > 200 || q.chars().any(char::is_control) => {
            return Err(AppError::InvalidSearch)
        }
        Some(q) => AppFilter::NameOrIdPrefix(q.to_owned()),
    };
    let offset = (page - 1).saturating_mul(per_page);
    let (rows, total) = apps::find_page(db, &filter, offset, per_page).await?;
    Ok(AppPage {
        apps: rows.into_iter().map(AppSummary::from).collect(),
        page,
        per_page,
        total,
    })
}

/// What deleting an app removed and revoked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AppRemoval {
    /// Refresh tokens that could still have been used.
    pub revoked_refresh_tokens: u64,
    /// Authorization codes that could still have been redeemed.
    pub revoked_codes: u64,
    pub deleted_keys: u64,
    pub deleted_shares: u64,
    pub deleted_role_grants: u64,
    pub deleted_consents: u64,
}

/// Deletes an app: its keys, its place in the access model (organization, default resource,
/// shares, role grants), users' consents to it and pending authorization requests go with it,
/// in one transaction, and every refresh token, access token and code issued to it is revoked.
/// An operator of the admin API is refused ([`AppError::Operator`]): deleting it would lock its
/// callers out and leave an operator naming nothing.
pub async fn delete_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    client_id: &str,
) -> Result<AppRemoval, AppError> {
    let removed = match apps::delete_app(db, client_id, clock.now()).await? {
        AppDelete::Deleted(removed) => removed,
        AppDelete::NotFound => return Err(AppError::UnknownApp(client_id.to_owned())),
        AppDelete::Operator => return Err(AppError::Operator(client_id.to_owned())),
    };
    Ok(AppRemoval {
        revoked_refresh_tokens: removed.grants.refresh_tokens,
        revoked_codes: removed.grants.codes,
        deleted_keys: removed.secrets,
        deleted_shares: removed.shares,
        deleted_role_grants: removed.role_grants,
        deleted_consents: removed.consents,
    })
}
