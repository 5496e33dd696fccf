//! Apps calling the admin API with an access token from the client credentials grant carrying
//! the `tessera:admin` scope (RFC 6750 §2.1 bearer tokens).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::apps::AppRegistry;
use crate::crypto::keyring::KeyRing;
use crate::oauth::tokens::verify;
use crate::store::{revoked_tokens, Db};

/// The scope an app needs in its token to call the admin API (it must also be an operator).
pub const ADMIN_SCOPE: &str = "tessera:admin";

/// RFC 6750 §3.1 errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminBearerError {
    #[error("the access token is invalid, expired or revoked")]
    InvalidToken,
    #[error("the access token lacks the tessera:admin scope")]
    InsufficientScope,
    #[error("the server could not complete the request")]
    Server,
}

fn server(cause: impl std::fmt::Display) -> AdminBearerError {
    tracing::error!(error = %cause, "admin bearer check failed");
    AdminBearerError::Server
}

/// Checks an admin API token: Tessera's signature, `typ at+jwt`, issuer, expiry, audience
/// Tessera itself, not revoked, issued to an app for itself (`sub` = `client_id`, so only the
/// client credentials grant) with `tessera:admin`, and the app still registered. Returns the
/// app's client_id.
pub async fn verify_admin_bearer(
    ops: &Db,
    ring: &KeyRing,
    apps: &AppRegistry,
    issuer: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<String, AdminBearerError> {
    let claims =
        verify(ring, issuer, token, "at+jwt", now).map_err(|_| AdminBearerError::InvalidToken)?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(AdminBearerError::InvalidToken)
    };
    let (jti, sub, client_id, aud) = (text("jti")?, text("sub")?, text("client_id")?, text("aud")?);
    if aud != issuer {
        return Err(AdminBearerError::InvalidToken);
    }
    if revoked_tokens::is_revoked(ops, &jti)
        .await
        .map_err(server)?
    {
        return Err(AdminBearerError::InvalidToken);
    }
    if apps.find(&client_id).await.map_err(server)?.is_none() {
        return Err(AdminBearerError::InvalidToken);
    }
    let has_scope = claims
        .get("scope")
        .and_then(Value::as_str)
        .is_some_and(|s| s.split(' ').any(|s| s == ADMIN_SCOPE));
    if sub != client_id || !has_scope {
        return Err(AdminBearerError::InsufficientScope);
    }
    Ok(client_id)
}
