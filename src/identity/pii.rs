//! Personal data at rest: values sealed under a master-key subkey, bound to the user and field;
//! emails also get a keyed blind index (HMAC-SHA256) for lookup and uniqueness.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Email;
use crate::crypto::{hex_encode, MasterKey, SealError, Sealer};

/// Seals, opens and indexes personal data.
#[derive(Clone)]
pub struct Pii {
    sealer: Sealer,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Pii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pii(..)")
    }
}

impl Pii {
    pub fn new(master: &MasterKey) -> Self {
        Self {
            sealer: master.sealer("tessera/pii/v1"),
            index_key: master.derive("tessera/email-index/v1"),
        }
    }

    /// The blind index of an email.
    pub fn email_index(&self, email: &Email) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key) else {
            // HMAC takes keys of any length, so this cannot happen.
            return String::new();
        };
        mac.update(email.as_str().as_bytes());
        hex_encode(&mac.finalize().into_bytes())
    }

    /// Seals one field of one user.
    pub fn seal(&self, user_id: &str, field: &str, value: &str) -> Result<Vec<u8>, SealError> {
        self.sealer.seal(value.as_bytes(), &aad(user_id, field))
    }

    /// Opens one field of one user.
    pub fn open(&self, user_id: &str, field: &str, sealed: &[u8]) -> Result<String, SealError> {
        let bytes = self.sealer.open(sealed, &aad(user_id, field))?;
        String::from_utf8(bytes).map_err(|_| SealError)
    }
}

fn aad(user_id: &str, field: &str) -> Vec<u8> {
    format!("users.{field}:{user_id}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_keyed_and_sealed_fields_are_bound_to_their_user() {
        let a = Pii::new(&MasterKey::from_bytes([1; 32]));
        let b = Pii::new(&MasterKey::from_bytes([2; 32]));
        let email: Email = "alice@example.com".parse().unwrap();
        assert_eq!(a.email_index(&email), a.email_index(&email));
        assert_ne!(a.email_index(&email), b.email_index(&email));
        let sealed = a.seal("u1", "email", "alice@example.com").unwrap();
        assert_eq!(a.open("u1", "email", &sealed).unwrap(), "alice@example.com");
        assert!(a.open("u2", "email", &sealed).is_err());
        assert!(a.open("u1", "name", &sealed).is_err());
        assert!(b.open("u1", "email", &sealed).is_err());
    }
}
