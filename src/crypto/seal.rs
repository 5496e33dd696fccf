//! AES-256-GCM sealing of values at rest (private keys, personal data).
//!
//! Format: `0x01 || nonce (12 bytes) || ciphertext || tag`. The associated data binds a value to
//! where it is stored (a key id, a user id and column), so sealed values cannot be swapped.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// A sealed value could not be opened: wrong key, wrong associated data, or corrupted.
#[derive(Debug, thiserror::Error)]
#[error("sealed value cannot be opened (wrong master key or corrupted data)")]
pub struct SealError;

/// Seals and opens values under one 256-bit key.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Encrypts `plaintext`, authenticating `aad` with it.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce_bytes = super::random::bytes::<NONCE_LEN>();
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce_bytes),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SealError)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Decrypts a value made by [`Sealer::seal`] with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let (version, rest) = sealed.split_first().ok_or(SealError)?;
        if *version != VERSION || rest.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| SealError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_tamper_fails() {
        let sealer = Sealer::new(&[7u8; 32]);
        let sealed = sealer.seal(b"secret", b"users.email:1").unwrap();
        assert_eq!(sealer.open(&sealed, b"users.email:1").unwrap(), b"secret");
        assert!(sealer.open(&sealed, b"users.email:2").is_err(), "other aad");
        assert!(
            Sealer::new(&[8u8; 32])
                .open(&sealed, b"users.email:1")
                .is_err(),
            "other key"
        );
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(sealer.open(&flipped, b"users.email:1").is_err(), "tampered");
        assert!(
            sealer.open(&sealed[..5], b"users.email:1").is_err(),
            "truncated"
        );
        assert_ne!(
            sealer.seal(b"secret", b"a").unwrap(),
            sealer.seal(b"secret", b"a").unwrap()
        );
    }
}
