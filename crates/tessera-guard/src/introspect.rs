//! Optional RFC 7662 token introspection, so a revoked token is refused before it expires.
//!
//! - Only a token that passed every local check is sent, never garbage.
//! - Answers are cached for a short TTL, keyed by the SHA-256 of the token (the token itself is
//!   never stored). Freshness is decided with the guard's [`Clock`]; moka's own expiry only
//!   frees memory. A positive answer is never used past the token's `exp`. Inactive answers
//!   are cached too; failures are not.
//! - Reads take no lock and no lock is held across the call to the identity provider; two
//!   first validations of one token at the same time may both ask.
//! - Anything but a clear RFC 7662 answer from the endpoint itself (a redirect is not
//!   followed) fails closed as a `503` ([`AuthError::IntrospectionUnavailable`]), never as a
//!   pass. An `"active": true` that does not name this token's `jti` is refused like a revoked
//!   token.
//! - Once, at start-up, `Introspector::probe` asks about `PROBE_TOKEN`, so the same
//!   failures (wrong client credentials above all) stop the service from starting instead.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use moka::sync::Cache;
use reqwest::header::{HeaderValue, ACCEPT};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::claims::AccessClaims;
use crate::clock::{unix_seconds, Clock};
use crate::config::{invalid, parse_url, MAX_DURATION};
use crate::discovery::{read_body, redirect_refusal};
use crate::error::{AuthError, InitError};

/// An introspection answer is a few hundred bytes of claims.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What the start-up probe asks about: not a JWT, so no identity provider can call it active.
pub(crate) const PROBE_TOKEN: &str = "tessera-guard-start-up-probe";

/// Settings of token introspection (RFC 7662) at the issuer; pass to
/// [`ConfigBuilder::introspection`](crate::ConfigBuilder::introspection). Its `Debug` hides the
/// client secret.
#[derive(Clone)]
pub struct Introspection {
    client_id: String,
    client_secret: String,
    endpoint: Option<String>,
    cache_ttl: Duration,
    max_entries: u64,
    origin: Option<String>,
}

impl Introspection {
    /// Introspects with this resource server's own app credentials at Tessera, sent with HTTP
    /// Basic (RFC 6749 §2.3.1). [`Validator::new`](crate::Validator::new) checks them with one
    /// request about a made-up token and fails with [`InitError::Introspection`] if they are
    /// refused, so a wrong secret stops the service at start. Refused later (the secret
    /// rotated at Tessera first), they make every request fail with a `503`
    /// ([`AuthError::IntrospectionUnavailable`]): the misconfiguration is ours, not the
    /// client's, and the log says so.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            endpoint: None,
            cache_ttl: Duration::from_secs(30),
            max_entries: 10_000,
            origin: None,
        }
    }

    /// The introspection endpoint. Default: the discovery document's
    /// `introspection_endpoint`, which must be at the issuer's origin (scheme, host and
    /// port); required when [`ConfigBuilder::jwks_url`] replaces discovery. A URL set here may
    /// be anywhere (`https`, or `http` on a loopback host): the client secret and every token
    /// are sent to it.
    ///
    /// [`ConfigBuilder::jwks_url`]: crate::ConfigBuilder::jwks_url
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// How long an answer is reused; default 30 s, which is also how long a revoked token may
    /// still pass. `Duration::ZERO` asks for every request.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// The most answers cached at once; default 10 000.
    pub fn max_entries(mut self, n: u64) -> Self {
        self.max_entries = n;
        self
    }

    /// Sent as `X-Origin`, for an app whose domain protection at Tessera requires it of
    /// server-side callers.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Checks the settings; `has_jwks_url` says discovery is not used.
    pub(crate) fn into_config(
        self,
        has_jwks_url: bool,
        allow_insecure_http: bool,
    ) -> Result<IntrospectionConfig, InitError> {
        const KEY: &str = "introspection";
        if self.client_id.is_empty() || self.client_secret.is_empty() {
            return Err(invalid(KEY, "the client_id and client_secret are required"));
        }
        let endpoint = match &self.endpoint {
            Some(url) => Some(parse_url(KEY, url, allow_insecure_http)?),
            None if has_jwks_url => {
                return Err(invalid(
                    KEY,
                    "an endpoint is required when jwks_url replaces discovery",
                ))
            }
            None => None,
        };
        if self.cache_ttl > MAX_DURATION {
            return Err(invalid(KEY, "cache_ttl must be at most one year"));
        }
        if self.max_entries == 0 {
            return Err(invalid(
                KEY,
                "max_entries must be at least 1 (cache_ttl(Duration::ZERO) disables the cache)",
            ));
        }
        let origin = self
            .origin
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|_| invalid(KEY, "origin is not a valid header value"))?;
        Ok(IntrospectionConfig {
            client_id: form_urlencoded(&self.client_id),
            client_secret: form_urlencoded(&self.client_secret),
            endpoint,
            cache_ttl: self.cache_ttl,
            max_entries: self.max_entries,
            origin,
        })
    }
}

impl fmt::Debug for Introspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspection")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("endpoint", &self.endpoint)
            .field("cache_ttl", &self.cache_ttl)
            .field("max_entries", &self.max_entries)
            .field("origin", &self.origin)
            .finish()
    }
}

/// RFC 6749 §2.3.1: the client id and secret are form-urlencoded before HTTP Basic.
fn form_urlencoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Checked introspection settings, credentials already encoded.
#[derive(Clone)]
pub(crate) struct IntrospectionConfig {
    client_id: String,
    client_secret: String,
    /// `None`: from the discovery document.
    pub(crate) endpoint: Option<Url>,
    cache_ttl: Duration,
    max_entries: u64,
    origin: Option<HeaderValue>,
}

impl fmt::Debug for IntrospectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionConfig")
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .field("cache_ttl", &self.cache_ttl)
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

/// One cached answer.
#[derive(Debug, Clone, Copy)]
struct Verdict {
    is_active: bool,
    /// When it was answered, by the guard's clock.
    checked_at: SystemTime,
    /// When moka may drop it (wall time): the TTL, or less for a token expiring sooner.
    evict_after: Duration,
}

/// Lets moka drop each entry when it can no longer be used.
struct VerdictExpiry;

impl moka::Expiry<[u8; 32], Verdict> for VerdictExpiry {
    fn expire_after_create(&self, _: &[u8; 32], value: &Verdict, _: Instant) -> Option<Duration> {
        Some(value.evict_after)
    }

    fn expire_after_update(
        &self,
        _: &[u8; 32],
        value: &Verdict,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.evict_after)
    }
}

/// Asks the issuer whether validated tokens are still active, through a short cache.
pub(crate) struct Introspector {
    http: reqwest::Client,
    endpoint: Url,
    settings: IntrospectionConfig,
    clock: Arc<dyn Clock>,
    /// `None` when the TTL is zero.
    cache: Option<Cache<[u8; 32], Verdict>>,
}

impl fmt::Debug for Introspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspector")
            .field("endpoint", &self.endpoint.as_str())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// RFC 7662 §2.2: the parts of the answer the guard reads.
#[derive(Deserialize)]
struct Answer {
    active: bool,
    #[serde(default)]
    jti: Option<String>,
}

impl Introspector {
    pub(crate) fn new(
        settings: &IntrospectionConfig,
        endpoint: Url,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let cache = (!settings.cache_ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(settings.max_entries)
                .time_to_live(settings.cache_ttl)
                .expire_after(VerdictExpiry)
                .build()
        });
        Self {
            http,
            endpoint,
            settings: settings.clone(),
            clock,
            cache,
        }
    }

    pub(crate) fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Passes if the issuer says `token` (the signed JWS, whose verified claims are `claims`)
    /// is active, from the cache when a fresh answer is there.
    pub(crate) async fn check(&self, token: &str, claims: &AccessClaims) -> Result<(), AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(cache) = &self.cache {
            if let Some(verdict) = cache.get(&key) {
                if self.is_usable(&verdict, claims.exp) {
                    return outcome(verdict.is_active);
                }
            }
        }
        let is_active = self.ask(token, &claims.jti).await?;
        if let Some(cache) = &self.cache {
            let checked_at = self.clock.now();
            let evict_after = if is_active {
                let left = claims.exp.saturating_sub(unix_seconds(checked_at));
                Duration::from_secs(u64::try_from(left).unwrap_or(0)).min(self.settings.cache_ttl)
            } else {
                self.settings.cache_ttl
            };
            if !evict_after.is_zero() {
                cache.insert(
                    key,
                    Verdict {
                        is_active,
                        checked_at,
                        evict_after,
                    },
                );
            }
        }
        outcome(is_active)
    }

    /// Younger than the TTL by the guard's clock, and a positive answer only before `exp`.
    fn is_usable(&self, verdict: &Verdict, exp: i64) -> bool {
        let now = self.clock.now();
        let is_fresh = now
            .duration_since(verdict.checked_at)
            .is_ok_and(|age| age < self.settings.cache_ttl);
        is_fresh && (!verdict.is_active || unix_seconds(now) < exp)
    }

    /// RFC 7662 §2.1: one introspection request; `Ok(active)` or the outage, logged.
    async fn ask(&self, token: &str, jti: &str) -> Result<bool, AuthError> {
        let answer = self.post(token).await.map_err(|reason| {
            tracing::warn!(url = %self.endpoint, %reason, "token introspection failed; refusing the token with 503");
            AuthError::IntrospectionUnavailable
        })?;
        // Tessera names the `jti` of every active access token (RFC 7662 §2.2 lets it return
        // the token's claims). Without it, or with another one, the answer is not about this
        // token: never a pass, and not worth caching.
        if answer.active && answer.jti.as_deref() != Some(jti) {
            tracing::warn!(url = %self.endpoint, "introspection answered `active` without this token's jti; refusing the token");
            return Err(AuthError::Revoked);
        }
        Ok(answer.active)
    }

    /// At start-up: asks about a token that cannot be active, so wrong credentials, an app the
    /// identity provider refuses or an endpoint that is not RFC 7662 stop the service from
    /// starting, instead of answering every request with `503`.
    pub(crate) async fn probe(&self) -> Result<(), InitError> {
        let refused = |reason: String| InitError::Introspection {
            url: self.endpoint.to_string(),
            reason,
        };
        let answer = self.post(PROBE_TOKEN).await.map_err(refused)?;
        if answer.active {
            return Err(refused(
                "the endpoint called a made-up token active".to_owned(),
            ));
        }
        Ok(())
    }

    /// Sends `token` and reads the answer; `Err` says why there is no usable answer.
    async fn post(&self, token: &str) -> Result<Answer, String> {
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .basic_auth(&self.settings.client_id, Some(&self.settings.client_secret))
            .header(ACCEPT, "application/json")
            .form(&[("token", token), ("token_type_hint", "access_token")]);
        if let Some(origin) = &self.settings.origin {
            request = request.header("x-origin", origin.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        // A redirect is never followed, and never an answer (see `discovery::http_client`).
        if let Some(reason) = redirect_refusal(&response, &self.endpoint) {
            return Err(reason);
        }
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(
                "HTTP 401: the identity provider refused the resource server's client \
                 credentials (check Introspection::new)"
                    .to_owned(),
            );
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let body = read_body(response, MAX_ANSWER_BYTES).await?;
        serde_json::from_slice(&body)
            .map_err(|_| "the answer is not RFC 7662 JSON with a boolean `active`".to_owned())
    }
}

fn outcome(is_active: bool) -> Result<(), AuthError> {
    if is_active {
        Ok(())
    } else {
        Err(AuthError::Revoked)
    }
}

#[cfg(test)]
mod tests;
