//! Keys an app registers for `private_key_jwt` (RFC 7523, OIDC Core §9): an inline JWK Set or a
//! `jwks_uri`, fetched over HTTP and cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use josekit::jwk::{Jwk, JwkSet};
use serde_json::Value;

/// Private JWK members: a registered set must not contain them.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// How long a fetched key set is used before it is fetched again.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// The shortest time between two fetches for one app (a flood of unknown kids).
const REFETCH_COOLDOWN: Duration = Duration::from_secs(10);

/// A registered key set is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    #[error("the JWK Set must be an object with a non-empty `keys` array")]
    Shape,
    #[error("key {0}: {1}")]
    Key(usize, String),
    #[error("the jwks_uri must be an https URL (http only on loopback)")]
    Uri,
    #[error("the app's keys could not be fetched: {0}")]
    Fetch(String),
}

/// Checks a JWK Set an app registers: public asymmetric keys only.
pub fn check_jwks(value: &Value) -> Result<(), KeysError> {
    let keys = value
        .get("keys")
        .and_then(Value::as_array)
        .filter(|k| !k.is_empty())
        .ok_or(KeysError::Shape)?;
    for (i, key) in keys.iter().enumerate() {
        let map = key.as_object().ok_or(KeysError::Shape)?;
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| map.contains_key(**m)) {
            return Err(KeysError::Key(
                i,
                format!("contains the private member `{member}`"),
            ));
        }
        let jwk = Jwk::from_map(map.clone()).map_err(|e| KeysError::Key(i, e.to_string()))?;
        if !matches!(jwk.key_type(), "RSA" | "EC" | "OKP") {
            return Err(KeysError::Key(
                i,
                "only RSA, EC and OKP public keys are accepted".into(),
            ));
        }
    }
    Ok(())
}

/// Checks a `jwks_uri`.
pub fn check_jwks_uri(uri: &str) -> Result<(), KeysError> {
    if uri.len() > 2048 {
        return Err(KeysError::Uri);
    }
    let url = url::Url::parse(uri).map_err(|_| KeysError::Uri)?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if crate::config::is_loopback_host(&url) => Ok(()),
        _ => Err(KeysError::Uri),
    }
}

struct Fetched {
    at: Instant,
    keys: Option<JwkSet>,
}

/// Fetches and caches apps' `jwks_uri` key sets. The lock is never held across a fetch.
pub struct ClientKeys {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, Fetched>>,
}

impl std::fmt::Debug for ClientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKeys(..)")
    }
}

impl Default for ClientKeys {
    fn default() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

impl ClientKeys {
    /// The key set of an app: inline, or from its `jwks_uri`. `refresh` asks for a fresh fetch
    /// (an unknown kid), subject to a cooldown.
    pub async fn key_set(
        &self,
        client_id: &str,
        jwks: Option<&Value>,
        jwks_uri: Option<&str>,
        refresh: bool,
    ) -> Result<JwkSet, KeysError> {
        if let Some(value) = jwks {
            let map = value.as_object().cloned().ok_or(KeysError::Shape)?;
            return JwkSet::from_map(map).map_err(|e| KeysError::Key(0, e.to_string()));
        }
        let uri = jwks_uri.ok_or(KeysError::Shape)?;
        match self.cached(client_id, refresh) {
            Some(Ok(keys)) => return Ok(keys),
            Some(Err(())) => {
                return Err(KeysError::Fetch("the last fetch failed moments ago".into()))
            }
            None => {}
        }
        let fetched = self.fetch(uri).await;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                client_id.to_owned(),
                Fetched {
                    at: Instant::now(),
                    keys: fetched.as_ref().ok().cloned(),
                },
            );
        }
        fetched
    }

    /// A recent fetch's result: keys within their TTL (or the cooldown when a refresh is asked
    /// for), or a failure within the cooldown, so a flood of bad assertions cannot make the
    /// server fetch again and again.
    fn cached(&self, client_id: &str, refresh: bool) -> Option<Result<JwkSet, ()>> {
        let cache = self.cache.lock().ok()?;
        let entry = cache.get(client_id)?;
        let age = entry.at.elapsed();
        match &entry.keys {
            Some(keys) if age < if refresh { REFETCH_COOLDOWN } else { CACHE_TTL } => {
                Some(Ok(keys.clone()))
            }
            None if age < REFETCH_COOLDOWN => Some(Err(())),
            _ => None,
        }
    }

    async fn fetch(&self, uri: &str) -> Result<JwkSet, KeysError> {
        let fetch = |e: reqwest::Error| KeysError::Fetch(e.without_url().to_string());
        let res = self.http.get(uri).send().await.map_err(fetch)?;
        if !res.status().is_success() {
            return Err(KeysError::Fetch(format!("status {}", res.status())));
        }
        let body = res.bytes().await.map_err(fetch)?;
        if body.len() > 64 * 1024 {
            return Err(KeysError::Fetch("the key set is larger than 64 KiB".into()));
        }
        JwkSet::from_bytes(&body).map_err(|e| KeysError::Fetch(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_sets_hold_public_asymmetric_keys_only() {
        let kp = josekit::jws::ES256.generate_key_pair().unwrap();
        let public = Value::Object(kp.to_jwk_public_key().as_ref().clone());
        let private = Value::Object(kp.to_jwk_key_pair().as_ref().clone());
        assert!(check_jwks(&serde_json::json!({ "keys": [public] })).is_ok());
        assert!(check_jwks(&serde_json::json!({ "keys": [private] })).is_err());
        assert!(check_jwks(&serde_json::json!({ "keys": [] })).is_err());
        assert!(check_jwks(&serde_json::json!({ "keys": [{"kty": "oct", "k": "abc"}] })).is_err());
        assert!(check_jwks(&serde_json::json!([])).is_err());
        assert!(check_jwks_uri("https://app.example.com/jwks").is_ok());
        assert!(check_jwks_uri("http://127.0.0.1:9/jwks").is_ok());
        assert!(check_jwks_uri("http://app.example.com/jwks").is_err());
    }
}
