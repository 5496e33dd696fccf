//! The bodies that describe an app's settings in `POST` and `PATCH /api/apps`, with the
//! domain's rules as schema patterns, turned into the [`NewApp`] the domain validates.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::apps::NewApp;

/// An app to register. Absent lists are empty; grant types default to `authorization_code` and
/// `refresh_token` (which need a redirect URI or prefix), scopes to `openid profile email` (and
/// `offline_access` with refresh tokens).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Reports",
    "redirect_uris": ["https://reports.example.com/callback"],
    "allowed_origins": ["https://reports.example.com"]
}))]
pub struct NewAppBody {
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Reports"
    )]
    name: String,
    /// A public app (a browser or native app without a secret; PKCE only).
    #[serde(default)]
    is_public: bool,
    /// Authenticate with `private_key_jwt` (RFC 7523) using `jwks` or `jwks_uri`, not a secret.
    #[serde(default)]
    private_key_jwt: bool,
    /// The app's public keys, a JWK Set (`{"keys": [...]}`), for `private_key_jwt`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    jwks: Option<serde_json::Value>,
    /// Where the app publishes its public keys: https (http only on a loopback host).
    #[serde(default)]
    #[schema(max_length = 2048, pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$")]
    jwks_uri: Option<String>,
    /// Exact redirect URIs in canonical form: https, http on a loopback host, or (public apps)
    /// a reverse-domain private-use scheme; no fragment.
    #[serde(default)]
    #[schema(inline, example = json!(["https://reports.example.com/callback"]))]
    redirect_uris: Vec<UriText>,
    /// Return-URL protection: prefixes ending in `/` that a redirect URI may continue below.
    #[serde(default)]
    #[schema(inline)]
    redirect_uri_prefixes: Vec<PrefixText>,
    #[serde(default)]
    #[schema(inline)]
    post_logout_redirect_uris: Vec<UriText>,
    #[serde(default)]
    #[schema(inline)]
    post_logout_redirect_uri_prefixes: Vec<PrefixText>,
    /// Empty: `authorization_code` and `refresh_token`.
    #[serde(default)]
    #[schema(inline)]
    grant_types: Vec<GrantTypeName>,
    /// Empty: `openid profile email`, and `offline_access` with refresh tokens.
    #[serde(default)]
    #[schema(inline)]
    scopes: Vec<ScopeName>,
    /// The ID tokens' signing algorithm (RS256 when absent); it must be in `keys.algorithms`.
    #[serde(default)]
    #[schema(inline)]
    id_token_alg: Option<SigningAlgName>,
    /// Domain protection: browser origins allowed (`scheme://host[:port]`); empty: off.
    #[serde(default)]
    #[schema(inline, example = json!(["https://reports.example.com"]))]
    allowed_origins: Vec<OriginText>,
    /// IP protection: addresses and CIDR ranges, IPv4 or IPv6; empty: off.
    #[serde(default)]
    #[schema(inline, example = json!(["10.0.0.0/8"]))]
    allowed_ips: Vec<IpText>,
    /// Server-only protection: refuse browser requests (not for public apps).
    #[serde(default)]
    is_server_only: bool,
    /// Require PKCE (default true; only confidential apps may turn it off).
    #[serde(default)]
    require_pkce: Option<bool>,
    /// Access-token lifetime in seconds, 60 to 86,400; absent: the configured default.
    #[serde(default)]
    #[schema(minimum = 60, maximum = 86_400)]
    access_token_ttl_secs: Option<u64>,
    /// ID-token lifetime in seconds, 60 to 86,400.
    #[serde(default)]
    #[schema(minimum = 60, maximum = 86_400)]
    id_token_ttl_secs: Option<u64>,
    /// Sliding refresh-token lifetime in seconds, 3,600 to 31,536,000 (365 days).
    #[serde(default)]
    #[schema(minimum = 3_600, maximum = 31_536_000)]
    refresh_token_ttl_secs: Option<u64>,
    /// A first-party app: users are not asked to consent.
    #[serde(default)]
    is_first_party: bool,
    /// A logo for the consent page: https (http only on a loopback host), at most 2048
    /// characters.
    #[serde(default)]
    #[schema(max_length = 2048, pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$")]
    logo_uri: Option<String>,
}

/// A URI as the domain checks it: printable ASCII without `#`, with a scheme.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    pattern = r#"^[A-Za-z][A-Za-z0-9+.-]*:[!"$-~]+$"#,
    example = "https://reports.example.com/callback"
)]
pub struct UriText(String);

/// A redirect prefix: https (or http on a loopback host), ending in `/`, no query or fragment.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    pattern = r#"^[Hh][Tt][Tt][Pp][Ss]?://[!"$-~]*/$"#,
    example = "https://reports.example.com/callback/"
)]
pub struct PrefixText(String);

/// A browser origin, `scheme://host[:port]`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    pattern = r#"^[Hh][Tt][Tt][Pp][Ss]?://[!"$-.0-~]+$"#,
    example = "https://reports.example.com"
)]
pub struct OriginText(String);

/// An IP address or CIDR range.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    pattern = r"^[0-9A-Fa-f:.]+(?:/[0-9]{1,3})?$",
    example = "192.0.2.0/24"
)]
pub struct IpText(String);

/// A grant type Tessera offers.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    value_type = String,
    pattern = "^(?:authorization_code|refresh_token|client_credentials)$",
    example = "authorization_code"
)]
pub struct GrantTypeName(String);

/// A scope an app may be registered with (`tessera:admin`: client credentials only).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    value_type = String,
    pattern = "^(?:openid|profile|email|offline_access|tessera:admin)$",
    example = "openid"
)]
pub struct ScopeName(String);

/// An ID-token signing algorithm.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, pattern = "^(?:RS256|ES256|PS256|EdDSA)$", example = "RS256")]
pub struct SigningAlgName(String);

fn texts<T>(values: Vec<T>, text: impl Fn(T) -> String) -> Vec<String> {
    values.into_iter().map(text).collect()
}

fn duration(secs: Option<u64>) -> Option<Duration> {
    secs.map(Duration::from_secs)
}

impl NewAppBody {
    pub fn into_new_app(self) -> NewApp {
        let s = self;
        NewApp {
            name: s.name,
            is_public: s.is_public,
            private_key_jwt: s.private_key_jwt,
            jwks: s.jwks,
            jwks_uri: s.jwks_uri,
            redirect_uris: texts(s.redirect_uris, |u| u.0),
            post_logout_redirect_uris: texts(s.post_logout_redirect_uris, |u| u.0),
            redirect_uri_prefixes: texts(s.redirect_uri_prefixes, |p| p.0),
            post_logout_redirect_uri_prefixes: texts(s.post_logout_redirect_uri_prefixes, |p| p.0),
            grant_types: texts(s.grant_types, |g| g.0),
            scopes: texts(s.scopes, |g| g.0),
            id_token_alg: s.id_token_alg.map(|a| a.0),
            allowed_origins: texts(s.allowed_origins, |o| o.0),
            allowed_ips: texts(s.allowed_ips, |i| i.0),
            is_server_only: s.is_server_only,
            require_pkce: s.require_pkce,
            access_token_ttl: duration(s.access_token_ttl_secs),
            id_token_ttl: duration(s.id_token_ttl_secs),
            refresh_token_ttl: duration(s.refresh_token_ttl_secs),
            is_first_party: s.is_first_party,
            logo_uri: s.logo_uri,
        }
    }
}

/// `Some(value)` for a field that is present, even as `null`: PATCH tells "clear" (`null`) from
/// "leave as is" (absent, through `#[serde(default)]`).
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to an app's settings: a field that is absent stays as it is, a list replaces the
/// whole list (`[]` empties it), `null` clears a lifetime or the logo. How the app
/// authenticates (public, secret, `private_key_jwt`, its keys) is fixed at registration.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "name": "Reports (EU)", "access_token_ttl_secs": 300 }))]
pub struct AppChangesBody {
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed.
    #[serde(default)]
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Reports (EU)"
    )]
    name: Option<String>,
    #[serde(default)]
    #[schema(inline)]
    redirect_uris: Option<Vec<UriText>>,
    #[serde(default)]
    #[schema(inline)]
    redirect_uri_prefixes: Option<Vec<PrefixText>>,
    #[serde(default)]
    #[schema(inline)]
    post_logout_redirect_uris: Option<Vec<UriText>>,
    #[serde(default)]
    #[schema(inline)]
    post_logout_redirect_uri_prefixes: Option<Vec<PrefixText>>,
    #[serde(default)]
    #[schema(inline)]
    grant_types: Option<Vec<GrantTypeName>>,
    #[serde(default)]
    #[schema(inline)]
    scopes: Option<Vec<ScopeName>>,
    #[serde(default)]
    #[schema(inline)]
    id_token_alg: Option<SigningAlgName>,
    #[serde(default)]
    #[schema(inline)]
    allowed_origins: Option<Vec<OriginText>>,
    #[serde(default)]
    #[schema(inline)]
    allowed_ips: Option<Vec<IpText>>,
    #[serde(default)]
    is_server_only: Option<bool>,
    #[serde(default)]
    require_pkce: Option<bool>,
    /// Seconds, 60 to 86,400; `null`: back to the configured default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u64>, minimum = 60, maximum = 86_400)]
    access_token_ttl_secs: Option<Option<u64>>,
    /// Seconds, 60 to 86,400; `null`: back to the configured default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u64>, minimum = 60, maximum = 86_400)]
    id_token_ttl_secs: Option<Option<u64>>,
    /// Seconds, 3,600 to 31,536,000; `null`: back to the configured default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u64>, minimum = 3_600, maximum = 31_536_000)]
    refresh_token_ttl_secs: Option<Option<u64>>,
    #[serde(default)]
    is_first_party: Option<bool>,
    /// `null` removes the logo.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$")]
    logo_uri: Option<Option<String>>,
}

impl AppChangesBody {
    /// `current` with these changes.
    pub fn apply(self, current: NewApp) -> NewApp {
        fn replace<T>(
            given: Option<Vec<T>>,
            text: fn(T) -> String,
            now: Vec<String>,
        ) -> Vec<String> {
            given.map_or(now, |values| texts(values, text))
        }
        fn lifetime(given: Option<Option<u64>>, now: Option<Duration>) -> Option<Duration> {
            given.map_or(now, duration)
        }
        NewApp {
            name: self.name.unwrap_or(current.name),
            redirect_uris: replace(self.redirect_uris, |u| u.0, current.redirect_uris),
            redirect_uri_prefixes: replace(
                self.redirect_uri_prefixes,
                |p| p.0,
                current.redirect_uri_prefixes,
            ),
            post_logout_redirect_uris: replace(
                self.post_logout_redirect_uris,
                |u| u.0,
                current.post_logout_redirect_uris,
            ),
            post_logout_redirect_uri_prefixes: replace(
                self.post_logout_redirect_uri_prefixes,
                |p| p.0,
                current.post_logout_redirect_uri_prefixes,
            ),
            grant_types: replace(self.grant_types, |g| g.0, current.grant_types),
            scopes: replace(self.scopes, |s| s.0, current.scopes),
            id_token_alg: self.id_token_alg.map(|a| a.0).or(current.id_token_alg),
            allowed_origins: replace(self.allowed_origins, |o| o.0, current.allowed_origins),
            allowed_ips: replace(self.allowed_ips, |i| i.0, current.allowed_ips),
            is_server_only: self.is_server_only.unwrap_or(current.is_server_only),
            require_pkce: self.require_pkce.or(current.require_pkce),
            access_token_ttl: lifetime(self.access_token_ttl_secs, current.access_token_ttl),
            id_token_ttl: lifetime(self.id_token_ttl_secs, current.id_token_ttl),
            refresh_token_ttl: lifetime(self.refresh_token_ttl_secs, current.refresh_token_ttl),
            is_first_party: self.is_first_party.unwrap_or(current.is_first_party),
            logo_uri: self.logo_uri.unwrap_or(current.logo_uri),
            ..current
        }
    }
}
