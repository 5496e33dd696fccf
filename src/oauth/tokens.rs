//! Minting Tessera's JWTs with the key ring's active keys (josekit).

use std::time::Duration;

use chrono::{DateTime, Utc};
use josekit::jws::JwsHeader;
use serde::Serialize;

use super::OAuthError;
use crate::access::TokenAccess;
use crate::crypto::keyring::{KeyRing, SigningAlg};
use crate::crypto::random;
use crate::crypto::token_encryption::TokenEncryptionKey;

/// RFC 9068 §2.2 access-token claims.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// `org`, `roles` and `rights` at the token's resource (README "Access claims").
    #[serde(flatten)]
    pub access: Option<TokenAccess>,
}

impl AccessTokenClaims {
    /// Claims for a token issued now, valid for `ttl`, with a fresh `jti`.
    pub fn new(iss: &str, sub: &str, client_id: &str, now: DateTime<Utc>, ttl: Duration) -> Self {
        let iat = now.timestamp();
        Self {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            // Tessera itself, unless the token is for a registered resource (RFC 8707).
            aud: iss.to_owned(),
            exp: iat.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            iat,
            jti: random::token::<16>(),
            client_id: client_id.to_owned(),
            scope: None,
            auth_time: None,
            access: None,
        }
    }
}

/// Signs `claims` as a compact JWS with the active key of `alg`, `typ` set to `typ`.
pub fn sign(
    ring: &KeyRing,
    alg: SigningAlg,
    typ: &str,
    claims: &impl Serialize,
) -> Result<String, OAuthError> {
    let key = ring
        .active(alg)
        .ok_or_else(|| OAuthError::internal(format!("no active {alg} signing key")))?;
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    header.set_key_id(&key.kid);
    let payload = serde_json::to_vec(claims).map_err(OAuthError::internal)?;
    josekit::jws::serialize_compact(&payload, &header, &*key.signer).map_err(OAuthError::internal)
}

/// An RFC 9068 access token (`typ: at+jwt`), signed with ES256; for a resource that registered
/// an encryption key, that signed token encrypted to it (RFC 7519 §5.2 nested JWT), which only
/// the resource server can read. The token's `jti` and `exp` stay Tessera's to check and revoke.
pub fn access_token(
    ring: &KeyRing,
    claims: &AccessTokenClaims,
    encryption: Option<&TokenEncryptionKey>,
) -> Result<String, OAuthError> {
    let signed = sign(ring, SigningAlg::Es256, "at+jwt", claims)?;
    match encryption {
        Some(key) => key.encrypt_jwt(&signed).map_err(OAuthError::internal),
        None => Ok(signed),
    }
}

/// Why a token did not verify. Never shown in detail to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("signed by no key Tessera publishes")]
    UnknownKey,
    #[error("the header's algorithm is not the key's")]
    AlgorithmMismatch,
    #[error("bad signature")]
    Signature,
    #[error("wrong typ")]
    Type,
    #[error("another issuer")]
    Issuer,
    #[error("expired")]
    Expired,
}

/// Verifies one of Tessera's own JWTs: a published kid, the key's own algorithm (so `none` and
/// HMAC-with-a-public-key can never pass), the signature, `typ`, `iss` and `exp`.
pub fn verify(
    ring: &KeyRing,
    issuer: &str,
    token: &str,
    typ: &str,
    now: DateTime<Utc>,
) -> Result<serde_json::Map<String, serde_json::Value>, VerifyError> {
    verify_at(ring, issuer, token, typ, Some(now))
}

/// Verifies an ID token Tessera issued, expired or not (an `id_token_hint`, OIDC RP-Initiated
/// Logout §2).
pub fn verify_id_token_hint(
    ring: &KeyRing,
    issuer: &str,
    token: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, VerifyError> {
    verify_at(ring, issuer, token, "JWT", None)
}

fn verify_at(
    ring: &KeyRing,
    issuer: &str,
    token: &str,
    typ: &str,
    now: Option<DateTime<Utc>>,
) -> Result<serde_json::Map<String, serde_json::Value>, VerifyError> {
    let header = josekit::jwt::decode_header(token).map_err(|_| VerifyError::Malformed)?;
    let kid = header
        .claim("kid")
        .and_then(|v| v.as_str())
        .ok_or(VerifyError::UnknownKey)?;
    let key = ring.published(kid).ok_or(VerifyError::UnknownKey)?;
    if header.claim("alg").and_then(|v| v.as_str()) != Some(key.alg.as_str()) {
        return Err(VerifyError::AlgorithmMismatch);
    }
    let (payload, header) = josekit::jws::deserialize_compact(token, &*key.verifier)
        .map_err(|_| VerifyError::Signature)?;
    if header.token_type() != Some(typ) {
        return Err(VerifyError::Type);
    }
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&payload).map_err(|_| VerifyError::Malformed)?;
    if claims.get("iss").and_then(|v| v.as_str()) != Some(issuer) {
        return Err(VerifyError::Issuer);
    }
    let exp = claims
        .get("exp")
        .and_then(|v| v.as_i64())
        .ok_or(VerifyError::Malformed)?;
    if now.is_some_and(|now| exp <= now.timestamp()) {
        return Err(VerifyError::Expired);
    }
    Ok(claims)
}

/// OIDC Core §2 ID-token claims.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub amr: Vec<String>,
    pub acr: String,
    pub azp: String,
}

/// The authentication context Tessera asserts for a password login.
pub const ACR_PASSWORD: &str = "urn:tessera:acr:password";
/// The authentication context for a password plus a second factor.
pub const ACR_MFA: &str = "urn:tessera:acr:mfa";

/// The `acr` that goes with how the user signed in (`amr`, RFC 8176).
pub fn acr_for(amr: &[String]) -> &'static str {
    if amr.iter().any(|m| m == "mfa") {
        ACR_MFA
    } else {
        ACR_PASSWORD
    }
}

/// OIDC Core §3.1.3.6: the left half of the hash of the access token, base64url; the hash is the
/// one of the ID token's algorithm (SHA-512 for Ed25519).
pub fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use sha2::{Digest, Sha256, Sha512};
    let digest = match alg {
        SigningAlg::EdDsa => Sha512::digest(access_token.as_bytes()).to_vec(),
        _ => Sha256::digest(access_token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// An ID token, signed with the app's registered algorithm (RS256 by default).
pub fn id_token(
    ring: &KeyRing,
    alg: SigningAlg,
    claims: &IdTokenClaims,
) -> Result<String, OAuthError> {
    sign(ring, alg, "JWT", claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_oidc_example() {
        // OIDC Core Appendix A.3 (RS256): access token and at_hash.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(at_hash(SigningAlg::Rs256, token), "77QmUPtjPfzWtF2AnpK9RQ");
    }
}
