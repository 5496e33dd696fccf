//! Access tokens encrypted to this resource server: a nested JWT (RFC 7519 §5.2, §11.2), a
//! compact JWE whose plaintext is the signed access token. Only RSA-OAEP-256 and
//! ECDH-ES+A256KW with A256GCM are accepted (DESIGN.md "Keys"), and the header, the part
//! lengths and the key choice are checked before any private-key operation, which costs
//! about a millisecond. Those checks only stop made-up tokens: anyone can build a well-formed
//! JWE from random bytes, and it costs one private-key operation per candidate key (every key
//! of its algorithm when it names no `kid`), so RSA keys are capped at 4096 bits.

use std::fmt;
use std::sync::Arc;

use josekit::jwe::{self, JweDecrypter, ECDH_ES_A256KW, RSA_OAEP_256};
use josekit::jwk::alg::rsa::RsaKeyPair;
use josekit::jwk::Jwk;
use serde_json::Value;

use crate::config::invalid;
use crate::error::{AuthError, InitError};
use crate::validate::is_media_type;

/// The only content encryption accepted.
const CONTENT_ENCRYPTION: &str = "A256GCM";
/// RFC 7518 §5.3: A256GCM has a 96-bit IV and a 128-bit tag; a shorter tag would weaken the
/// authentication, and OpenSSL would accept one.
const IV_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// RFC 3394 §2.2.1: a 256-bit content key wrapped with A256KW is 40 bytes.
const WRAPPED_KEY_BYTES: usize = 40;
/// RFC 7518 §4.3: RSA-OAEP keys of 2048 bits or more.
const MIN_RSA_BITS: usize = 2048;
/// An RSA private-key operation costs about the cube of the key size, and a well-formed forged
/// JWE buys one: a 4096-bit key already costs roughly eight times a 2048-bit one, an 8192-bit
/// key would cost roughly 64 times as much.
const MAX_RSA_BITS: usize = 4096;

/// A JWE key management algorithm the guard decrypts (RFC 7518 §4.3, §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyManagement {
    RsaOaep256,
    EcdhEsA256Kw,
}

impl KeyManagement {
    fn as_str(self) -> &'static str {
        match self {
            Self::RsaOaep256 => "RSA-OAEP-256",
            Self::EcdhEsA256Kw => "ECDH-ES+A256KW",
        }
    }

    /// Exact, case-sensitive (RFC 7516 §4.1.1).
    fn from_name(name: &str) -> Option<Self> {
        [Self::RsaOaep256, Self::EcdhEsA256Kw]
            .into_iter()
            .find(|a| a.as_str() == name)
    }

    /// RFC 7517 §4.3: the `key_ops` values that allow this use of a private key.
    fn key_operations(self) -> &'static [&'static str] {
        match self {
            Self::RsaOaep256 => &["unwrapKey", "decrypt"],
            Self::EcdhEsA256Kw => &["deriveKey", "deriveBits", "unwrapKey"],
        }
    }
}

/// One private key of this service, to decrypt the access tokens Tessera encrypts to it with
/// the public half (registered as the resource's encryption key). Its `Debug` shows only the
/// `kid` and the algorithm.
#[derive(Clone)]
pub struct DecryptionKey {
    kid: Option<String>,
    alg: KeyManagement,
    /// The size of the JWE Encrypted Key this key can unwrap: the RSA modulus, or a wrapped
    /// 256-bit key. Checked before decrypting, so a malformed token costs no key operation.
    encrypted_key_bytes: usize,
    decrypter: Arc<dyn JweDecrypter>,
}

impl DecryptionKey {
    /// A private JWK (RFC 7517, JSON text): `kty` `RSA` of 2048 to 4096 bits, used with
    /// RSA-OAEP-256, or `kty` `EC` on curve `P-256`, used with ECDH-ES+A256KW. An `alg`, if
    /// present, must be that algorithm; `use`, if present, must be `enc`; `key_ops`, if
    /// present, must allow unwrapping or key derivation. A public key is refused. `kid` is
    /// optional; Tessera names it in the JWE header when the registered key has one.
    ///
    /// Errors are [`InitError::InvalidConfig`] with key `decryption_key`; they never quote
    /// key material.
    pub fn from_jwk(jwk: &str) -> Result<Self, InitError> {
        let jwk = Jwk::from_bytes(jwk.as_bytes())
            .map_err(|_| refused("not a JWK (a JSON object with `kty`)"))?;
        if jwk.key_use().is_some_and(|u| u != "enc") {
            return Err(refused("its `use` must be \"enc\""));
        }
        let alg = match jwk.key_type() {
            "RSA" => KeyManagement::RsaOaep256,
            "EC" => KeyManagement::EcdhEsA256Kw,
            other => {
                return Err(refused(&format!(
                    "kty `{other}` is not supported (RSA for RSA-OAEP-256, EC P-256 for \
                     ECDH-ES+A256KW)"
                )))
            }
        };
        if let Some(named) = jwk.algorithm() {
            if named != alg.as_str() {
                return Err(refused(&format!(
                    "alg `{named}` does not fit a {} key: only {} is accepted",
                    jwk.key_type(),
                    alg.as_str()
                )));
            }
        }
        if jwk.parameter("d").is_none() {
            return Err(refused(
                "it is a public key; the private key (with `d`) is required",
            ));
        }
        if let Some(ops) = jwk.key_operations() {
            if !ops.iter().any(|op| alg.key_operations().contains(op)) {
                return Err(refused(&format!(
                    "its key_ops do not allow {}",
                    alg.as_str()
                )));
            }
        }
        // josekit has its own idea of `key_ops` (only "decrypt" for RSA); ours was checked.
        let mut usable = jwk.clone();
        usable
            .set_parameter("key_ops", None)
            .map_err(|_| refused("unreadable key_ops"))?;
        let (encrypted_key_bytes, decrypter): (usize, Arc<dyn JweDecrypter>) = match alg {
            KeyManagement::RsaOaep256 => {
                let pair = RsaKeyPair::from_jwk(&usable).map_err(|_| {
                    refused("not a complete RSA private key (n, e, d, p, q, dp, dq, qi)")
                })?;
                let bytes = usize::try_from(pair.key_len()).unwrap_or(0);
                if bytes * 8 < MIN_RSA_BITS {
                    return Err(refused(&format!(
                        "an RSA key of {} bits; at least {MIN_RSA_BITS} are required",
                        bytes * 8
                    )));
                }
                if bytes * 8 > MAX_RSA_BITS {
                    return Err(refused(&format!(
                        "an RSA key of {} bits; at most {MAX_RSA_BITS} are accepted, as each \
                         forged token would cost a private-key operation of that size",
                        bytes * 8
                    )));
                }
                let mut decrypter = RSA_OAEP_256
                    .decrypter_from_jwk(&usable)
                    .map_err(|_| refused("not a usable RSA private key"))?;
                // We choose the key by `kid` ourselves, also for headers without one.
                decrypter.remove_key_id();
                (bytes, Arc::new(decrypter))
            }
            KeyManagement::EcdhEsA256Kw => {
                if jwk.curve() != Some("P-256") {
                    return Err(refused(&format!(
                        "curve `{}` is not supported; only P-256 is",
                        jwk.curve().unwrap_or("(none)")
                    )));
                }
                let mut decrypter = ECDH_ES_A256KW
                    .decrypter_from_jwk(&usable)
                    .map_err(|_| refused("not a usable P-256 private key"))?;
                decrypter.remove_key_id();
                (WRAPPED_KEY_BYTES, Arc::new(decrypter))
            }
        };
        Ok(Self {
            kid: jwk.key_id().map(str::to_owned),
            alg,
            encrypted_key_bytes,
            decrypter,
        })
    }

    /// The key's `kid`, if its JWK has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The JWE `alg` this key decrypts: `RSA-OAEP-256` or `ECDH-ES+A256KW`.
    pub fn algorithm(&self) -> &'static str {
        self.alg.as_str()
    }
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg.as_str())
            .finish_non_exhaustive()
    }
}

fn refused(reason: &str) -> InitError {
    invalid("decryption_key", reason)
}

/// The nested JWS of `token`, a compact JWE (five parts) encrypted to one of `keys`.
/// Nothing of the plaintext goes into an error.
pub(crate) fn decrypt(token: &str, keys: &[DecryptionKey]) -> Result<String, AuthError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [_, encrypted_key, iv, ciphertext, tag] = parts[..] else {
        return Err(AuthError::Malformed("not a compact JWE"));
    };
    let header = josekit::jwt::decode_header(token)
        .map_err(|_| AuthError::Malformed("unreadable JWE header"))?;
    if keys.is_empty() {
        return Err(AuthError::Undecryptable("no decryption key is configured"));
    }
    let header_str = |name: &str| header.claim(name).and_then(Value::as_str);

    let alg =
        header_str("alg")
            .and_then(KeyManagement::from_name)
            .ok_or(AuthError::Undecryptable(
                "key management algorithm not allowed",
            ))?;
    if header_str("enc") != Some(CONTENT_ENCRYPTION) {
        return Err(AuthError::Undecryptable("content encryption not allowed"));
    }
    // Compressing before encrypting leaks the plaintext through its length (RFC 8725 §3.6).
    if header.claim("zip").is_some() {
        return Err(AuthError::Undecryptable("compressed tokens are refused"));
    }
    // RFC 7516 §4.1.13: we understand no extension, so none may be critical.
    if header.claim("crit").is_some() {
        return Err(AuthError::Undecryptable("critical header extensions"));
    }
    // RFC 7519 §5.2: a nested JWT says so with `cty` `JWT` (a media type, RFC 7515 §4.1.10).
    if !header_str("cty").is_some_and(|cty| is_media_type(cty, "jwt")) {
        return Err(AuthError::Undecryptable("content type is not JWT"));
    }
    if !has_encoded_len(iv, IV_BYTES)
        || !has_encoded_len(tag, TAG_BYTES)
        || ciphertext.is_empty()
        || !is_base64url(ciphertext)
    {
        return Err(AuthError::Malformed("JWE parts of the wrong size"));
    }

    let candidates: Vec<&DecryptionKey> = match header.claim("kid") {
        Some(kid) => {
            let kid = kid
                .as_str()
                .ok_or(AuthError::Malformed("JWE kid is not a string"))?;
            let key = keys
                .iter()
                .find(|k| k.kid() == Some(kid))
                .ok_or(AuthError::Undecryptable("no decryption key has this kid"))?;
            if key.alg != alg {
                return Err(AuthError::Undecryptable(
                    "the key named by kid is not for this algorithm",
                ));
            }
            vec![key]
        }
        // Rotation without `kid`: try each key of this algorithm, one private-key operation
        // each (README "Encrypted tokens" says so).
        None => keys.iter().filter(|k| k.alg == alg).collect(),
    };
    if candidates.is_empty() {
        return Err(AuthError::Undecryptable(
            "no decryption key for this algorithm",
        ));
    }
    for key in candidates {
        // Also keeps josekit's A256KW unwrap from ever seeing a key shorter than 8 bytes.
        if !has_encoded_len(encrypted_key, key.encrypted_key_bytes) {
            continue;
        }
        if let Ok((plaintext, _)) = jwe::deserialize_compact(token, &*key.decrypter) {
            return String::from_utf8(plaintext)
                .map_err(|_| AuthError::Malformed("the decrypted token is not text"));
        }
    }
    Err(AuthError::Undecryptable("encrypted to another key"))
}

/// Whether `part` is unpadded base64url (RFC 7515 §2) of exactly `bytes` bytes.
fn has_encoded_len(part: &str, bytes: usize) -> bool {
    part.len() == (bytes * 4).div_ceil(3) && is_base64url(part)
}

fn is_base64url(part: &str) -> bool {
    part.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests;
