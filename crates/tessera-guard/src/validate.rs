//! Token string -> verified claims, with no web framework: a JWE is decrypted first (when a
//! decryption key is configured), then the header checks (RFC 9068 §4, RFC 8725 §3.1), the
//! signature with the issuer's published key, the claims, and last, if configured, the
//! issuer's word that the token is still active (RFC 7662).

use std::borrow::Cow;
use std::sync::Arc;

use josekit::jws;
use url::Url;

use crate::claims::AccessClaims;
use crate::clock::unix_seconds;
use crate::config::{Algorithm, Config};
use crate::decrypt::decrypt;
use crate::discovery;
use crate::error::{AuthError, InitError};
use crate::introspect::Introspector;
use crate::jwks::KeyStore;

/// Longer tokens are refused before any parsing; Tessera's are well under 4 KiB, a JWE of one
/// about a third longer.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Validates access tokens of one issuer for one resource server. Cheap to clone; clones share
/// the key cache and the introspection cache.
#[derive(Debug, Clone)]
pub struct Validator {
    keys: Arc<KeyStore>,
    introspector: Option<Arc<Introspector>>,
}

impl Validator {
    /// Discovers the issuer's JWKS (and introspection endpoint, if introspection is
    /// configured without one) unless configured, fetches the JWKS once and, with
    /// introspection, asks once about a made-up token; fails if any of them fails (the
    /// introspection credentials refused included), so a misconfigured service does not start.
    pub async fn new(config: Config) -> Result<Self, InitError> {
        let http = discovery::http_client(&config)?;
        let endpoints = discovery::endpoints(&http, &config).await?;
        let introspector = config
            .introspection
            .as_ref()
            .zip(endpoints.introspection)
            .map(|(settings, endpoint)| {
                Arc::new(Introspector::new(
                    settings,
                    endpoint,
                    http.clone(),
                    config.clock.clone(),
                ))
            });
        let keys = Arc::new(KeyStore::new(config, http, endpoints.jwks).await?);
        if let Some(introspector) = &introspector {
            introspector.probe().await?;
        }
        Ok(Self { keys, introspector })
    }

    /// The issuer tokens must come from.
    pub fn issuer(&self) -> &str {
        self.config().issuer()
    }

    /// Where the keys are fetched from (configured or discovered).
    pub fn jwks_url(&self) -> &Url {
        self.keys.jwks_url()
    }

    /// Where tokens are introspected (configured or discovered); `None` without
    /// introspection.
    pub fn introspection_endpoint(&self) -> Option<&Url> {
        self.introspector.as_deref().map(Introspector::endpoint)
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
        let (jws, is_encrypted) = match token.bytes().filter(|&b| b == b'.').count() {
            2 if config.decryption_keys.is_empty() || config.allow_unencrypted => {
                (Cow::Borrowed(token), false)
            }
            2 => return Err(AuthError::EncryptionRequired),
            4 => (Cow::Owned(decrypt(token, &config.decryption_keys)?), true),
            _ => return Err(AuthError::Malformed("not a compact JWS or JWE")),
        };
        let claims = self.verify(&jws, is_encrypted).await?;
        if let Some(introspector) = &self.introspector {
            // Tessera cannot read a JWE encrypted to us: it is asked about the signed token.
            introspector.check(&jws, &claims).await?;
        }
        Ok(claims)
    }

    /// The checks of a signed token; `is_encrypted` keeps claim values out of errors.
    async fn verify(&self, token: &str, is_encrypted: bool) -> Result<AccessClaims, AuthError> {
        let config = self.config();
        if token.split('.').count() != 3 {
            return Err(AuthError::Malformed("not a compact JWS"));
        }
        let header = josekit::jwt::decode_header(token)
            .map_err(|_| AuthError::Malformed("unreadable header"))?;
        let header_str = |name: &str| header.claim(name).and_then(|v| v.as_str());

        // RFC 9068 §4: reject anything that is not explicitly an access token (an ID token
        // signed by the same keys, for one).
        if !header_str("typ").is_some_and(|typ| is_media_type(typ, "at+jwt")) {
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
        let claims: AccessClaims =
            serde_json::from_slice(&payload).map_err(|e| claims_error(&e, is_encrypted))?;
        check_claims(&claims, config)?;
        Ok(claims)
    }
}

/// serde's message may quote a claim's value; an encrypted token's values stay secret.
fn claims_error(e: &serde_json::Error, is_encrypted: bool) -> AuthError {
    AuthError::InvalidClaims(if is_encrypted {
        format!(
            "claims of an encrypted token do not fit (column {}; details withheld)",
            e.column()
        )
    } else {
        e.to_string()
    })
}

/// Whether a `typ` or `cty` value is the media type `application/<subtype>`: compared in any
/// case, with the `application/` prefix optional (RFC 7515 §4.1.9, §4.1.10; RFC 9068 §2.1
/// for `at+jwt`).
pub(crate) fn is_media_type(value: &str, subtype: &str) -> bool {
    let value = value.trim();
    let short = value
        .get(..12)
        .filter(|prefix| prefix.eq_ignore_ascii_case("application/"))
        .and_then(|_| value.get(12..))
        .unwrap_or(value);
    short.eq_ignore_ascii_case(subtype)
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
