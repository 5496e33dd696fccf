//! Registering apps: settings are validated as a whole before anything is written, and the
//! secret is shown once and stored only as its SHA-256 hash (DESIGN.md "Tokens").

use std::collections::BTreeSet;
use std::sync::Arc;

use secrecy::SecretString;
use serde::Serialize;

use super::{
    check_jwks, check_jwks_uri, GrantType, KeysError, RedirectUri, RedirectUriError, Scope,
    ScopeError, UnknownGrant,
};
use crate::clock::Clock;
use crate::crypto::keyring::{SigningAlg, UnknownAlg};
use crate::crypto::{random, sha256_hex};
use crate::store::apps::{self, AppRow, SecretRow};
use crate::store::{Db, StoreError};

/// An app to register, as given by an operator.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty means `authorization_code` and `refresh_token`.
    pub grant_types: Vec<String>,
    /// Empty means `openid profile email`, plus `offline_access` with refresh tokens.
    pub scopes: Vec<String>,
    pub is_public: bool,
    /// Authenticate with `private_key_jwt` (no secret) using `jwks` or `jwks_uri`.
    pub private_key_jwt: bool,
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    /// ID-token signing algorithm; RS256 when absent (OIDC's default).
    pub id_token_alg: Option<String>,
}

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

/// An app as listings show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppSummary {
    pub client_id: String,
    pub name: String,
    pub is_public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Why an app could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the app name must be 1 to 200 characters without control characters")]
    InvalidName,
    #[error("redirect URI: {0}")]
    RedirectUri(#[from] RedirectUriError),
    #[error("post-logout redirect URI: {0}")]
    PostLogoutRedirectUri(RedirectUriError),
    #[error(transparent)]
    Grant(#[from] UnknownGrant),
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("authorization_code needs at least one --redirect-uri")]
    MissingRedirectUri,
    #[error("refresh_token needs the authorization_code grant")]
    RefreshWithoutCode,
    #[error("a public app (no secret) cannot use client_credentials")]
    PublicClientCredentials,
    #[error("a public app cannot use private_key_jwt")]
    PublicPrivateKeyJwt,
    #[error("private_key_jwt needs --jwks-file or --jwks-uri")]
    MissingKeys,
    #[error("give either a JWK Set or a jwks_uri, not both")]
    TwoKeySources,
    #[error("registered keys: {0}")]
    Keys(#[from] KeysError),
    #[error("ID token algorithm: {0}")]
    IdTokenAlg(String),
    #[error("the key label must be 1 to 200 characters without control characters")]
    InvalidLabel,
    #[error("the expiry is out of range")]
    InvalidExpiry,
    #[error("this app has no secrets: it is public or uses private_key_jwt")]
    NoSecrets,
    #[error("no usable key `{0}` for this app")]
    UnknownKey(String),
    #[error("no app `{0}`")]
    UnknownApp(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An app whose settings passed every check; nothing is written yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidApp {
    name: String,
    is_public: bool,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    grants: BTreeSet<GrantType>,
    scopes: BTreeSet<Scope>,
    auth_method: &'static str,
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    id_token_alg: SigningAlg,
}

impl NewApp {
    /// Checks the settings as a whole.
    pub fn validate(self) -> Result<ValidApp, AppError> {
        let name = self.name.trim().to_owned();
        let count = name.chars().count();
        if count == 0 || count > 200 || name.chars().any(char::is_control) {
            return Err(AppError::InvalidName);
        }
        let grants: BTreeSet<GrantType> = if self.grant_types.is_empty() {
            [GrantType::AuthorizationCode, GrantType::RefreshToken].into()
        } else {
            self.grant_types
                .iter()
                .flat_map(|g| g.split(','))
                .map(|g| g.trim().parse())
                .collect::<Result<_, _>>()?
        };
        let redirect_uris = dedup(
            self.redirect_uris
                .iter()
                .map(|u| RedirectUri::parse(u, self.is_public).map(|u| u.as_str().to_owned()))
                .collect::<Result<_, _>>()?,
        );
        let post_logout_redirect_uris = dedup(
            self.post_logout_redirect_uris
                .iter()
                .map(|u| RedirectUri::parse(u, self.is_public).map(|u| u.as_str().to_owned()))
                .collect::<Result<_, _>>()
                .map_err(AppError::PostLogoutRedirectUri)?,
        );
        if grants.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
            return Err(AppError::MissingRedirectUri);
        }
        if grants.contains(&GrantType::RefreshToken)
            && !grants.contains(&GrantType::AuthorizationCode)
        {
            return Err(AppError::RefreshWithoutCode);
        }
        if self.is_public && grants.contains(&GrantType::ClientCredentials) {
            return Err(AppError::PublicClientCredentials);
        }
        let scopes: BTreeSet<Scope> = if self.scopes.is_empty() {
            let mut defaults = vec!["openid", "profile", "email"];
            if grants.contains(&GrantType::RefreshToken) {
                defaults.push("offline_access");
            }
            defaults
                .into_iter()
                .map(str::parse)
                .collect::<Result<_, _>>()?
        } else {
            self.scopes
                .iter()
                .flat_map(|s| s.split_whitespace())
                .map(str::parse)
                .collect::<Result<_, _>>()?
        };
        let auth_method = match (self.is_public, self.private_key_jwt) {
            (true, true) => return Err(AppError::PublicPrivateKeyJwt),
            (true, false) => "none",
            (false, true) => "private_key_jwt",
            (false, false) => "client_secret_basic",
        };
        if let Some(jwks) = &self.jwks {
            check_jwks(jwks)?;
        }
        if let Some(uri) = &self.jwks_uri {
            check_jwks_uri(uri)?;
        }
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            return Err(AppError::TwoKeySources);
        }
        if self.private_key_jwt && self.jwks.is_none() && self.jwks_uri.is_none() {
            return Err(AppError::MissingKeys);
        }
        let id_token_alg = match &self.id_token_alg {
            Some(alg) => alg
                .parse()
                .map_err(|e: UnknownAlg| AppError::IdTokenAlg(e.to_string()))?,
            None => SigningAlg::Rs256,
        };
        Ok(ValidApp {
            name,
            auth_method,
            jwks: self.jwks,
            jwks_uri: self.jwks_uri,
            id_token_alg,
            is_public: self.is_public,
            redirect_uris,
            post_logout_redirect_uris,
            grants,
            scopes,
        })
    }
}

/// Registers a validated app; for a confidential app, also its first secret.
pub async fn create_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    app: ValidApp,
) -> Result<CreatedApp, AppError> {
    let ValidApp {
        name,
        is_public,
        redirect_uris,
        post_logout_redirect_uris: post_logout,
        grants,
        scopes,
        auth_method,
        jwks,
        jwks_uri,
        id_token_alg,
    } = app;
    let now = clock.now();
    let client_id = random::token::<16>();
    let row = AppRow {
        id: client_id.clone(),
        name,
        is_public,
        redirect_uris,
        post_logout_redirect_uris: post_logout,
        grant_types: grants.iter().map(|g| g.as_str().to_owned()).collect(),
        scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        token_endpoint_auth_method: auth_method.into(),
        jwks,
        jwks_uri,
        require_pkce: true,
        id_token_signed_response_alg: id_token_alg.as_str().into(),
        created_at: now,
        updated_at: now,
    };
    let secret = (auth_method == "client_secret_basic").then(random::token::<32>);
    let secret_row = secret.as_ref().map(|s| SecretRow {
        id: uuid::Uuid::new_v4().to_string(),
        app_id: client_id.clone(),
        label: "initial".into(),
        secret_hash: sha256_hex(s.as_bytes()),
        created_at: now,
        expires_at: None,
        revoked_at: None,
    });
    apps::insert_app(db, &row, secret_row.as_ref()).await?;
    Ok(CreatedApp {
        client_id,
        token_endpoint_auth_method: row.token_endpoint_auth_method.clone(),
        client_secret: secret.map(SecretString::from),
        name: row.name,
        is_public: row.is_public,
        redirect_uris: row.redirect_uris,
        post_logout_redirect_uris: row.post_logout_redirect_uris,
        grant_types: row.grant_types,
        scopes: row.scopes,
    })
}

/// Every registered app (no secrets).
pub async fn list_apps(db: &Db) -> Result<Vec<AppSummary>, AppError> {
    Ok(apps::find_all(db)
        .await?
        .into_iter()
        .map(|r| AppSummary {
            client_id: r.id,
            name: r.name,
            is_public: r.is_public,
            redirect_uris: r.redirect_uris,
            post_logout_redirect_uris: r.post_logout_redirect_uris,
            grant_types: r.grant_types,
            scopes: r.scopes,
            created_at: r.created_at,
        })
        .collect())
}

fn dedup(values: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    values
        .into_iter()
        .filter(|v| seen.insert(v.clone()))
        .collect()
}
