//! Caching and refreshing the issuer's signing keys (their URL comes from `discovery`).
//!
//! - Reads are lock-free: the key set lives in an `ArcSwap` and is replaced whole.
//! - The set lives for `Cache-Control: max-age`, clamped to the configured bounds. The first
//!   request that finds it stale refreshes it; concurrent requests keep using the old set.
//! - An unknown `kid` triggers one fetch for all requests waiting on it (single-flight: a tokio
//!   mutex serialises the refresh itself, never a read), and at most one fetch per cooldown.
//! - A failed fetch keeps the old keys and retries after the cooldown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use josekit::jwk::Jwk;
use josekit::jws::{EdDSA, JwsVerifier, ES256, PS256, RS256};
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

use crate::config::{Algorithm, Config};
use crate::discovery::get;
use crate::error::{AuthError, InitError};

/// One published key, ready to verify one algorithm.
#[derive(Debug)]
struct VerifyingKey {
    alg: Algorithm,
    verifier: Box<dyn JwsVerifier>,
}

/// A snapshot of the issuer's keys, by `kid`.
#[derive(Debug)]
pub(crate) struct KeySet {
    keys: Arc<HashMap<String, Vec<VerifyingKey>>>,
    expires_at: SystemTime,
}

impl KeySet {
    fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    /// The verifier of key `kid` for `alg`. A key of another type or algorithm is refused, so an
    /// ES256 header can never be checked against an RSA key (RFC 8725 §3.1).
    pub(crate) fn verifier(
        &self,
        kid: &str,
        alg: Algorithm,
    ) -> Result<&dyn JwsVerifier, AuthError> {
        let keys = self
            .keys
            .get(kid)
            .ok_or_else(|| AuthError::UnknownKey(kid.to_owned()))?;
        keys.iter()
            .find(|k| k.alg == alg)
            .map(|k| &*k.verifier)
            .ok_or_else(|| AuthError::KeyAlgorithmMismatch {
                kid: kid.to_owned(),
                alg: alg.as_str().to_owned(),
            })
    }
}

#[derive(Debug)]
struct RefreshState {
    last_attempt: SystemTime,
    last_failed: bool,
}

/// The cached key set of one issuer and the policy that refreshes it.
#[derive(Debug)]
pub(crate) struct KeyStore {
    http: reqwest::Client,
    jwks_url: Url,
    config: Config,
    current: ArcSwap<KeySet>,
    /// Held only while one refresh runs; readers never take it.
    refresh: tokio::sync::Mutex<RefreshState>,
    /// Finished fetch attempts, so a waiter can tell that a fetch happened while it waited.
    attempts: AtomicU64,
    /// Requests that reached the refresh lock for an unknown `kid`; lets tests prove they overlap.
    #[cfg(test)]
    pub(crate) unknown_kid_waiters: AtomicU64,
}

impl KeyStore {
    /// Fetches the keys at `jwks_url` once, with `http`.
    pub(crate) async fn new(
        config: Config,
        http: reqwest::Client,
        jwks_url: Url,
    ) -> Result<Self, InitError> {
        let now = config.clock.now();
        let (keys, ttl) =
            fetch(&http, &jwks_url, &config)
                .await
                .map_err(|reason| InitError::Jwks {
                    url: jwks_url.to_string(),
                    reason,
                })?;
        Ok(Self {
            http,
            jwks_url,
            current: ArcSwap::from_pointee(KeySet {
                keys: Arc::new(keys),
                expires_at: later(now, ttl),
            }),
            refresh: tokio::sync::Mutex::new(RefreshState {
                last_attempt: now,
                last_failed: false,
            }),
            attempts: AtomicU64::new(0),
            #[cfg(test)]
            unknown_kid_waiters: AtomicU64::new(0),
            config,
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn jwks_url(&self) -> &Url {
        &self.jwks_url
    }

    /// A key set holding `kid`, refreshing the cache when it is stale or lacks `kid`.
    pub(crate) async fn keys_for(&self, kid: &str) -> Result<Arc<KeySet>, AuthError> {
        let seen_attempts = self.attempts.load(Ordering::SeqCst);
        let mut set = self.current.load_full();
        if self.config.clock.now() >= set.expires_at {
            self.refresh_stale().await;
            set = self.current.load_full();
        }
        if set.contains(kid) {
            return Ok(set);
        }
        self.refresh_for_unknown_kid(kid, seen_attempts).await
    }

    /// Refreshes an expired set unless another request already does; that request's callers
    /// meanwhile use the old keys.
    async fn refresh_stale(&self) {
        let Ok(mut state) = self.refresh.try_lock() else {
            return;
        };
        let now = self.config.clock.now();
        if now < self.current.load().expires_at {
            return;
        }
        self.fetch_and_store(&mut state, now).await;
    }

    async fn refresh_for_unknown_kid(
        &self,
        kid: &str,
        seen_attempts: u64,
    ) -> Result<Arc<KeySet>, AuthError> {
        #[cfg(test)]
        self.unknown_kid_waiters.fetch_add(1, Ordering::SeqCst);
        let mut state = self.refresh.lock().await;
        let set = self.current.load_full();
        if set.contains(kid) {
            return Ok(set);
        }
        let not_found = |state: &RefreshState| {
            if state.last_failed {
                AuthError::KeysUnavailable
            } else {
                AuthError::UnknownKey(kid.to_owned())
            }
        };
        // Someone fetched while we waited: that fetch answers us too.
        if self.attempts.load(Ordering::SeqCst) != seen_attempts {
            return Err(not_found(&state));
        }
        let now = self.config.clock.now();
        if now < later(state.last_attempt, self.config.refresh_cooldown) {
            return Err(not_found(&state));
        }
        self.fetch_and_store(&mut state, now).await;
        let set = self.current.load_full();
        if set.contains(kid) {
            Ok(set)
        } else {
            Err(not_found(&state))
        }
    }

    /// Fetches the JWKS and swaps it in; on failure keeps the old keys until the cooldown ends.
    async fn fetch_and_store(&self, state: &mut RefreshState, now: SystemTime) {
        state.last_attempt = now;
        match fetch(&self.http, &self.jwks_url, &self.config).await {
            Ok((keys, ttl)) => {
                self.current.store(Arc::new(KeySet {
                    keys: Arc::new(keys),
                    expires_at: later(now, ttl),
                }));
                state.last_failed = false;
            }
            Err(reason) => {
                tracing::warn!(url = %self.jwks_url, %reason, "JWKS refresh failed; keeping the cached keys");
                let old = self.current.load_full();
                self.current.store(Arc::new(KeySet {
                    keys: Arc::clone(&old.keys),
                    expires_at: later(now, self.config.refresh_cooldown),
                }));
                state.last_failed = true;
            }
        }
        self.attempts.fetch_add(1, Ordering::SeqCst);
    }
}

/// `t + d`, without the panic of `SystemTime + Duration` on overflow (the builder caps `d`).
fn later(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d).unwrap_or(t)
}

type Keys = HashMap<String, Vec<VerifyingKey>>;

/// Fetches and parses the JWKS; returns the keys and how long to cache them.
async fn fetch(
    http: &reqwest::Client,
    url: &Url,
    config: &Config,
) -> Result<(Keys, Duration), String> {
    let (body, cache_control) = get(http, url.as_str()).await?;
    let keys = parse_jwks(&body, &config.algorithms)?;
    let ttl = cache_control
        .as_deref()
        .and_then(max_age)
        .unwrap_or(config.default_jwks_ttl)
        .clamp(config.min_jwks_ttl, config.max_jwks_ttl);
    Ok((keys, ttl))
}

/// RFC 9111 §5.2.2.1 `max-age`; `no-store` and `no-cache` mean "do not reuse" (zero, then
/// raised to the configured minimum).
pub(crate) fn max_age(cache_control: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in cache_control.split(',').map(str::trim) {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            max_age = value
                .trim()
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    max_age
}

/// Parses a JWKS (RFC 7517 §5) into verifiers for the allowed algorithms. Keys without `kid`,
/// not for signing, or of no allowed algorithm are skipped, not fatal.
fn parse_jwks(body: &[u8], algorithms: &[Algorithm]) -> Result<Keys, String> {
    #[derive(Deserialize)]
    struct JwkSet {
        keys: Vec<Map<String, Value>>,
    }
    let set: JwkSet = serde_json::from_slice(body).map_err(|e| format!("not a JWKS: {e}"))?;
    let mut keys: Keys = HashMap::new();
    for map in set.keys {
        let Some(kid) = map.get("kid").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        if map.get("use").is_some_and(|u| u != "sig") {
            continue;
        }
        let Ok(jwk) = Jwk::from_map(map) else {
            tracing::debug!(%kid, "skipping an unreadable JWK");
            continue;
        };
        for &alg in algorithms {
            if !is_key_for(&jwk, alg) {
                continue;
            }
            match verifier(&jwk, alg) {
                Ok(verifier) => keys
                    .entry(kid.clone())
                    .or_default()
                    .push(VerifyingKey { alg, verifier }),
                Err(e) => tracing::debug!(%kid, %alg, error = %e, "skipping a JWK"),
            }
        }
    }
    Ok(keys)
}

/// Whether `jwk` is a key of `alg`'s type and curve, and not pinned to another algorithm
/// (RFC 7517 §4.4, RFC 7518 §6, RFC 8037 §2).
fn is_key_for(jwk: &Jwk, alg: Algorithm) -> bool {
    if jwk.algorithm().is_some_and(|a| a != alg.as_str()) {
        return false;
    }
    match alg {
        Algorithm::Rs256 | Algorithm::Ps256 => jwk.key_type() == "RSA",
        Algorithm::Es256 => jwk.key_type() == "EC" && jwk.curve() == Some("P-256"),
        Algorithm::EdDsa => {
            jwk.key_type() == "OKP" && matches!(jwk.curve(), Some("Ed25519" | "Ed448"))
        }
    }
}

fn verifier(jwk: &Jwk, alg: Algorithm) -> Result<Box<dyn JwsVerifier>, josekit::JoseError> {
    Ok(match alg {
        Algorithm::Rs256 => Box::new(RS256.verifier_from_jwk(jwk)?),
        Algorithm::Ps256 => Box::new(PS256.verifier_from_jwk(jwk)?),
        Algorithm::Es256 => Box::new(ES256.verifier_from_jwk(jwk)?),
        Algorithm::EdDsa => Box::new(EdDSA.verifier_from_jwk(jwk)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_reads_the_directive_and_treats_no_store_as_zero() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(max_age("Max-Age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("max-age=60, no-cache"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=-1"), None);
    }

    #[test]
    fn keys_are_only_for_their_own_type_curve_and_pinned_alg() {
        let ec = ES256.generate_key_pair().unwrap().to_jwk_public_key();
        let mut rsa = RS256.generate_key_pair(2048).unwrap().to_jwk_public_key();
        rsa.set_parameter("alg", None).unwrap();
        let ed = EdDSA
            .generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)
            .unwrap()
            .to_jwk_public_key();
        assert!(is_key_for(&ec, Algorithm::Es256));
        assert!(!is_key_for(&ec, Algorithm::Rs256));
        assert!(is_key_for(&rsa, Algorithm::Rs256) && is_key_for(&rsa, Algorithm::Ps256));
        assert!(!is_key_for(&rsa, Algorithm::Es256));
        assert!(is_key_for(&ed, Algorithm::EdDsa) && !is_key_for(&ed, Algorithm::Es256));
        let mut pinned = rsa.clone();
        pinned.set_algorithm("PS256");
        assert!(!is_key_for(&pinned, Algorithm::Rs256) && is_key_for(&pinned, Algorithm::Ps256));
    }

    #[test]
    fn parse_skips_keys_without_kid_or_not_for_signing() {
        let mut a = ES256.generate_key_pair().unwrap().to_jwk_public_key();
        a.set_key_id("a");
        let mut enc = a.clone();
        enc.set_key_id("enc");
        enc.set_key_use("enc");
        let no_kid = ES256.generate_key_pair().unwrap().to_jwk_public_key();
        let body = serde_json::json!({ "keys": [a.as_ref(), enc.as_ref(), no_kid.as_ref()] });
        let keys = parse_jwks(body.to_string().as_bytes(), &Algorithm::ALL).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["a"]);
        assert!(parse_jwks(b"{}", &Algorithm::ALL).is_err());
    }
}
