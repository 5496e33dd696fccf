//! Password hashing with scrypt (PHC strings), on the blocking pool behind a concurrency bound:
//! each hash takes `128 * r * 2^log_n` bytes (128 MiB at OWASP's minimum) and ~0.4 s of a core,
//! so a burst of logins waits for a permit instead of exhausting memory or the async workers.

use std::sync::Arc;

use scrypt::password_hash::phc::PasswordHash;
use scrypt::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use scrypt::{Params, Scrypt};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::config::PasswordSettings;

/// Passwords longer than this are refused (they would only cost hashing time).
const MAX_LENGTH: usize = 1024;

/// A password was refused or could not be hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must be at least {0} characters long")]
    TooShort(usize),
    #[error("the password must be at most {MAX_LENGTH} bytes long")]
    TooLong,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub is_valid: bool,
    /// The hash uses other parameters than the configured ones: store a new hash.
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    min_length: usize,
    /// A hash of a random password, verified when an email is unknown so that the answer takes
    /// as long as for a known one.
    dummy: Arc<tokio::sync::OnceCell<String>>,
}

impl PasswordHasher {
    pub fn new(settings: &PasswordSettings) -> Result<Self, PasswordError> {
        let params = Params::new(settings.scrypt_log_n, settings.scrypt_r, settings.scrypt_p)
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        let permits = match settings.max_concurrent_hashes {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(permits)),
            min_length: settings.min_length,
            dummy: Arc::new(tokio::sync::OnceCell::new()),
        })
    }

    /// The password policy: length in characters (NIST SP 800-63B §3.1.1.2).
    pub fn check_policy(&self, password: &SecretString) -> Result<(), PasswordError> {
        let text = password.expose_secret();
        if text.len() > MAX_LENGTH {
            return Err(PasswordError::TooLong);
        }
        if text.chars().count() < self.min_length {
            return Err(PasswordError::TooShort(self.min_length));
        }
        Ok(())
    }

    /// Hashes a password into a PHC string (`$scrypt$ln=..,r=..,p=..$salt$hash`).
    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        let params = self.params;
        self.run(move || {
            Scrypt::new_with_params(params)
                .hash_password(password.expose_secret().as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| PasswordError::Hash(e.to_string()))
        })
        .await
    }

    /// Checks a password against a PHC string. A malformed stored hash never verifies.
    pub async fn verify(
        &self,
        password: SecretString,
        phc: String,
    ) -> Result<Verification, PasswordError> {
        let configured = self.params;
        self.run(move || {
            let Ok(hash) = PasswordHash::new(&phc) else {
                return Ok(Verification {
                    is_valid: false,
                    needs_rehash: true,
                });
            };
            let is_valid = Scrypt::new()
                .verify_password(password.expose_secret().as_bytes(), &hash)
                .is_ok();
            let needs_rehash = Params::try_from(&hash).map_or(true, |p| {
                (p.log_n(), p.r(), p.p()) != (configured.log_n(), configured.r(), configured.p())
            });
            Ok(Verification {
                is_valid,
                needs_rehash,
            })
        })
        .await
    }

    /// Spends the time and memory of one verification and fails (for unknown accounts).
    pub async fn verify_nothing(&self, password: SecretString) -> Result<(), PasswordError> {
        let dummy = self
            .dummy
            .get_or_try_init(|| self.hash(SecretString::from(crate::crypto::random::token::<16>())))
            .await?
            .clone();
        self.verify(password, dummy).await.map(|_| ())
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
    }

    /// Permits free right now (for tests and metrics).
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(log_n: u8) -> PasswordHasher {
        PasswordHasher::new(&PasswordSettings {
            scrypt_log_n: log_n,
            max_concurrent_hashes: 1,
            ..PasswordSettings::default()
        })
        .unwrap()
    }

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn hashes_are_phc_scrypt_and_verify() {
        let h = hasher(10);
        let phc = h.hash(pw("correct horse")).await.unwrap();
        assert!(phc.starts_with("$scrypt$ln=10,r=8,p=1$"), "{phc}");
        let ok = h.verify(pw("correct horse"), phc.clone()).await.unwrap();
        assert_eq!(
            ok,
            Verification {
                is_valid: true,
                needs_rehash: false
            }
        );
        let bad = h.verify(pw("wrong horse"), phc.clone()).await.unwrap();
        assert!(!bad.is_valid);
        assert_ne!(phc, h.hash(pw("correct horse")).await.unwrap(), "salted");
    }

    #[tokio::test]
    async fn a_hash_with_other_parameters_asks_for_a_rehash() {
        let phc = hasher(10).hash(pw("correct horse")).await.unwrap();
        let v = hasher(11).verify(pw("correct horse"), phc).await.unwrap();
        assert_eq!(
            v,
            Verification {
                is_valid: true,
                needs_rehash: true
            }
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_never_verifies() {
        let v = hasher(10)
            .verify(pw("x"), "not a phc string".into())
            .await
            .unwrap();
        assert!(!v.is_valid);
    }

    #[tokio::test]
    async fn hashing_holds_a_permit_and_returns_it() {
        let h = hasher(10);
        assert_eq!(h.available_permits(), 1);
        let held = h.permits.clone().acquire_owned().await.unwrap();
        let pending = tokio::spawn({
            let h = h.clone();
            async move { h.hash(pw("correct horse")).await }
        });
        tokio::task::yield_now().await;
        assert!(!pending.is_finished(), "a hash ran without a permit");
        drop(held);
        pending.await.unwrap().unwrap();
        assert_eq!(h.available_permits(), 1);
    }

    #[test]
    fn policy_counts_characters() {
        let h = hasher(10);
        assert_eq!(
            h.check_policy(&pw("short")),
            Err(PasswordError::TooShort(8))
        );
        assert!(h.check_policy(&pw("žluťoučký")).is_ok());
        assert_eq!(
            h.check_policy(&pw(&"x".repeat(1025))),
            Err(PasswordError::TooLong)
        );
    }
}
