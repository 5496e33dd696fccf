//! Checks that go beyond types: ranges, URL shapes and relations between settings.

use std::time::Duration;

use base64::Engine;
use secrecy::ExposeSecret;
use url::Url;

use super::{ConfigError, Settings};
use crate::crypto::keyring::SigningAlg;

impl Settings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        validate_issuer(&self.issuer)?;
        if let Some(key) = &self.master_key {
            let decoded = decode_base64(key.expose_secret().trim());
            if decoded.map(|k| k.len()) != Some(32) {
                return Err(ConfigError::invalid(
                    "master_key",
                    "must be 32 bytes encoded as base64 (see keys.example)",
                ));
            }
        }
        for (key, url) in [
            ("database_url", &self.database_url),
            ("accounts_database_url", &self.accounts_database_url),
        ] {
            if let Some(url) = url {
                let url = url.expose_secret();
                if !["sqlite:", "postgres://", "postgresql://"]
                    .iter()
                    .any(|p| url.starts_with(p))
                {
                    return Err(ConfigError::invalid(
                        key,
                        "must start with sqlite:, postgres:// or postgresql://",
                    ));
                }
            }
        }
        if let Some(url) = &self.redis_url {
            let url = url.expose_secret();
            if !url.starts_with("redis://") {
                return Err(ConfigError::invalid(
                    "redis_url",
                    "must start with redis:// (TLS to Redis is not built in: use a private network or a TLS tunnel)",
                ));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_level).is_err() {
            return Err(ConfigError::invalid(
                "log_level",
                "must be a tracing filter such as `info` or `tessera=debug,info`",
            ));
        }
        if self.shutdown_timeout > Duration::from_secs(3600) {
            return Err(ConfigError::invalid(
                "shutdown_timeout",
                "must be at most 1h",
            ));
        }
        if self.workers > 256 {
            return Err(ConfigError::invalid(
                "workers",
                "must be 0 (one per core) to 256",
            ));
        }
        // Trusting every address would let any client name its own IP in `X-Forwarded-For`.
        if self.trusted_proxies.iter().any(|net| net.prefix_len() == 0) {
            return Err(ConfigError::invalid(
                "trusted_proxies",
                "must not contain 0.0.0.0/0 or ::/0 (any client could then choose its own address); list your proxies' addresses or subnets",
            ));
        }
        self.validate_keys()?;
        self.validate_tokens()?;
        self.validate_password()
    }

    fn validate_keys(&self) -> Result<(), ConfigError> {
        let keys = &self.keys;
        for required in [SigningAlg::Es256, SigningAlg::Rs256] {
            if !keys.algorithms.contains(&required) {
                return Err(ConfigError::invalid(
                    "keys.algorithms",
                    format!("must include {required} (allowed: ES256, RS256, PS256, EdDSA)"),
                ));
            }
        }
        let mut seen = keys.algorithms.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != keys.algorithms.len() {
            return Err(ConfigError::invalid(
                "keys.algorithms",
                "lists an algorithm twice",
            ));
        }
        const DAY: u64 = 86_400;
        for (key, value, max, text) in [
            ("keys.jwks_max_age", keys.jwks_max_age, DAY, "1 day"),
            ("keys.prepublish", keys.prepublish, 90 * DAY, "90 days"),
            ("keys.retention", keys.retention, 365 * DAY, "365 days"),
            (
                "keys.rotation_interval",
                keys.rotation_interval,
                5 * 365 * DAY,
                "5 years",
            ),
        ] {
            if value > Duration::from_secs(max) {
                return Err(ConfigError::invalid(key, format!("must be at most {text}")));
            }
        }
        // DESIGN.md "Keys": a successor is published at least one JWKS cache period before it
        // signs, counting the time another instance may take to notice it (one poll).
        let visible = keys.jwks_max_age + keys.poll_interval;
        for (key, value) in [
            ("keys.prepublish", keys.prepublish),
            ("keys.retention", keys.retention),
        ] {
            if value < visible {
                return Err(ConfigError::invalid(
                    key,
                    "must be at least keys.jwks_max_age + keys.poll_interval",
                ));
            }
        }
        if keys.rotation_interval <= keys.prepublish {
            return Err(ConfigError::invalid(
                "keys.rotation_interval",
                "must be longer than keys.prepublish",
            ));
        }
        if keys.poll_interval < Duration::from_millis(50)
            || keys.poll_interval > Duration::from_secs(60)
        {
            return Err(ConfigError::invalid(
                "keys.poll_interval",
                "must be between 50ms and 60s",
            ));
        }
        if ![2048, 3072, 4096].contains(&keys.rsa_bits) {
            return Err(ConfigError::invalid(
                "keys.rsa_bits",
                "must be 2048, 3072 or 4096",
            ));
        }
        Ok(())
    }

    fn validate_tokens(&self) -> Result<(), ConfigError> {
        let t = &self.tokens;
        const MIN: u64 = 60;
        const DAY: u64 = 86_400;
        for (key, value, min, max, range) in [
            (
                "tokens.access_token_ttl",
                t.access_token_ttl,
                MIN,
                DAY,
                "1m to 1d",
            ),
            ("tokens.id_token_ttl", t.id_token_ttl, MIN, DAY, "1m to 1d"),
            (
                "tokens.authorization_code_ttl",
                t.authorization_code_ttl,
                10,
                600,
                "10s to 10m",
            ),
            (
                "tokens.refresh_token_ttl",
                t.refresh_token_ttl,
                MIN,
                365 * DAY,
                "1m to 365d",
            ),
            (
                "tokens.refresh_token_max_ttl",
                t.refresh_token_max_ttl,
                MIN,
                3 * 365 * DAY,
                "1m to 3 years",
            ),
            (
                "tokens.refresh_reuse_grace",
                t.refresh_reuse_grace,
                0,
                60,
                "0s to 60s",
            ),
            (
                "tokens.session_ttl",
                t.session_ttl,
                MIN,
                30 * DAY,
                "1m to 30d",
            ),
        ] {
            if value < Duration::from_secs(min) || value > Duration::from_secs(max) {
                return Err(ConfigError::invalid(key, format!("must be {range}")));
            }
        }
        if t.refresh_token_max_ttl < t.refresh_token_ttl {
            return Err(ConfigError::invalid(
                "tokens.refresh_token_max_ttl",
                "must be at least tokens.refresh_token_ttl",
            ));
        }
        // A retired signing key stays published until every token it signed has expired.
        let longest = t.access_token_ttl.max(t.id_token_ttl) + self.keys.poll_interval;
        if self.keys.retention < longest {
            return Err(ConfigError::invalid(
                "keys.retention",
                "must cover the longest token lifetime plus keys.poll_interval",
            ));
        }
        Ok(())
    }

    fn validate_password(&self) -> Result<(), ConfigError> {
        let p = &self.password;
        if !(10..=22).contains(&p.scrypt_log_n) {
            return Err(ConfigError::invalid(
                "password.scrypt_log_n",
                "must be 10 to 22 (OWASP's minimum is 17)",
            ));
        }
        if !(1..=32).contains(&p.scrypt_r) {
            return Err(ConfigError::invalid("password.scrypt_r", "must be 1 to 32"));
        }
        if !(1..=16).contains(&p.scrypt_p) {
            return Err(ConfigError::invalid("password.scrypt_p", "must be 1 to 16"));
        }
        if scrypt::Params::new(p.scrypt_log_n, p.scrypt_r, p.scrypt_p).is_err() {
            return Err(ConfigError::invalid(
                "password.scrypt_r",
                "scrypt rejects this combination of log_n, r and p",
            ));
        }
        // Each hash holds 128 * r * 2^log_n bytes while it runs.
        let bytes_per_hash = (128u64 * u64::from(p.scrypt_r)) << p.scrypt_log_n;
        if bytes_per_hash > 1 << 30 {
            return Err(ConfigError::invalid(
                "password.scrypt_log_n",
                "with this scrypt_r, one hash would need over 1 GiB of memory (128 * r * 2^log_n)",
            ));
        }
        if p.max_concurrent_hashes > 64 {
            return Err(ConfigError::invalid(
                "password.max_concurrent_hashes",
                "must be 0 (one per core) to 64",
            ));
        }
        if !(8..=128).contains(&p.min_length) {
            return Err(ConfigError::invalid(
                "password.min_length",
                "must be 8 to 128",
            ));
        }
        Ok(())
    }
}

/// OIDC Core §2 / Discovery §3: an https URL with no query or fragment; http only on loopback.
fn validate_issuer(issuer: &str) -> Result<(), ConfigError> {
    let bad = |msg: &str| ConfigError::invalid("issuer", msg);
    let url = Url::parse(issuer).map_err(|_| bad("must be an absolute URL"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain user information"));
    }
    if issuer.ends_with('/') {
        return Err(bad("must not end with `/`"));
    }
    // Tessera serves its endpoints at the root of its host.
    if url.path() != "/" {
        return Err(bad(
            "must not have a path (Tessera serves at the root of its host)",
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(&url) => Ok(()),
        "http" => Err(bad(
            "must use https (http is allowed on loopback hosts only)",
        )),
        _ => Err(bad("must use https")),
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Standard or URL-safe base64, with or without padding.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    STANDARD
        .decode(text)
        .ok()
        .or_else(|| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
}
