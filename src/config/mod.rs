//! Settings from an optional `tessera.toml` overridden by `TESSERA_*` environment variables.
//!
//! Every key has a typed field, a default, and an env name (`TESSERA_` + the key path in capitals,
//! `__` between nested levels). `tessera.example.toml` lists them all. Bad values fail at start-up
//! with the key's name and what is allowed.

mod error;
mod network;
mod redact;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use ipnet::IpNet;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

pub use error::ConfigError;
pub use network::{parse_network, NetworkError};
pub use redact::redacted_toml;
pub use validate::{decode_base64, is_loopback_host};

use crate::crypto::keyring::SigningAlg;

/// The file read when `--config` is not given and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "tessera.toml";

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// All of Tessera's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The issuer identifier (OIDC Core §2): https, or http on a loopback host for development.
    pub issuer: String,
    pub public_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    pub data_dir: PathBuf,
    /// The ops database (apps, keys, tokens, sessions, audit). Default: SQLite in `data_dir`.
    pub database_url: Option<SecretString>,
    /// The accounts database (users, credentials, personal data). Default: SQLite in `data_dir`.
    pub accounts_database_url: Option<SecretString>,
    pub redis_url: Option<SecretString>,
    /// Prefix for every Redis key, so several deployments (or tests) can share one Redis.
    pub redis_key_prefix: String,
    /// 32 bytes, base64. Takes precedence over `master_key_file`.
    pub master_key: Option<SecretString>,
    pub master_key_file: Option<PathBuf>,
    pub log_format: LogFormat,
    /// A `tracing` filter directive, e.g. `info` or `tessera=debug,info`.
    pub log_level: String,
    pub run_migrations: bool,
    /// HTTP worker threads per listener; 0 means one per CPU core.
    pub workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` entries are believed when working
    /// out the client's address; empty means those headers are always ignored.
    #[serde(deserialize_with = "deserialize_networks")]
    pub trusted_proxies: Vec<IpNet>,
    pub keys: KeySettings,
    pub password: PasswordSettings,
    pub tokens: TokenSettings,
}

/// The signing key ring and its rotation schedule (DESIGN.md "Keys").
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// Algorithms with a signing key; ES256 and RS256 are required.
    pub algorithms: Vec<SigningAlg>,
    /// How long a key signs before its successor takes over.
    #[serde(with = "humantime_serde")]
    pub rotation_interval: Duration,
    /// How long a successor is published in the JWKS before it signs; at least `jwks_max_age`.
    #[serde(with = "humantime_serde")]
    pub prepublish: Duration,
    /// How long a retired key stays published; at least the longest token lifetime.
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
    /// `Cache-Control: max-age` of the JWKS.
    #[serde(with = "humantime_serde")]
    pub jwks_max_age: Duration,
    /// How often each instance checks the ring for changes and runs the schedule.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Modulus size of new RSA keys.
    pub rsa_bits: u32,
}

/// Token lifetimes (DESIGN.md "Tokens"); apps may shorten them later.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    #[serde(with = "humantime_serde")]
    pub access_token_ttl: Duration,
    #[serde(with = "humantime_serde")]
    pub id_token_ttl: Duration,
    #[serde(with = "humantime_serde")]
    pub authorization_code_ttl: Duration,
    /// Sliding lifetime of a refresh token: each use extends it by this much.
    #[serde(with = "humantime_serde")]
    pub refresh_token_ttl: Duration,
    /// Absolute cap of a refresh-token family, counted from the login.
    #[serde(with = "humantime_serde")]
    pub refresh_token_max_ttl: Duration,
    /// A rotated refresh token used again within this window (a lost response) gets new tokens
    /// instead of revoking its family.
    #[serde(with = "humantime_serde")]
    pub refresh_reuse_grace: Duration,
    /// How long a login session lasts.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(600),
            id_token_ttl: Duration::from_secs(600),
            authorization_code_ttl: Duration::from_secs(60),
            refresh_token_ttl: Duration::from_secs(30 * 86_400),
            refresh_token_max_ttl: Duration::from_secs(90 * 86_400),
            refresh_reuse_grace: Duration::from_secs(10),
            session_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

/// Password hashing (scrypt) and policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    pub scrypt_log_n: u8,
    pub scrypt_r: u32,
    pub scrypt_p: u32,
    /// Hashes computed at once; each takes 128 * r * 2^log_n bytes. 0 means one per CPU core.
    pub max_concurrent_hashes: usize,
    pub min_length: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:8080".into(),
            public_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_addr: SocketAddr::from(([127, 0, 0, 1], 8081)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            accounts_database_url: None,
            redis_url: None,
            redis_key_prefix: "tessera:".into(),
            master_key: None,
            master_key_file: None,
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            run_migrations: true,
            workers: 0,
            shutdown_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            keys: KeySettings::default(),
            password: PasswordSettings::default(),
            tokens: TokenSettings::default(),
        }
    }
}

impl Default for KeySettings {
    fn default() -> Self {
        Self {
            algorithms: vec![SigningAlg::Es256, SigningAlg::Rs256],
            rotation_interval: Duration::from_secs(30 * 86_400),
            prepublish: Duration::from_secs(86_400),
            retention: Duration::from_secs(86_400),
            jwks_max_age: Duration::from_secs(300),
            poll_interval: Duration::from_secs(5),
            rsa_bits: 2048,
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            scrypt_log_n: 17,
            scrypt_r: 8,
            scrypt_p: 1,
            max_concurrent_hashes: 0,
            min_length: 8,
        }
    }
}

/// The top-level keys, used to keep unrelated `TESSERA_*` variables (such as the test suite's
/// `TESSERA_TEST_*`) out of the settings.
const TOP_LEVEL_KEYS: &[&str] = &[
    "issuer",
    "public_addr",
    "admin_addr",
    "data_dir",
    "database_url",
    "accounts_database_url",
    "redis_url",
    "redis_key_prefix",
    "master_key",
    "master_key_file",
    "log_format",
    "log_level",
    "run_migrations",
    "workers",
    "shutdown_timeout",
    "trusted_proxies",
    "keys",
    "password",
    "tokens",
];

impl Settings {
    /// Loads settings: defaults, then the file (an explicit `path` must exist; otherwise
    /// `tessera.toml` is read when present), then `TESSERA_*` environment variables.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        match path {
            Some(p) if !p.exists() => {
                return Err(ConfigError::File(format!("{} does not exist", p.display())))
            }
            Some(p) => figment = figment.merge(Toml::file_exact(p)),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE))
            }
            None => {}
        }
        let env = Env::prefixed("TESSERA_").split("__").filter(|key| {
            let top = key.as_str().split('.').next().unwrap_or_default();
            TOP_LEVEL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(top))
        });
        let settings: Settings = figment
            .merge(env)
            .extract()
            .map_err(ConfigError::from_figment)?;
        settings.validate()?;
        Ok(settings)
    }

    /// The ops database URL, defaulting to SQLite in the data dir.
    pub fn ops_database_url(&self) -> String {
        self.database_url
            .as_ref()
            .map(|s| secrecy::ExposeSecret::expose_secret(s).to_owned())
            .unwrap_or_else(|| sqlite_url(&self.data_dir, "ops.db"))
    }

    /// The accounts database URL, defaulting to SQLite in the data dir.
    pub fn accounts_database_url(&self) -> String {
        self.accounts_database_url
            .as_ref()
            .map(|s| secrecy::ExposeSecret::expose_secret(s).to_owned())
            .unwrap_or_else(|| sqlite_url(&self.data_dir, "accounts.db"))
    }

    /// Worker threads per listener.
    pub fn worker_count(&self) -> usize {
        if self.workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.workers
        }
    }
}

/// A list of networks, each `address/length` or a bare address (one host); one string of
/// comma-separated entries is accepted too, which is easier to write in an environment variable.
fn deserialize_networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Entries {
        One(String),
        Many(Vec<String>),
    }
    let entries = match Entries::deserialize(d)? {
        Entries::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        Entries::Many(v) => v,
    };
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            parse_network(e).map_err(|m| serde::de::Error::custom(format!("item {i}: {m}")))
        })
        .collect()
}

fn sqlite_url(dir: &Path, file: &str) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(file).display())
}

#[cfg(test)]
mod tests;
