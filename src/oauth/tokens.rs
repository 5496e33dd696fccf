//! Minting Tessera's JWTs with the key ring's active keys (josekit).

use std::time::Duration;

use chrono::{DateTime, Utc};
use josekit::jws::JwsHeader;
use serde::Serialize;

use super::OAuthError;
use crate::crypto::keyring::{KeyRing, SigningAlg};
use crate::crypto::random;

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
}

impl AccessTokenClaims {
    /// Claims for a token issued now, valid for `ttl`, with a fresh `jti`.
    pub fn new(iss: &str, sub: &str, client_id: &str, now: DateTime<Utc>, ttl: Duration) -> Self {
        let iat = now.timestamp();
        Self {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            // Until resource servers are registered, Tessera itself is the audience.
            aud: iss.to_owned(),
            exp: iat.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            iat,
            jti: random::token::<16>(),
            client_id: client_id.to_owned(),
            scope: None,
            auth_time: None,
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

/// An RFC 9068 access token (`typ: at+jwt`), signed with ES256.
pub fn access_token(ring: &KeyRing, claims: &AccessTokenClaims) -> Result<String, OAuthError> {
    sign(ring, SigningAlg::Es256, "at+jwt", claims)
}
