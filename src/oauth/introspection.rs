//! Token introspection (RFC 7662) and revocation (RFC 7009) of access and refresh tokens.
//!
//! An app may introspect and revoke the tokens issued to it. The confidential app a resource
//! names as its server's (`server_client_id`) may also introspect the access tokens whose `aud`
//! is that resource, whichever app they were issued to (RFC 7662 §2.1: the protected resource
//! asks), but neither revoke them nor see refresh tokens; an `aud` that is the issuer (every
//! token requested without a resource) is never a resource's. A token whose app no longer exists
//! is inactive: an app's plain client-credentials tokens are recorded nowhere, so deleting the
//! app cannot revoke them. Anything else (another app's token, another issuer's, expired, revoked,
//! malformed) is simply inactive.
//!
//! An access token encrypted to a resource is opaque here: Tessera finds it by its hash (see
//! `encrypted_token`). Its own app may revoke it, which revokes the signed token inside, and
//! introspect it, which tells what was recorded (`client_id`, `jti`, `exp`) and no more: the
//! claims stay readable to the resource alone. The resource server decrypts it and introspects
//! the signed token inside.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Map, Value};

use super::tokens::verify;
use super::{encrypted_token, OAuthError};
use crate::access;
use crate::apps::{AppRegistry, RegisteredApp};
use crate::crypto::keyring::KeyRing;
use crate::crypto::sha256_hex;
use crate::store::encrypted_access_tokens::EncryptedAccessTokenRow;
use crate::store::issued_tokens::{self, RefreshRow};
use crate::store::{revoked_tokens, Db};

/// What introspection and revocation read.
pub struct TokenContext<'a> {
    pub db: &'a Db,
    pub ring: &'a KeyRing,
    /// The apps: a token of an app that is gone is inactive.
    pub apps: &'a AppRegistry,
    pub issuer: &'a str,
    pub now: DateTime<Utc>,
}

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
    ctx: &TokenContext<'_>,
    claims: &Map<String, Value>,
    client_id: &str,
) -> Result<bool, OAuthError> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    // The issuer is the `aud` of every token without a resource: even a resource registered
    // under it (before that was refused) does not make its server app see them all.
    for aud in audiences.into_iter().filter(|aud| *aud != ctx.issuer) {
        if access::is_resource_server(ctx.db, aud, client_id)
            .await
            .map_err(OAuthError::internal)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the app `client_id` still exists: from memory, else one read. An app deleted on
/// another instance counts as existing here until the registry reloads (the next background
/// tick).
async fn is_existing_app(ctx: &TokenContext<'_>, client_id: &str) -> Result<bool, OAuthError> {
    Ok(ctx
        .apps
        .find(client_id)
        .await
        .map_err(OAuthError::internal)?
        .is_some())
}

/// The claims of a signed access token that is active for `caller` within `reach`, if it is.
async fn active_claims(
    ctx: &TokenContext<'_>,
    caller: &RegisteredApp,
    token: &str,
    reach: Reach,
) -> Result<Option<Map<String, Value>>, OAuthError> {
    let Ok(claims) = verify(ctx.ring, ctx.issuer, token, "at+jwt", ctx.now) else {
        return Ok(None);
    };
    let Some(token_client) = claims.get("client_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    let is_own = token_client == caller.client_id;
    // RFC 7662 §2.1: the resource server authenticates; a public app's id is no secret.
    let may_serve = reach == Reach::OwnAndServed && caller.auth_method.is_confidential();
    // One indexed read (the resource's unique identifier), only for another app's token.
    let is_visible =
        is_own || (may_serve && serves_audience(ctx, &claims, &caller.client_id).await?);
    if !is_visible {
        return Ok(None);
    }
    // The caller has just authenticated as its own app, which therefore exists.
    if !is_own && !is_existing_app(ctx, token_client).await? {
        return Ok(None);
    }
    let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
        return Ok(None);
    };
    if revoked_tokens::is_revoked(ctx.db, jti)
        .await
        .map_err(OAuthError::internal)?
    {
        return Ok(None);
    }
    Ok(Some(claims))
}

/// The record of an encrypted access token issued to `caller` that is neither expired nor
/// revoked. Only its own app: the resource server introspects the signed token inside.
async fn active_encrypted(
    ctx: &TokenContext<'_>,
    caller: &RegisteredApp,
    token: &str,
) -> Result<Option<EncryptedAccessTokenRow>, OAuthError> {
    let Some(row) = encrypted_token::find(ctx.db, token).await? else {
        return Ok(None);
    };
    if row.app_id != caller.client_id || row.expires_at <= ctx.now {
        return Ok(None);
    }
    // Revoked by its app, or with its grant (a replayed code, a reused refresh token).
    if revoked_tokens::is_revoked(ctx.db, &row.jti)
        .await
        .map_err(OAuthError::internal)?
    {
        return Ok(None);
    }
    Ok(Some(row))
}

/// A refresh token of `client_id` that can still be used (not rotated, revoked or expired).
async fn active_refresh_token(
    ctx: &TokenContext<'_>,
    client_id: &str,
    token: &str,
) -> Result<Option<RefreshRow>, OAuthError> {
    let row = issued_tokens::find_refresh_token(ctx.db, &sha256_hex(token.as_bytes()))
        .await
        .map_err(OAuthError::internal)?;
    Ok(row.filter(|r| {
        r.app_id == client_id
            && r.used_at.is_none()
            && r.revoked_at.is_none()
            && r.expires_at > ctx.now
            && r.family_expires_at > ctx.now
    }))
}

/// RFC 7662 §2.2: `{"active": false}` or the token's claims with `"active": true`, for the app
/// the token was issued to or, for a signed access token, the app of its resource's server.
pub async fn introspect(
    ctx: &TokenContext<'_>,
    caller: &RegisteredApp,
    token: &str,
) -> Result<Value, OAuthError> {
    if encrypted_token::is_encrypted(token) {
        return Ok(match active_encrypted(ctx, caller, token).await? {
            // What was recorded, no more: the claims are the resource's to read.
            Some(row) => json!({
                "active": true,
                "token_type": "Bearer",
                "client_id": row.app_id,
                "jti": row.jti,
                "exp": row.expires_at.timestamp(),
            }),
            None => json!({ "active": false }),
        });
    }
    let claims = active_claims(ctx, caller, token, Reach::OwnAndServed).await?;
    let Some(claims) = claims else {
        // Refresh tokens only for their own app.
        return Ok(
            match active_refresh_token(ctx, &caller.client_id, token).await? {
                Some(row) => json!({
                    "active": true,
                    "token_type": "refresh_token",
                    "client_id": row.app_id,
                    "sub": row.user_id,
                    "scope": row.scopes.join(" "),
                    "exp": row.expires_at.timestamp(),
                    "iat": row.created_at.timestamp(),
                    "iss": ctx.issuer,
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

/// Puts an access token's `jti` on the revocation list until it would have expired anyway.
async fn revoke_jti(
    ctx: &TokenContext<'_>,
    jti: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), OAuthError> {
    revoked_tokens::insert_revoked(ctx.db, jti, expires_at)
        .await
        .map_err(OAuthError::internal)
}

/// RFC 7009 §2.1: revokes an access token of `caller`, signed or encrypted, or a refresh token
/// with its family. Unknown, foreign or invalid tokens are ignored (the response is the same,
/// so nothing is learnt).
pub async fn revoke(
    ctx: &TokenContext<'_>,
    caller: &RegisteredApp,
    token: &str,
) -> Result<(), OAuthError> {
    let client_id = caller.client_id.as_str();
    if encrypted_token::is_encrypted(token) {
        // The signed token inside is revoked by its `jti`: introspected, it is inactive.
        if let Some(row) = active_encrypted(ctx, caller, token).await? {
            revoke_jti(ctx, &row.jti, row.expires_at).await?;
            tracing::info!(%client_id, jti = %row.jti, "encrypted access token revoked");
        }
        return Ok(());
    }
    // Only the app a token was issued to revokes it.
    let claims = active_claims(ctx, caller, token, Reach::Own).await?;
    let Some(claims) = claims else {
        // RFC 7009 §2.1: revoking a refresh token also revokes the access tokens of its grant.
        if let Some(row) = active_refresh_token(ctx, client_id, token).await? {
            issued_tokens::revoke_family(ctx.db, &row.family_id, ctx.now, row.family_expires_at)
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
    let expires_at = Utc.timestamp_opt(exp, 0).single().unwrap_or(ctx.now);
    revoke_jti(ctx, jti, expires_at).await?;
    tracing::info!(%client_id, %jti, "access token revoked");
    Ok(())
}
