//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OIDC Core §9).

use chrono::{DateTime, TimeZone, Utc};
use josekit::jwk::Jwk;
use josekit::jws::{EdDSA, JwsVerifier, ES256, PS256, RS256};
use serde_json::Value;

use super::OAuthError;
use crate::apps::{ClientKeys, RegisteredApp};
use crate::store::{client_assertions, Db};

/// The `client_assertion_type` of a JWT assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Assertions may live at most this long (it bounds the replay store).
const MAX_LIFETIME_SECS: i64 = 3600;
const LEEWAY_SECS: i64 = 30;

fn refused(reason: &str) -> OAuthError {
    tracing::info!(reason, "client assertion refused");
    OAuthError::InvalidClient("client authentication failed".into())
}

/// The client the assertion claims to be (`sub`), read without trusting it: it only selects the
/// app whose keys then verify everything.
pub fn claimed_client(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

fn verifier_for(alg: &str, jwk: &Jwk) -> Option<Box<dyn JwsVerifier>> {
    // Asymmetric algorithms only: never `none`, never HMAC with a public key.
    Some(match alg {
        "RS256" => Box::new(RS256.verifier_from_jwk(jwk).ok()?),
        "PS256" => Box::new(PS256.verifier_from_jwk(jwk).ok()?),
        "ES256" => Box::new(ES256.verifier_from_jwk(jwk).ok()?),
        "EdDSA" => Box::new(EdDSA.verifier_from_jwk(jwk).ok()?),
        _ => return None,
    })
}

/// Verifies an assertion against the app's registered keys and records its `jti`.
pub async fn authenticate(
    app: &RegisteredApp,
    assertion: &str,
    keys: &ClientKeys,
    db: &Db,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<(), OAuthError> {
    let header = josekit::jwt::decode_header(assertion).map_err(|_| refused("malformed"))?;
    let alg = header
        .claim("alg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let kid = header
        .claim("kid")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut payload = None;
    for refresh in [false, true] {
        let set = keys
            .key_set(
                &app.client_id,
                app.jwks.as_ref(),
                app.jwks_uri.as_deref(),
                refresh,
            )
            .await
            .map_err(|e| refused(&e.to_string()))?;
        let candidates: Vec<&Jwk> = match &kid {
            Some(kid) => set.get(kid),
            None => set.keys(),
        };
        payload = candidates.iter().find_map(|jwk| {
            let verifier = verifier_for(&alg, jwk)?;
            josekit::jws::deserialize_compact(assertion, &*verifier)
                .ok()
                .map(|(p, _)| p)
        });
        if payload.is_some() || app.jwks_uri.is_none() {
            break;
        }
    }
    let payload = payload.ok_or_else(|| refused("no registered key verifies it"))?;
    let claims: Value =
        serde_json::from_slice(&payload).map_err(|_| refused("claims are not JSON"))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(&app.client_id) || text("sub") != Some(&app.client_id) {
        return Err(refused("iss and sub must be the client_id"));
    }
    let token_endpoint = format!("{issuer}/token");
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences
        .iter()
        .any(|a| *a == issuer || *a == token_endpoint)
    {
        return Err(refused("aud must be the issuer or the token endpoint"));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| refused("exp is missing"))?;
    let now_ts = now.timestamp();
    if exp + LEEWAY_SECS <= now_ts {
        return Err(refused("expired"));
    }
    if exp > now_ts + MAX_LIFETIME_SECS {
        return Err(refused("exp is too far ahead"));
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| nbf > now_ts + LEEWAY_SECS)
    {
        return Err(refused("not valid yet"));
    }
    let jti = text("jti")
        .filter(|j| !j.is_empty() && j.len() <= 200)
        .ok_or_else(|| refused("jti is missing"))?;
    let expires_at = Utc
        .timestamp_opt(exp + LEEWAY_SECS, 0)
        .single()
        .unwrap_or(now);
    let is_first_use =
        client_assertions::insert_assertion(db, &format!("{}:{jti}", app.client_id), expires_at)
            .await
            .map_err(OAuthError::internal)?;
    if !is_first_use {
        return Err(refused("the assertion was already used"));
    }
    Ok(())
}
