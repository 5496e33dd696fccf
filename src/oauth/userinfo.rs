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

/// The signed-in user's claims for a valid, unrevoked access token with `openid`.
pub async fn userinfo(
    ops: &Db,
    accounts: &Db,
    pii: &Pii,
    ring: &KeyRing,
    issuer: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Value, BearerError> {
    let claims =
        verify(ring, issuer, token, "at+jwt", now).map_err(|_| BearerError::InvalidToken)?;
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .ok_or(BearerError::InvalidToken)?;
    if revoked_tokens::is_revoked(ops, jti).await.map_err(server)? {
        return Err(BearerError::InvalidToken);
    }
    let scopes: Vec<&str> = claims
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    if !scopes.contains(&"openid") {
        return Err(BearerError::InsufficientScope);
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(BearerError::InvalidToken)?;
    let profile = find_profile(accounts, pii, sub)
        .await
        .map_err(server)?
        .ok_or(BearerError::InvalidToken)?;
    let mut out = Map::new();
    out.insert("sub".into(), Value::from(sub));
    if scopes.contains(&"profile") {
        if let Some(name) = profile.name {
            out.insert("name".into(), Value::from(name));
        }
    }
    if scopes.contains(&"email") {
        out.insert("email".into(), Value::from(profile.email));
        out.insert("email_verified".into(), Value::Bool(false));
    }
    Ok(Value::Object(out))
}
