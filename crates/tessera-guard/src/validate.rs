//! Token string -> verified claims, with no web framework: the header checks (RFC 9068 §4,
//! RFC 8725 §3.1), the signature with the issuer's published key, then the claims.

use std::sync::Arc;

use josekit::jws;
use url::Url;

use crate::claims::AccessClaims;
use crate::clock::unix_seconds;
use crate::config::{Algorithm, Config};
use crate::error::{AuthError, InitError};
use crate::jwks::KeyStore;

/// Longer tokens are refused before any parsing; Tessera's are well under 4 KiB.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Validates access tokens of one issuer for one resource server. Cheap to clone; clones share
/// the key cache.
#[derive(Debug, Clone)]
pub struct Validator {
    keys: Arc<KeyStore>,
}

impl Validator {
    /// Discovers the issuer's JWKS (unless configured) and fetches it once; fails if either
    /// is unreachable, so a misconfigured service does not start.
    pub async fn new(config: Config) -> Result<Self, InitError> {
        Ok(Self {
            keys: Arc::new(KeyStore::new(config).await?),
        })
    }

    /// The issuer tokens must come from.
    pub fn issuer(&self) -> &str {
        self.config().issuer()
    }

    /// Where the keys are fetched from (configured or discovered).
    pub fn jwks_url(&self) -> &Url {
        self.keys.jwks_url()
    }

    fn config(&self) -> &Config {
        self.keys.config()
    }

    /// Verifies `token` (the bearer token, without the `Bearer ` prefix) and returns its claims.
    pub async fn validate(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let config = self.config();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed("token too long"));
        }
        if token.split('.').count() != 3 {
            return Err(AuthError::Malformed("not a compact JWS"));
        }
        let header = josekit::jwt::decode_header(token)
            .map_err(|_| AuthError::Malformed("unreadable header"))?;
        let header_str = |name: &str| header.claim(name).and_then(|v| v.as_str());

        // RFC 9068 §4: reject anything that is not explicitly an access token (an ID token
        // signed by the same keys, for one).
        if !header_str("typ").is_some_and(is_access_token_type) {
            return Err(AuthError::WrongType);
        }
        let alg_name = header_str("alg").ok_or(AuthError::Malformed("no alg"))?;
        let alg = alg_name
            .parse::<Algorithm>()
            .ok()
            .filter(|a| config.algorithms.contains(a))
            .ok_or_else(|| AuthError::DisallowedAlgorithm(alg_name.to_owned()))?;
        let kid = header_str("kid").ok_or(AuthError::MissingKeyId)?;

        let keys = self.keys.keys_for(kid).await?;
        let verifier = keys.verifier(kid, alg)?;
        let (payload, _) =
            jws::deserialize_compact(token, verifier).map_err(|_| AuthError::InvalidSignature)?;
        let claims: AccessClaims = serde_json::from_slice(&payload)
            .map_err(|e| AuthError::InvalidClaims(e.to_string()))?;
        check_claims(&claims, config)?;
        Ok(claims)
    }
}

/// RFC 9068 §2.1: `at+jwt`, or its full media type `application/at+jwt`, in any case.
fn is_access_token_type(typ: &str) -> bool {
    let typ = typ.trim();
    let short = typ
        .get(..12)
        .filter(|prefix| prefix.eq_ignore_ascii_case("application/"))
        .and_then(|_| typ.get(12..))
        .unwrap_or(typ);
    short.eq_ignore_ascii_case("at+jwt")
}

/// RFC 9068 §4 and RFC 7519 §4.1: issuer, audience and the time window (with leeway).
fn check_claims(claims: &AccessClaims, config: &Config) -> Result<(), AuthError> {
    if claims.iss != config.issuer {
        return Err(AuthError::WrongIssuer);
    }
    if !config.audiences.iter().any(|a| claims.aud.contains(a)) {
        return Err(AuthError::WrongAudience);
    }
    let now = unix_seconds(config.clock.now());
    let leeway = i64::try_from(config.leeway.as_secs()).unwrap_or(i64::MAX);
    // RFC 7519 §4.1.4: the current time must be before `exp`.
    if now >= claims.exp.saturating_add(leeway) {
        return Err(AuthError::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| now.saturating_add(leeway) < nbf)
    {
        return Err(AuthError::NotYetValid);
    }
    if claims.iat > now.saturating_add(leeway) {
        return Err(AuthError::IssuedInFuture);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
