//! `tessera client create|update` arguments. Both take the same settings flags; on update a
//! given flag replaces that setting (a repeated list flag gives the whole new list) and
//! `--clear` empties a setting.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::apps::NewApp;

/// Settings flags shared by `create` and `update`.
#[derive(Args, Debug, Default)]
pub struct AppSettingsArgs {
    /// Allowed redirect URI, exact (repeatable).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Return-URL protection: allowed redirect URI prefix ending in `/` (repeatable).
    #[arg(long = "redirect-uri-prefix", value_name = "URI")]
    pub redirect_uri_prefixes: Vec<String>,
    /// Allowed post-logout redirect URI (repeatable).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Allowed post-logout redirect URI prefix ending in `/` (repeatable).
    #[arg(long = "post-logout-redirect-uri-prefix", value_name = "URI")]
    pub post_logout_redirect_uri_prefixes: Vec<String>,
    /// Grant types, comma-separated or repeated: authorization_code, refresh_token, client_credentials.
    #[arg(long = "grant")]
    pub grants: Vec<String>,
    /// Allowed scopes, space-separated or repeated.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// ID-token signing algorithm: RS256 (default), ES256, PS256 or EdDSA.
    #[arg(long, value_name = "ALG")]
    pub id_token_alg: Option<String>,
    /// Domain protection: allowed browser origin, e.g. https://app.example.com (repeatable).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// IP protection: allowed address or CIDR range, IPv4 or IPv6 (repeatable).
    #[arg(long = "allowed-ip", value_name = "IP_OR_CIDR")]
    pub allowed_ips: Vec<String>,
    /// Server-only protection: refuse browser requests (`--server-only=false` turns it off).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub server_only: Option<bool>,
    /// Require PKCE (the default; only confidential apps may turn it off).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub require_pkce: Option<bool>,
    /// A first-party app: users are not asked to consent.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub first_party: Option<bool>,
    /// Access-token lifetime for this app, e.g. 5m (1m to 1d).
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub access_token_ttl: Option<Duration>,
    /// ID-token lifetime for this app (1m to 1d).
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub id_token_ttl: Option<Duration>,
    /// Sliding refresh-token lifetime for this app (1h to 365d).
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub refresh_token_ttl: Option<Duration>,
    /// Logo shown on the consent page (https URL).
    #[arg(long, value_name = "URL")]
    pub logo_uri: Option<String>,
}

/// A setting `tessera client update --clear` can empty.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clearable {
    RedirectUris,
    RedirectUriPrefixes,
    PostLogoutRedirectUris,
    PostLogoutRedirectUriPrefixes,
    AllowedOrigins,
    AllowedIps,
    AccessTokenTtl,
    IdTokenTtl,
    RefreshTokenTtl,
    LogoUri,
}

/// `tessera client create`.
#[derive(Args, Debug)]
pub struct ClientCreate {
    #[arg(long)]
    pub name: String,
    /// A public app (no secret; PKCE only).
    #[arg(long)]
    pub public: bool,
    /// Authenticate with private_key_jwt (RFC 7523) instead of a secret.
    #[arg(long)]
    pub private_key_jwt: bool,
    /// The app's public keys, a JWK Set file (for private_key_jwt).
    #[arg(long, value_name = "PATH")]
    pub jwks_file: Option<PathBuf>,
    /// Where the app publishes its public keys (for private_key_jwt).
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    #[command(flatten)]
    pub settings: AppSettingsArgs,
}

/// `tessera client update`.
#[derive(Args, Debug)]
pub struct ClientUpdate {
    // App IDs are base64url: one may begin with `-`.
    #[arg(long, allow_hyphen_values = true)]
    pub client_id: String,
    #[arg(long)]
    pub name: Option<String>,
    /// Empty a setting (repeatable); applied before the flags that set values.
    #[arg(long, value_enum, value_name = "SETTING")]
    pub clear: Vec<Clearable>,
    #[command(flatten)]
    pub settings: AppSettingsArgs,
}

impl AppSettingsArgs {
    /// `base` with every given setting replaced.
    pub fn apply(self, base: NewApp) -> NewApp {
        let list = |given: Vec<String>, current: Vec<String>| {
            if given.is_empty() {
                current
            } else {
                given
            }
        };
        NewApp {
            redirect_uris: list(self.redirect_uris, base.redirect_uris),
            redirect_uri_prefixes: list(self.redirect_uri_prefixes, base.redirect_uri_prefixes),
            post_logout_redirect_uris: list(
                self.post_logout_redirect_uris,
                base.post_logout_redirect_uris,
            ),
            post_logout_redirect_uri_prefixes: list(
                self.post_logout_redirect_uri_prefixes,
                base.post_logout_redirect_uri_prefixes,
            ),
            grant_types: list(self.grants, base.grant_types),
            scopes: list(self.scopes, base.scopes),
            id_token_alg: self.id_token_alg.or(base.id_token_alg),
            allowed_origins: list(self.allowed_origins, base.allowed_origins),
            allowed_ips: list(self.allowed_ips, base.allowed_ips),
            is_server_only: self.server_only.unwrap_or(base.is_server_only),
            require_pkce: self.require_pkce.or(base.require_pkce),
            is_first_party: self.first_party.unwrap_or(base.is_first_party),
            access_token_ttl: self.access_token_ttl.or(base.access_token_ttl),
            id_token_ttl: self.id_token_ttl.or(base.id_token_ttl),
            refresh_token_ttl: self.refresh_token_ttl.or(base.refresh_token_ttl),
            logo_uri: self.logo_uri.or(base.logo_uri),
            ..base
        }
    }
}

/// `settings` with the named settings emptied.
pub fn clear(mut settings: NewApp, fields: &[Clearable]) -> NewApp {
    for field in fields {
        match field {
            Clearable::RedirectUris => settings.redirect_uris.clear(),
            Clearable::RedirectUriPrefixes => settings.redirect_uri_prefixes.clear(),
            Clearable::PostLogoutRedirectUris => settings.post_logout_redirect_uris.clear(),
            Clearable::PostLogoutRedirectUriPrefixes => {
                settings.post_logout_redirect_uri_prefixes.clear()
            }
            Clearable::AllowedOrigins => settings.allowed_origins.clear(),
            Clearable::AllowedIps => settings.allowed_ips.clear(),
            Clearable::AccessTokenTtl => settings.access_token_ttl = None,
            Clearable::IdTokenTtl => settings.id_token_ttl = None,
            Clearable::RefreshTokenTtl => settings.refresh_token_ttl = None,
            Clearable::LogoUri => settings.logo_uri = None,
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Update {
        #[command(flatten)]
        args: ClientUpdate,
    }

    #[test]
    fn an_app_id_may_begin_with_a_hyphen() {
        let parsed = Update::try_parse_from(["update", "--client-id", "-oX3_k", "--name", "N"])
            .unwrap()
            .args;
        assert_eq!(parsed.client_id, "-oX3_k");
        assert_eq!(parsed.name.as_deref(), Some("N"));
    }

    #[test]
    fn given_flags_replace_settings_and_clear_empties_them() {
        let parsed = Update::try_parse_from([
            "update",
            "--client-id",
            "c",
            "--allowed-ip",
            "10.0.0.1",
            "--server-only=false",
            "--clear",
            "allowed-origins",
        ])
        .unwrap()
        .args;
        let base = NewApp {
            allowed_ips: vec!["192.0.2.1".into()],
            allowed_origins: vec!["https://a.example.com".into()],
            is_server_only: true,
            scopes: vec!["openid".into()],
            ..NewApp::default()
        };
        let changed = parsed.settings.apply(clear(base, &parsed.clear));
        assert_eq!(changed.allowed_ips, vec!["10.0.0.1".to_owned()]);
        assert!(changed.allowed_origins.is_empty());
        assert!(!changed.is_server_only);
        assert_eq!(changed.scopes, vec!["openid".to_owned()], "untouched");
    }
}
