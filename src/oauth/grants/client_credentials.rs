//! The client credentials grant (RFC 6749 §4.4): an app acting for itself. Nothing is written to
//! a database on this path: the app comes from memory and the token is a signed JWT; only a token
//! for a resource (RFC 8707) reads the app's grants there.

use super::issue::GrantContext;
use super::TokenResponse;
use crate::access::Subject;
use crate::apps::{GrantType, RegisteredApp, SUPPORTED_SCOPES};
use crate::oauth::tokens::{self, AccessTokenClaims};
use crate::oauth::{resource, OAuthError};

/// Issues an access token whose subject is the app itself (RFC 9068 §2.2: `sub` identifies the
/// client). Client ids (22 base64url characters) never collide with user ids (UUIDs).
pub async fn client_credentials(
    ctx: &GrantContext<'_>,
    app: &RegisteredApp,
    scope: Option<&str>,
    requested_resource: Option<&str>,
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
    let ttl = app
        .access_token_ttl
        .unwrap_or(ctx.settings.access_token_ttl);
    let mut claims =
        AccessTokenClaims::new(ctx.issuer, &app.client_id, &app.client_id, ctx.now, ttl);
    // Only when a resource is involved does the request touch the database (RFC 8707).
    if let Some(resource) = resource::for_app(ctx.db, app, requested_resource).await? {
        let subject = Subject::App(app.client_id.clone());
        claims.access = Some(resource::claims(ctx.db, subject, &resource, app).await?);
        claims.aud = resource;
    }
    Ok(TokenResponse {
        access_token: tokens::access_token(ctx.ring, &claims)?,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        scope: None,
        refresh_token: None,
        id_token: None,
    })
}
