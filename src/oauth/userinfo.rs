//! The UserInfo endpoint's claims (OIDC Core §5.3), by scope (§5.4).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::tokens::verify;
use crate::crypto::keyring::KeyRing;
use crate::identity::{find_profile, Pii};
use crate::store::{revoked_tokens, Db};

/// RFC 6750 §3.1 errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("the access token is invalid, expired or revoked")]
    InvalidToken,
    #[error("the access token lacks the openid scope")]
    InsufficientScope,
    #[error("the server could not complete the request")]
    Server,
}

fn server(cause: impl std::fmt::Display) -> BearerError {
    tracing::error!(error = %cause, "userinfo failed");
    BearerError::Server
}

/// A verified, unrevoked access token carrying `openid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    /// The app the token was issued to (`client_id`, RFC 9068 §2.2).
    pub client_id: String,
    pub sub: String,
    pub scopes: Vec<String>,
}

/// Checks the access token (signature, issuer, expiry, revocation, `openid` scope).
pub async fn verify_bearer(
    ops: &Db,
    ring: &KeyRing,
    issuer: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Bearer, BearerError> {
    let claims =
        verify(ring, issuer, token, "at+jwt", now).map_err(|_| BearerError::InvalidToken)?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(BearerError::InvalidToken)
    };
    let jti = text("jti")?;
    if revoked_tokens::is_revoked(ops, &jti)
        .await
        .map_err(server)?
    {
        return Err(BearerError::InvalidToken);
    }
    let scopes: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(BearerError::InsufficientScope);
    }
    Ok(Bearer {
        client_id: text("client_id")?,
        sub: text("sub")?,
        scopes,
    })
}

/// The signed-in user's claims for a verified token, by its scopes.
pub async fn userinfo(accounts: &Db, pii: &Pii, bearer: &Bearer) -> Result<Value, BearerError> {
    let has = |scope: &str| bearer.scopes.iter().any(|s| s == scope);
    let profile = find_profile(accounts, pii, &bearer.sub)
        .await
        .map_err(server)?
        .ok_or(BearerError::InvalidToken)?;
    let mut out = Map::new();
    out.insert("sub".into(), Value::from(bearer.sub.as_str()));
    if has("profile") {
        if let Some(name) = profile.name {
            out.insert("name".into(), Value::from(name));
        }
    }
    if has("email") {
        out.insert("email".into(), Value::from(profile.email));
        out.insert("email_verified".into(), Value::Bool(false));
    }
    Ok(Value::Object(out))
}
