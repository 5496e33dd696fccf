//! Cryptography: the master key and what derives from it, sealing (AES-256-GCM), randomness,
//! constant-time comparison, the signing key ring, and resources' token encryption keys.

pub mod csrf;
pub mod keyring;
pub mod master_key;
pub mod random;
pub mod seal;
pub mod session_cookie;
pub mod token_encryption;

pub use master_key::{MasterKey, MasterKeyError, MasterKeySource};
pub use seal::{SealError, Sealer};

/// Compares two byte strings in constant time (for secrets and their hashes).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// SHA-256 of `data`, hex-encoded (how client secrets are stored).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex_encode(&Sha256::digest(data))
}

/// Lower-case hex.
pub fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
