//! An app's settings as given by an operator or a developer, checked as a whole before anything
//! is written: OAuth settings, the four protections (DESIGN.md "Apps and API keys") and the
//! per-app overrides (token lifetimes, PKCE, consent skip, logo).

use std::collections::BTreeSet;
use std::time::Duration;

use super::{
    check_jwks, check_jwks_uri, AllowedOrigin, AppError, GrantType, IpAllowList, RedirectPrefix,
    RedirectUri, Scope,
};
use crate::config::is_loopback_host;
use crate::crypto::keyring::{SigningAlg, UnknownAlg};
use crate::store::apps::AppRow;

/// Per-app token lifetimes are kept within these bounds (seconds).
const ACCESS_TTL: (u64, u64, &str, &str) = (60, 86_400, "1 minute", "1 day");
const ID_TTL: (u64, u64, &str, &str) = (60, 86_400, "1 minute", "1 day");
const REFRESH_TTL: (u64, u64, &str, &str) = (3_600, 365 * 86_400, "1 hour", "365 days");

/// An app's settings, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Return-URL protection: prefixes ending in `/` (DESIGN.md "Return-URL protection").
    pub redirect_uri_prefixes: Vec<String>,
    pub post_logout_redirect_uri_prefixes: Vec<String>,
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
    /// Domain protection: allowed origins (empty: off).
    pub allowed_origins: Vec<String>,
    /// IP protection: addresses and CIDR ranges (empty: off).
    pub allowed_ips: Vec<String>,
    /// Server-only protection.
    pub is_server_only: bool,
    /// `None` means required. Only confidential apps may turn PKCE off.
    pub require_pkce: Option<bool>,
    #[serde(with = "humantime_serde")]
    pub access_token_ttl: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub id_token_ttl: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub refresh_token_ttl: Option<Duration>,
    /// A first-party app skips the consent page.
    pub is_first_party: bool,
    pub logo_uri: Option<String>,
}

/// Settings that passed every check; nothing is written yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidApp {
    pub(super) name: String,
    pub(super) is_public: bool,
    pub(super) redirect_uris: Vec<String>,
    pub(super) post_logout_redirect_uris: Vec<String>,
    pub(super) redirect_uri_prefixes: Vec<String>,
    pub(super) post_logout_redirect_uri_prefixes: Vec<String>,
    pub(super) grants: BTreeSet<GrantType>,
    pub(super) scopes: BTreeSet<Scope>,
    pub(super) auth_method: &'static str,
    pub(super) jwks: Option<serde_json::Value>,
    pub(super) jwks_uri: Option<String>,
    pub(super) id_token_alg: SigningAlg,
    pub(super) allowed_origins: Vec<String>,
    pub(super) allowed_ips: Vec<String>,
    pub(super) is_server_only: bool,
    pub(super) require_pkce: bool,
    pub(super) access_token_ttl: Option<Duration>,
    pub(super) id_token_ttl: Option<Duration>,
    pub(super) refresh_token_ttl: Option<Duration>,
    pub(super) is_first_party: bool,
    pub(super) logo_uri: Option<String>,
}

impl ValidApp {
    /// The row these settings make, for an app with this id and times.
    pub(super) fn into_row(
        self,
        id: String,
        owner_id: Option<String>,
        created_at: chrono::DateTime<chrono::Utc>,
        updated_at: chrono::DateTime<chrono::Utc>,
    ) -> AppRow {
        let secs = |d: Option<Duration>| d.and_then(|d| i64::try_from(d.as_secs()).ok());
        AppRow {
            id,
            name: self.name,
            is_public: self.is_public,
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            grant_types: self.grants.iter().map(|g| g.as_str().to_owned()).collect(),
            scopes: self.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            token_endpoint_auth_method: self.auth_method.into(),
            jwks: self.jwks,
            jwks_uri: self.jwks_uri,
            require_pkce: self.require_pkce,
            id_token_signed_response_alg: self.id_token_alg.as_str().into(),
            allowed_origins: self.allowed_origins,
            allowed_ips: self.allowed_ips,
            is_server_only: self.is_server_only,
            redirect_uri_prefixes: self.redirect_uri_prefixes,
            post_logout_redirect_uri_prefixes: self.post_logout_redirect_uri_prefixes,
            access_token_ttl_secs: secs(self.access_token_ttl),
            id_token_ttl_secs: secs(self.id_token_ttl),
            refresh_token_ttl_secs: secs(self.refresh_token_ttl),
            is_first_party: self.is_first_party,
            logo_uri: self.logo_uri,
            owner_id,
            created_at,
            updated_at,
        }
    }
}

impl NewApp {
    /// The settings a stored app has, to be edited and validated again.
    pub fn from_row(row: &AppRow) -> Self {
        let duration = |s: Option<i64>| {
            s.and_then(|s| u64::try_from(s).ok())
                .map(Duration::from_secs)
        };
        Self {
            name: row.name.clone(),
            redirect_uris: row.redirect_uris.clone(),
            post_logout_redirect_uris: row.post_logout_redirect_uris.clone(),
            redirect_uri_prefixes: row.redirect_uri_prefixes.clone(),
            post_logout_redirect_uri_prefixes: row.post_logout_redirect_uri_prefixes.clone(),
            grant_types: row.grant_types.clone(),
            scopes: row.scopes.clone(),
            is_public: row.is_public,
            private_key_jwt: row.token_endpoint_auth_method == "private_key_jwt",
            jwks: row.jwks.clone(),
            jwks_uri: row.jwks_uri.clone(),
            id_token_alg: Some(row.id_token_signed_response_alg.clone()),
            allowed_origins: row.allowed_origins.clone(),
            allowed_ips: row.allowed_ips.clone(),
            is_server_only: row.is_server_only,
            require_pkce: Some(row.require_pkce),
            access_token_ttl: duration(row.access_token_ttl_secs),
            id_token_ttl: duration(row.id_token_ttl_secs),
            refresh_token_ttl: duration(row.refresh_token_ttl_secs),
            is_first_party: row.is_first_party,
            logo_uri: row.logo_uri.clone(),
        }
    }

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
        let redirect_uris = exact_uris(&self.redirect_uris, self.is_public)?;
        let post_logout_redirect_uris = exact_uris(&self.post_logout_redirect_uris, self.is_public)
            .map_err(|e| match e {
                AppError::RedirectUri(e) => AppError::PostLogoutRedirectUri(e),
                other => other,
            })?;
        let redirect_uri_prefixes =
            prefixes(&self.redirect_uri_prefixes).map_err(AppError::RedirectUriPrefix)?;
        let post_logout_redirect_uri_prefixes = prefixes(&self.post_logout_redirect_uri_prefixes)
            .map_err(AppError::PostLogoutRedirectUriPrefix)?;
        if grants.contains(&GrantType::AuthorizationCode)
            && redirect_uris.is_empty()
            && redirect_uri_prefixes.is_empty()
        {
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
        let scopes = self.scopes(&grants)?;
        let auth_method = match (self.is_public, self.private_key_jwt) {
            (true, true) => return Err(AppError::PublicPrivateKeyJwt),
            (true, false) => "none",
            (false, true) => "private_key_jwt",
            (false, false) => "client_secret_basic",
        };
        if self.is_public && self.is_server_only {
            return Err(AppError::PublicServerOnly);
        }
        let require_pkce = self.require_pkce.unwrap_or(true);
        if self.is_public && !require_pkce {
            return Err(AppError::PublicWithoutPkce);
        }
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
        let allowed_origins = dedup(
            self.allowed_origins
                .iter()
                .filter(|o| !o.trim().is_empty())
                .map(|o| AllowedOrigin::parse(o.trim()).map(|o| o.as_str().to_owned()))
                .collect::<Result<_, _>>()?,
        );
        let allowed_ips = IpAllowList::parse(
            &self
                .allowed_ips
                .iter()
                .map(|ip| ip.trim())
                .filter(|ip| !ip.is_empty())
                .collect::<Vec<_>>(),
        )?
        .canonical();
        let logo_uri = match self.logo_uri.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(uri) => Some(check_logo(uri)?),
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
            redirect_uri_prefixes,
            post_logout_redirect_uri_prefixes,
            grants,
            scopes,
            allowed_origins,
            allowed_ips,
            is_server_only: self.is_server_only,
            require_pkce,
            access_token_ttl: lifetime(self.access_token_ttl, "access_token_ttl", ACCESS_TTL)?,
            id_token_ttl: lifetime(self.id_token_ttl, "id_token_ttl", ID_TTL)?,
            refresh_token_ttl: lifetime(self.refresh_token_ttl, "refresh_token_ttl", REFRESH_TTL)?,
            is_first_party: self.is_first_party,
            logo_uri,
        })
    }

    fn scopes(&self, grants: &BTreeSet<GrantType>) -> Result<BTreeSet<Scope>, AppError> {
        if self.scopes.is_empty() {
            let mut defaults = vec!["openid", "profile", "email"];
            if grants.contains(&GrantType::RefreshToken) {
                defaults.push("offline_access");
            }
            return Ok(defaults
                .into_iter()
                .map(str::parse)
                .collect::<Result<_, _>>()?);
        }
        Ok(self
            .scopes
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::parse)
            .collect::<Result<_, _>>()?)
    }
}

fn exact_uris(values: &[String], is_public: bool) -> Result<Vec<String>, AppError> {
    Ok(dedup(
        values
            .iter()
            .map(|u| RedirectUri::parse(u, is_public).map(|u| u.as_str().to_owned()))
            .collect::<Result<_, _>>()?,
    ))
}

fn prefixes(values: &[String]) -> Result<Vec<String>, super::RedirectUriError> {
    Ok(dedup(
        values
            .iter()
            .map(|p| RedirectPrefix::parse(p).map(|p| p.as_str().to_owned()))
            .collect::<Result<_, _>>()?,
    ))
}

fn lifetime(
    value: Option<Duration>,
    field: &'static str,
    (min, max, min_text, max_text): (u64, u64, &'static str, &'static str),
) -> Result<Option<Duration>, AppError> {
    match value {
        Some(d) if d.as_secs() < min || d.as_secs() > max || d.subsec_nanos() != 0 => {
            Err(AppError::Lifetime {
                field,
                min: min_text,
                max: max_text,
            })
        }
        other => Ok(other),
    }
}

/// A logo shown on the consent page: https (or http on loopback), no userinfo.
fn check_logo(raw: &str) -> Result<String, AppError> {
    let url = url::Url::parse(raw).map_err(|_| AppError::LogoUri)?;
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && is_loopback_host(&url));
    if !scheme_ok || raw.len() > 2048 || !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::LogoUri);
    }
    Ok(url.into())
}

pub(super) fn dedup(values: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    values
        .into_iter()
        .filter(|v| seen.insert(v.clone()))
        .collect()
}
