//! The client credentials grant (RFC 6749 §4.4): an app acting for itself. Nothing is written to
//! a database on this path: the app comes from memory and the token is a signed JWT; only a token
//! for a resource (RFC 8707) reads the resource (with its encryption key) and the app's grants,
//! and only a token encrypted to the resource is recorded (one insert, see `encrypted_token`).

use super::issue::{self, GrantContext};
use super::TokenResponse;
use crate::access::Subject;
use crate::apps::{GrantType, RegisteredApp, APP_ONLY_SCOPES, SUPPORTED_SCOPES};
use crate::oauth::tokens::AccessTokenClaims;
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
    let granted = app_scopes(app, scope)?;
    let ttl = app
        .access_token_ttl
        .unwrap_or(ctx.settings.access_token_ttl);
    let mut claims =
        AccessTokenClaims::new(ctx.issuer, &app.client_id, &app.client_id, ctx.now, ttl);
    claims.scope = granted.clone();
    // Only when a resource is involved does the request touch the database (RFC 8707).
    let resource = resource::for_app(ctx.db, app, requested_resource).await?;
    if let Some(resource) = &resource {
        let subject = Subject::App(app.client_id.clone());
        claims.access = Some(resource::claims(ctx.db, subject, resource, app).await?);
        claims.aud = resource.identifier.clone();
    }
    Ok(TokenResponse {
        access_token: issue::access_token(ctx, &claims, resource.as_ref()).await?,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        scope: granted,
        refresh_token: None,
        id_token: None,
    })
}

/// RFC 6749 §3.3: the requested scopes, each one an app-only scope the app is registered with.
/// The user scopes need a user, which this grant has not. `None` when none was asked for.
fn app_scopes(app: &RegisteredApp, scope: Option<&str>) -> Result<Option<String>, OAuthError> {
    let mut granted: Vec<&str> = Vec::new();
    for value in scope.into_iter().flat_map(str::split_whitespace) {
        if granted.contains(&value) {
            continue;
        }
        if SUPPORTED_SCOPES.contains(&value) {
            return Err(OAuthError::InvalidScope(format!(
                "`{value}` needs a user; client_credentials has none"
            )));
        }
        if !APP_ONLY_SCOPES.contains(&value) {
            return Err(OAuthError::InvalidScope(format!("unknown scope `{value}`")));
        }
        if !app.scopes.contains(value) {
            return Err(OAuthError::InvalidScope(format!(
                "this client may not ask for `{value}`"
            )));
        }
        granted.push(value);
    }
    Ok((!granted.is_empty()).then(|| granted.join(" ")))
}
