//! The client credentials grant (RFC 6749 §4.4): an app acting for itself. Nothing is written to
//! a database on this path: the app comes from memory and the token is a signed JWT.

use chrono::{DateTime, Utc};

use super::TokenResponse;
use crate::apps::{GrantType, RegisteredApp, SUPPORTED_SCOPES};
use crate::config::TokenSettings;
use crate::crypto::keyring::KeyRing;
use crate::oauth::tokens::{self, AccessTokenClaims};
use crate::oauth::OAuthError;

/// Issues an access token whose subject is the app itself (RFC 9068 §2.2: `sub` identifies the
/// client). Client ids (22 base64url characters) never collide with user ids (UUIDs).
pub fn client_credentials(
    issuer: &str,
    ring: &KeyRing,
    settings: &TokenSettings,
    app: &RegisteredApp,
    scope: Option<&str>,
    now: DateTime<Utc>,
) -> Result<TokenResponse, OAuthError> {
    if !app.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use client_credentials".into(),
        ));
    }
    // RFC 6749 §3.3. Every scope Tessera knows today needs a user; resource scopes come with
    // registered resources.
    if let Some(value) = scope.and_then(|s| s.split_whitespace().next()) {
        let reason = if SUPPORTED_SCOPES.contains(&value) {
            format!("`{value}` needs a user; client_credentials has none")
        } else {
            format!("unknown scope `{value}`")
        };
        return Err(OAuthError::InvalidScope(reason));
    }
    let ttl = app.access_token_ttl.unwrap_or(settings.access_token_ttl);
    let claims = AccessTokenClaims::new(issuer, &app.client_id, &app.client_id, now, ttl);
    Ok(TokenResponse {
        access_token: tokens::access_token(ring, &claims)?,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        scope: None,
        refresh_token: None,
        id_token: None,
    })
}
