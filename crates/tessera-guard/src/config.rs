//! The validator's settings and their builder: where the keys come from, what a token must
//! say, how the key cache behaves, and the optional decryption and introspection. Bad values
//! fail in `build()` with the setting's name.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::decrypt::DecryptionKey;
use crate::error::InitError;
use crate::introspect::{Introspection, IntrospectionConfig};

/// No duration setting may exceed this; it keeps time arithmetic far from overflow.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// A JWS algorithm the guard can verify (RFC 7518 §3.1, RFC 8037 §3.1). `none` and the HMAC
/// algorithms are deliberately absent: a resource server never holds a shared secret, and a
/// published public key must never be usable as an HMAC key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Rs256,
    Ps256,
    Es256,
    EdDsa,
}

impl Algorithm {
    /// Everything Tessera signs with (DESIGN.md "Keys").
    pub const ALL: [Algorithm; 4] = [Self::Es256, Self::Rs256, Self::Ps256, Self::EdDsa];

    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `alg` value the guard does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported algorithm `{0}` (supported: RS256, PS256, ES256, EdDSA)")]
pub struct UnsupportedAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnsupportedAlgorithm;

    /// Exact, case-sensitive match (RFC 7515 §4.1.1: `alg` is case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnsupportedAlgorithm(s.to_owned()))
    }
}

/// Validated settings; make one with [`Config::builder`].
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) issuer: String,
    /// `issuer` parsed: a discovered introspection endpoint must share its origin.
    pub(crate) issuer_url: Url,
    pub(crate) jwks_url: Option<Url>,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) leeway: Duration,
    pub(crate) min_jwks_ttl: Duration,
    pub(crate) max_jwks_ttl: Duration,
    pub(crate) default_jwks_ttl: Duration,
    pub(crate) refresh_cooldown: Duration,
    pub(crate) http_timeout: Duration,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) decryption_keys: Vec<DecryptionKey>,
    pub(crate) allow_unencrypted: bool,
    pub(crate) introspection: Option<IntrospectionConfig>,
}

impl Config {
    /// Starts the settings for tokens from `issuer` (the exact `iss` value, e.g.
    /// `https://id.example.com`). The keys are found by OIDC discovery unless
    /// [`ConfigBuilder::jwks_url`] names them.
    pub fn builder(issuer: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder {
            issuer: issuer.into(),
            jwks_url: None,
            audiences: Vec::new(),
            algorithms: Algorithm::ALL.to_vec(),
            leeway: Duration::from_secs(30),
            min_jwks_ttl: Duration::from_secs(60),
            max_jwks_ttl: Duration::from_secs(3600),
            default_jwks_ttl: Duration::from_secs(300),
            refresh_cooldown: Duration::from_secs(10),
            http_timeout: Duration::from_secs(5),
            http_client: None,
            clock: Arc::new(SystemClock),
            allow_insecure_http: false,
            decryption_keys: Vec::new(),
            allow_unencrypted: false,
            introspection: None,
        }
    }

    /// The issuer tokens must name in `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// OIDC Discovery §4: the configuration document lives under the issuer.
    pub(crate) fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// Builder for [`Config`]. Every setting has a default except the audience.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    issuer: String,
    jwks_url: Option<String>,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    min_jwks_ttl: Duration,
    max_jwks_ttl: Duration,
    default_jwks_ttl: Duration,
    refresh_cooldown: Duration,
    http_timeout: Duration,
    http_client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    allow_insecure_http: bool,
    decryption_keys: Vec<DecryptionKey>,
    allow_unencrypted: bool,
    introspection: Option<Introspection>,
}

impl ConfigBuilder {
    /// Fetches keys from this JWKS URL instead of discovering it from the issuer.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Accepts tokens whose `aud` contains `audience` (this API's resource identifier).
    /// Call again to accept several; at least one is required (RFC 9068 §4).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The algorithms accepted; default all of RS256, PS256, ES256, EdDSA.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`; default 30 s.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Bounds for the JWKS cache lifetime taken from `Cache-Control: max-age`;
    /// default 60 s to 1 h.
    pub fn jwks_ttl_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_jwks_ttl = min;
        self.max_jwks_ttl = max;
        self
    }

    /// The JWKS cache lifetime when the response has no `max-age` (then clamped to the bounds);
    /// default 5 min.
    pub fn default_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.default_jwks_ttl = ttl;
        self
    }

    /// The least time between two JWKS fetches caused by unknown `kid`s or failures;
    /// default 10 s. Protects the identity provider from floods of made-up `kid`s.
    pub fn refresh_cooldown(mut self, cooldown: Duration) -> Self {
        self.refresh_cooldown = cooldown;
        self
    }

    /// Timeout of each discovery, JWKS or introspection request; default 5 s. Ignored with
    /// [`ConfigBuilder::http_client`].
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Uses this HTTP client (proxies, extra root certificates, its own timeouts).
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`, as the default client is.
    /// A client that follows redirects (reqwest's default follows up to 10, to other hosts and
    /// from `https` to `http`) resends the introspection request on a `307` or `308` to wherever
    /// it points: the token, and this service's client credentials too when the target has the
    /// same scheme, host and port. The guard refuses any answer that comes from another URL
    /// than the one it asked, but by then the request has been sent.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Reads time from `clock` instead of the system clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Allows `http://` issuer and JWKS URLs on any host. Without it only `https://` and
    /// loopback `http://` (development) are accepted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Decrypts access tokens that Tessera encrypted to this service (a nested JWT, RFC 7519
    /// §5.2) with `key`, the private half of the encryption key registered for this resource.
    /// Call again to hold several keys while rotating: a JWE's `kid` picks its key, and a JWE
    /// without `kid` is tried with each key of its algorithm. Once a key is set, plain signed
    /// tokens are refused unless [`ConfigBuilder::allow_unencrypted`].
    pub fn decryption_key(mut self, key: DecryptionKey) -> Self {
        self.decryption_keys.push(key);
        self
    }

    /// Also accepts plain signed tokens when a decryption key is set (while switching a
    /// resource to encrypted tokens); default false. Without a decryption key plain tokens
    /// are always accepted and encrypted ones always refused.
    pub fn allow_unencrypted(mut self, allow: bool) -> Self {
        self.allow_unencrypted = allow;
        self
    }

    /// Asks the issuer (RFC 7662) whether each token that passed the local checks is still
    /// active, so revoked tokens are refused before they expire; answers are cached briefly.
    pub fn introspection(mut self, introspection: Introspection) -> Self {
        self.introspection = Some(introspection);
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<Config, InitError> {
        let issuer_url = parse_url("issuer", &self.issuer, self.allow_insecure_http)?;
        if issuer_url.query().is_some() || issuer_url.fragment().is_some() {
            // OIDC Discovery §3: an issuer has no query or fragment.
            return Err(invalid("issuer", "must have no query or fragment"));
        }
        let jwks_url = self
            .jwks_url
            .as_deref()
            .map(|u| parse_url("jwks_url", u, self.allow_insecure_http))
            .transpose()?;
        if self.audiences.iter().all(|a| a.is_empty()) {
            return Err(invalid(
                "audience",
                "at least one non-empty audience is required",
            ));
        }
        if self.algorithms.is_empty() {
            return Err(invalid("algorithms", "at least one algorithm is required"));
        }
        for (key, value) in [
            ("leeway", self.leeway),
            ("jwks_ttl_bounds", self.max_jwks_ttl),
            ("default_jwks_ttl", self.default_jwks_ttl),
            ("refresh_cooldown", self.refresh_cooldown),
            ("http_timeout", self.http_timeout),
        ] {
            if value > MAX_DURATION {
                return Err(invalid(key, "must be at most one year"));
            }
        }
        if self.min_jwks_ttl > self.max_jwks_ttl {
            return Err(invalid("jwks_ttl_bounds", "min is above max"));
        }
        let mut kids: Vec<&str> = self
            .decryption_keys
            .iter()
            .filter_map(DecryptionKey::kid)
            .collect();
        kids.sort_unstable();
        if let Some(pair) = kids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(invalid(
                "decryption_key",
                &format!("two keys have kid `{}`", pair[0]),
            ));
        }
        let introspection = self
            .introspection
            .map(|i| i.into_config(jwks_url.is_some(), self.allow_insecure_http))
            .transpose()?;
        Ok(Config {
            issuer: self.issuer,
            issuer_url,
            jwks_url,
            audiences: self
                .audiences
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect(),
            algorithms: self.algorithms,
            leeway: self.leeway,
            min_jwks_ttl: self.min_jwks_ttl,
            max_jwks_ttl: self.max_jwks_ttl,
            default_jwks_ttl: self.default_jwks_ttl,
            refresh_cooldown: self.refresh_cooldown,
            http_timeout: self.http_timeout,
            http_client: self.http_client,
            clock: self.clock,
            allow_insecure_http: self.allow_insecure_http,
            decryption_keys: self.decryption_keys,
            allow_unencrypted: self.allow_unencrypted,
            introspection,
        })
    }
}

pub(crate) fn invalid(key: &'static str, reason: &str) -> InitError {
    InitError::InvalidConfig {
        key,
        reason: reason.to_owned(),
    }
}

/// Parses a URL the guard will call, refusing plain HTTP to remote hosts and credentials in
/// the URL.
pub(crate) fn parse_url(
    key: &'static str,
    raw: &str,
    allow_insecure_http: bool,
) -> Result<Url, InitError> {
    let url = Url::parse(raw).map_err(|e| invalid(key, &format!("not a URL: {e}")))?;
    // URLs are logged and shown in `Debug`, so a password in one would leak; and the guard
    // authenticates only where it says so (RFC 3986 §3.2.1 deprecates `user:password@`).
    // The message does not quote the URL, for the same reason.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            key,
            "must not contain a user name or password (`user:password@`)",
        ));
    }
    let is_loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback || allow_insecure_http => Ok(url),
        "http" => Err(invalid(key, "must be https (or http on a loopback host)")),
        _ => Err(invalid(key, "must be an https URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_are_exact_and_exclude_none_and_hmac() {
        assert_eq!("ES256".parse::<Algorithm>().unwrap(), Algorithm::Es256);
        assert_eq!("EdDSA".parse::<Algorithm>().unwrap(), Algorithm::EdDsa);
        for bad in ["none", "HS256", "HS512", "es256", "RS512", ""] {
            assert!(bad.parse::<Algorithm>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn build_names_the_bad_setting() {
        let key = |r: Result<Config, InitError>| match r {
            Err(InitError::InvalidConfig { key, .. }) => key,
            other => panic!("expected InvalidConfig, got {other:?}"),
        };
        let base = || Config::builder("https://id.example.com").audience("api");
        assert_eq!(
            key(Config::builder("https://id.example.com").build()),
            "audience"
        );
        assert_eq!(key(base().algorithms([]).build()), "algorithms");
        assert_eq!(
            key(base()
                .jwks_ttl_bounds(Duration::from_secs(10), Duration::from_secs(1))
                .build()),
            "jwks_ttl_bounds"
        );
        assert_eq!(
            key(base()
                .refresh_cooldown(Duration::from_secs(400 * 86400))
                .build()),
            "refresh_cooldown"
        );
        assert_eq!(
            key(Config::builder("http://id.example.com")
                .audience("a")
                .build()),
            "issuer"
        );
        assert_eq!(
            key(Config::builder("not a url").audience("a").build()),
            "issuer"
        );
        assert_eq!(
            key(base().jwks_url("ftp://id.example.com/jwks").build()),
            "jwks_url"
        );
        assert!(Config::builder("http://127.0.0.1:8080")
            .audience("a")
            .build()
            .is_ok());
        assert!(base().build().is_ok());
    }

    #[test]
    fn urls_with_a_user_name_or_password_are_refused_without_quoting_them() {
        let reason = |r: Result<Config, InitError>, expected: &str| match r {
            Err(InitError::InvalidConfig { key, reason }) if key == expected => reason,
            other => panic!("expected InvalidConfig for {expected}, got {other:?}"),
        };
        let base = |issuer: &str| Config::builder(issuer).audience("a");
        for issuer in [
            "https://admin:hunter2@id.example.com",
            "https://admin@id.example.com",
            "https://:hunter2@id.example.com",
            "http://admin:hunter2@127.0.0.1:8080",
        ] {
            let why = reason(base(issuer).build(), "issuer");
            assert!(why.contains("user name or password"), "{why}");
            assert!(!why.contains("hunter2") && !why.contains("admin"), "{why}");
        }
        let why = reason(
            base("https://id.example.com")
                .jwks_url("https://admin:hunter2@id.example.com/jwks")
                .build(),
            "jwks_url",
        );
        assert!(!why.contains("hunter2"), "{why}");
        let why = reason(
            base("https://id.example.com")
                .introspection(
                    crate::Introspection::new("rs", "secret")
                        .endpoint("https://rs:secret@id.example.com/introspect"),
                )
                .build(),
            "introspection",
        );
        assert!(why.contains("user name or password"), "{why}");
        // An empty userinfo (`@` alone) carries no credentials.
        assert!(base("https://@id.example.com").build().is_ok());
    }

    #[test]
    fn discovery_url_is_under_the_issuer() {
        let config = Config::builder("https://id.example.com/tenant/")
            .audience("a")
            .build()
            .unwrap();
        assert_eq!(
            config.discovery_url(),
            "https://id.example.com/tenant/.well-known/openid-configuration"
        );
    }
}
