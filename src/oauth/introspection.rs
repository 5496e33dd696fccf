//! Token introspection (RFC 7662) and revocation (RFC 7009) of access and refresh tokens.
//!
//! An app may introspect and revoke the tokens issued to it. The app a resource names as its
//! server's (`server_client_id`) may also introspect the access tokens whose `aud` is that
//! resource, whichever app they were issued to (RFC 7662 §2.1: the protected resource asks), but
//! neither revoke them nor see refresh tokens. Anything else (another app's token, another
//! issuer's, expired, revoked, malformed) is simply inactive. An access token encrypted to a
//! resource is opaque here: its resource server decrypts it and introspects the signed token
//! inside.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Map, Value};

use super::tokens::verify;
use super::OAuthError;
use crate::access;
use crate::crypto::keyring::KeyRing;
use crate::crypto::sha256_hex;
use crate::store::issued_tokens::{self, RefreshRow};
use crate::store::{revoked_tokens, Db};

/// Which access tokens a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Those issued to it (revocation).
    Own,
    /// Those issued to it, and those for a resource whose server it is (introspection).
    OwnAndServed,
}

/// Whether `client_id` is the server of a resource in the token's `aud` (a string, or an array
/// of strings: RFC 7519 §4.1.3).
async fn serves_audience(
    db: &Db,
    claims: &Map<String, Value>,
    client_id: &str,
) -> Result<bool, OAuthError> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for aud in audiences {
        if access::is_resource_server(db, aud, client_id)
            .await
            .map_err(OAuthError::internal)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The claims of an access token that is active for `client_id` within `reach`, if it is.
async fn active_claims(
    db: &Db,
    ring: &KeyRing,
    issuer: &str,
    client_id: &str,
    token: &str,
    now: DateTime<Utc>,
    reach: Reach,
) -> Result<Option<Map<String, Value>>, OAuthError> {
    let Ok(claims) = verify(ring, issuer, token, "at+jwt", now) else {
        return Ok(None);
    };
    let is_own = claims.get("client_id").and_then(Value::as_str) == Some(client_id);
    // One indexed read (the resource's unique identifier), only for another app's token.
    let is_visible =
        is_own || (reach == Reach::OwnAndServed && serves_audience(db, &claims, client_id).await?);
    if !is_visible {
        return Ok(None);
    }
    let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
        return Ok(None);
    };
    if revoked_tokens::is_revoked(db, jti)
        .await
        .map_err(OAuthError::internal)?
    {
        return Ok(None);
    }
    Ok(Some(claims))
}

/// A refresh token of `client_id` that can still be used (not rotated, revoked or expired).
async fn active_refresh_token(
    db: &Db,
    client_id: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<RefreshRow>, OAuthError> {
    let row = issued_tokens::find_refresh_token(db, &sha256_hex(token.as_bytes()))
        .await
        .map_err(OAuthError::internal)?;
    Ok(row.filter(|r| {
        r.app_id == client_id
            && r.used_at.is_none()
            && r.revoked_at.is_none()
            && r.expires_at > now
            && r.family_expires_at > now
    }))
}

/// RFC 7662 §2.2: `{"active": false}` or the token's claims with `"active": true`, for the app
/// the token was issued to or, for an access token, the app of its resource's server.
pub async fn introspect(
    db: &Db,
    ring: &KeyRing,
    issuer: &str,
    client_id: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Value, OAuthError> {
    let claims =
        active_claims(db, ring, issuer, client_id, token, now, Reach::OwnAndServed).await?;
    let Some(claims) = claims else {
        // Refresh tokens only for their own app.
        return Ok(
            match active_refresh_token(db, client_id, token, now).await? {
                Some(row) => json!({
                    "active": true,
                    "token_type": "refresh_token",
                    "client_id": row.app_id,
                    "sub": row.user_id,
                    "scope": row.scopes.join(" "),
                    "exp": row.expires_at.timestamp(),
                    "iat": row.created_at.timestamp(),
                    "iss": issuer,
                }),
                None => json!({ "active": false }),
            },
        );
    };
    let mut out = Map::new();
    out.insert("active".into(), Value::Bool(true));
    out.insert("token_type".into(), Value::from("Bearer"));
    for name in [
        "scope",
        "client_id",
        "sub",
        "aud",
        "iss",
        "exp",
        "iat",
        "jti",
        "auth_time",
        // The access claims (README "Access claims"), for resource servers that introspect.
        "org",
        "roles",
        "rights",
    ] {
        if let Some(value) = claims.get(name) {
            out.insert(name.into(), value.clone());
        }
    }
    Ok(Value::Object(out))
}

/// RFC 7009 §2.1: revokes an access token of `client_id`. Unknown, foreign or invalid tokens are
/// ignored (the response is the same, so nothing is learnt).
pub async fn revoke(
    db: &Db,
    ring: &KeyRing,
    issuer: &str,
    client_id: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), OAuthError> {
    // Only the app a token was issued to revokes it.
    let claims = active_claims(db, ring, issuer, client_id, token, now, Reach::Own).await?;
    let Some(claims) = claims else {
        // RFC 7009 §2.1: revoking a refresh token also revokes the access tokens of its grant.
        if let Some(row) = active_refresh_token(db, client_id, token, now).await? {
            issued_tokens::revoke_family(db, &row.family_id, now, row.family_expires_at)
                .await
                .map_err(OAuthError::internal)?;
            tracing::info!(%client_id, "refresh token revoked with its family");
        }
        return Ok(());
    };
    let (Some(jti), Some(exp)) = (
        claims.get("jti").and_then(Value::as_str),
        claims.get("exp").and_then(Value::as_i64),
    ) else {
        return Ok(());
    };
    let expires_at = Utc.timestamp_opt(exp, 0).single().unwrap_or(now);
    revoked_tokens::insert_revoked(db, jti, expires_at)
        .await
        .map_err(OAuthError::internal)?;
    tracing::info!(%client_id, %jti, "access token revoked");
    Ok(())
}
