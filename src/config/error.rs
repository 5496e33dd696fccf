//! Configuration errors: each names the key, its env variable and what is allowed.

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file is missing or is not valid TOML.
    #[error("config file: {0}")]
    File(String),
    /// A key has a value that is not allowed.
    #[error("invalid setting `{key}` (env {env}): {message}")]
    Invalid {
        key: String,
        env: String,
        message: String,
    },
}

impl ConfigError {
    /// An invalid value for `key` (dotted path, e.g. `keys.rsa_bits`).
    pub fn invalid(key: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            env: env_name(key),
            message: message.into(),
        }
    }

    pub(super) fn from_figment(err: figment::Error) -> Self {
        use figment::error::Kind;
        let mut path = err.path.clone();
        let message = match &err.kind {
            Kind::UnknownField(field, expected) => {
                if path.last() != Some(field) {
                    path.push(field.clone());
                }
                format!("unknown key; expected one of: {}", expected.join(", "))
            }
            Kind::UnknownVariant(value, expected) => {
                format!(
                    "`{value}` is not allowed; expected one of: {}",
                    expected.join(", ")
                )
            }
            other => other.to_string(),
        };
        // A bad list item (`keys.algorithms.2`) is reported against its list.
        let mut message = message;
        while let Some(index) = path.last().filter(|s| s.parse::<usize>().is_ok()).cloned() {
            path.pop();
            message = format!("item {index}: {message}");
        }
        if path.is_empty() {
            return Self::File(err.to_string());
        }
        Self::invalid(&path.join("."), message)
    }
}

/// `keys.rsa_bits` -> `TESSERA_KEYS__RSA_BITS`.
pub fn env_name(key: &str) -> String {
    format!("TESSERA_{}", key.replace('.', "__").to_ascii_uppercase())
}
