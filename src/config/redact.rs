//! The effective configuration as TOML with secrets redacted, for `tessera config check`.

use secrecy::ExposeSecret;
use serde::Serialize;
use url::Url;

use super::{LogFormat, Settings};

const REDACTED: &str = "<redacted>";

#[derive(Serialize)]
struct View {
    issuer: String,
    public_addr: String,
    admin_addr: String,
    data_dir: String,
    database_url: String,
    accounts_database_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    redis_url: Option<String>,
    redis_key_prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    master_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    master_key_file: Option<String>,
    log_format: LogFormat,
    log_level: String,
    run_migrations: bool,
    workers: usize,
    shutdown_timeout: String,
    trusted_proxies: Vec<String>,
    keys: KeysView,
    password: PasswordView,
    tokens: TokensView,
}

#[derive(Serialize)]
struct TokensView {
    access_token_ttl: String,
    id_token_ttl: String,
    authorization_code_ttl: String,
    refresh_token_ttl: String,
    refresh_token_max_ttl: String,
    refresh_reuse_grace: String,
    session_ttl: String,
}

#[derive(Serialize)]
struct KeysView {
    algorithms: Vec<String>,
    rotation_interval: String,
    prepublish: String,
    retention: String,
    jwks_max_age: String,
    poll_interval: String,
    rsa_bits: u32,
}

#[derive(Serialize)]
struct PasswordView {
    scrypt_log_n: u8,
    scrypt_r: u32,
    scrypt_p: u32,
    max_concurrent_hashes: usize,
    min_length: usize,
}

/// Every setting with its effective value; secrets and URL passwords are replaced.
pub fn redacted_toml(s: &Settings) -> String {
    let duration = |d: std::time::Duration| humantime::format_duration(d).to_string();
    let view = View {
        issuer: s.issuer.clone(),
        public_addr: s.public_addr.to_string(),
        admin_addr: s.admin_addr.to_string(),
        data_dir: s.data_dir.display().to_string(),
        database_url: redact_url(&s.ops_database_url()),
        accounts_database_url: redact_url(&s.accounts_database_url()),
        redis_url: s.redis_url.as_ref().map(|u| redact_url(u.expose_secret())),
        redis_key_prefix: s.redis_key_prefix.clone(),
        master_key: s.master_key.as_ref().map(|_| REDACTED.to_owned()),
        master_key_file: s.master_key_file.as_ref().map(|p| p.display().to_string()),
        log_format: s.log_format,
        log_level: s.log_level.clone(),
        run_migrations: s.run_migrations,
        workers: s.workers,
        shutdown_timeout: duration(s.shutdown_timeout),
        trusted_proxies: s.trusted_proxies.iter().map(ToString::to_string).collect(),
        keys: KeysView {
            algorithms: s.keys.algorithms.iter().map(ToString::to_string).collect(),
            rotation_interval: duration(s.keys.rotation_interval),
            prepublish: duration(s.keys.prepublish),
            retention: duration(s.keys.retention),
            jwks_max_age: duration(s.keys.jwks_max_age),
            poll_interval: duration(s.keys.poll_interval),
            rsa_bits: s.keys.rsa_bits,
        },
        password: PasswordView {
            scrypt_log_n: s.password.scrypt_log_n,
            scrypt_r: s.password.scrypt_r,
            scrypt_p: s.password.scrypt_p,
            max_concurrent_hashes: s.password.max_concurrent_hashes,
            min_length: s.password.min_length,
        },
        tokens: TokensView {
            access_token_ttl: duration(s.tokens.access_token_ttl),
            id_token_ttl: duration(s.tokens.id_token_ttl),
            authorization_code_ttl: duration(s.tokens.authorization_code_ttl),
            refresh_token_ttl: duration(s.tokens.refresh_token_ttl),
            refresh_token_max_ttl: duration(s.tokens.refresh_token_max_ttl),
            refresh_reuse_grace: duration(s.tokens.refresh_reuse_grace),
            session_ttl: duration(s.tokens.session_ttl),
        },
    };
    toml::to_string(&view).unwrap_or_else(|e| format!("# cannot render the settings: {e}\n"))
}

/// Replaces a URL's password, in its user information or in a `password`-like query
/// parameter; a URL that does not parse is hidden whole.
fn redact_url(raw: &str) -> String {
    if raw.starts_with("sqlite:") {
        return raw.to_owned();
    }
    let Ok(mut url) = Url::parse(raw) else {
        return REDACTED.to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some(REDACTED));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let value = if k.to_ascii_lowercase().contains("password") {
                    REDACTED.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}
