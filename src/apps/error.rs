//! Why an app's settings or keys could not be saved. Each error names the field it is about, so
//! forms show it next to that field.

use super::{IpEntryError, KeysError, OriginError, RedirectUriError, ScopeError, UnknownGrant};
use crate::store::StoreError;

/// Why an app could not be registered or changed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the app name must be 1 to 200 characters without control characters")]
    InvalidName,
    #[error("redirect URI: {0}")]
    RedirectUri(#[from] RedirectUriError),
    #[error("redirect URI prefix: {0}")]
    RedirectUriPrefix(RedirectUriError),
    #[error("post-logout redirect URI: {0}")]
    PostLogoutRedirectUri(RedirectUriError),
    #[error("post-logout redirect URI prefix: {0}")]
    PostLogoutRedirectUriPrefix(RedirectUriError),
    #[error(transparent)]
    Grant(#[from] UnknownGrant),
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("authorization_code needs at least one redirect URI or redirect URI prefix")]
    MissingRedirectUri,
    #[error("refresh_token needs the authorization_code grant")]
    RefreshWithoutCode,
    #[error("a public app (no secret) cannot use client_credentials")]
    PublicClientCredentials,
    #[error("a public app cannot use private_key_jwt")]
    PublicPrivateKeyJwt,
    #[error("a public app cannot be server-only: server-only apps authenticate with a secret or private_key_jwt")]
    PublicServerOnly,
    #[error("a public app must use PKCE (RFC 9700 §2.1.1)")]
    PublicWithoutPkce,
    #[error("private_key_jwt needs --jwks-file or --jwks-uri")]
    MissingKeys,
    #[error("give either a JWK Set or a jwks_uri, not both")]
    TwoKeySources,
    #[error("registered keys: {0}")]
    Keys(#[from] KeysError),
    #[error("ID token algorithm: {0}")]
    IdTokenAlg(String),
    #[error("allowed origin: {0}")]
    Origin(#[from] OriginError),
    #[error("allowed IP: {0}")]
    Ip(#[from] IpEntryError),
    #[error("{field} must be between {min} and {max}")]
    Lifetime {
        field: &'static str,
        min: &'static str,
        max: &'static str,
    },
    #[error("the logo must be an https URL of at most 2048 characters")]
    LogoUri,
    #[error("the key label must be 1 to 200 characters without control characters")]
    InvalidLabel,
    #[error("the expiry is out of range")]
    InvalidExpiry,
    #[error("this app has no secrets: it is public or uses private_key_jwt")]
    NoSecrets,
    #[error("no usable key `{0}` for this app")]
    UnknownKey(String),
    #[error("the old key's end of validity must not be in the past")]
    OldKeyEndInPast,
    #[error("page must be 1 to 1000000 and per_page 1 to 200")]
    InvalidPage,
    #[error("search by at most 200 characters of an app's name or client id, without control characters")]
    InvalidSearch,
    #[error("no app `{0}`")]
    UnknownApp(String),
    #[error("app `{0}` is an operator of the admin API: it cannot be deleted while it is one")]
    Operator(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    /// The settings field this error is about (the names of the dashboard's form fields).
    pub fn field(&self) -> Option<&'static str> {
        Some(match self {
            Self::InvalidName => "name",
            Self::RedirectUri(_) | Self::MissingRedirectUri => "redirect_uris",
            Self::RedirectUriPrefix(_) => "redirect_uri_prefixes",
            Self::PostLogoutRedirectUri(_) => "post_logout_redirect_uris",
            Self::PostLogoutRedirectUriPrefix(_) => "post_logout_redirect_uri_prefixes",
            Self::Grant(_)
            | Self::RefreshWithoutCode
            | Self::PublicClientCredentials
            | Self::PublicPrivateKeyJwt => "grant_types",
            Self::Scope(_) => "scopes",
            Self::PublicServerOnly => "is_server_only",
            Self::PublicWithoutPkce => "require_pkce",
            Self::IdTokenAlg(_) => "id_token_alg",
            Self::Origin(_) => "allowed_origins",
            Self::Ip(_) => "allowed_ips",
            Self::Lifetime { field, .. } => field,
            Self::LogoUri => "logo_uri",
            Self::InvalidLabel => "label",
            Self::InvalidExpiry => "expires_in",
            Self::OldKeyEndInPast => "old_key_expires_at",
            Self::InvalidPage => "page",
            Self::InvalidSearch => "q",
            Self::MissingKeys | Self::TwoKeySources | Self::Keys(_) => "jwks",
            Self::NoSecrets
            | Self::UnknownKey(_)
            | Self::UnknownApp(_)
            | Self::Operator(_)
            | Self::Store(_) => return None,
        })
    }
}
