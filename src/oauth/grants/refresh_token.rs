//! The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2): each use returns a new
//! refresh token; reuse of a rotated one revokes the family, except within a short grace window
//! (`tokens.refresh_reuse_grace`) meant for a client that lost the response.

use std::collections::HashMap;

use super::issue::{issue, Grant, GrantContext};
use super::TokenResponse;
use crate::apps::{GrantType, RegisteredApp};
use crate::crypto::sha256_hex;
use crate::oauth::{resource, OAuthError};
use crate::store::issued_tokens;

fn invalid(description: &str) -> OAuthError {
    OAuthError::InvalidGrant(description.to_owned())
}

pub async fn refresh_token(
    ctx: &GrantContext<'_>,
    app: &RegisteredApp,
    params: &HashMap<String, String>,
) -> Result<TokenResponse, OAuthError> {
    if !app.allows_grant(GrantType::RefreshToken) {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use refresh_token".into(),
        ));
    }
    let token = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::InvalidRequest("refresh_token is missing".into()))?;
    let hash = sha256_hex(token.as_bytes());
    let row = issued_tokens::find_refresh_token(ctx.db, &hash)
        .await
        .map_err(OAuthError::internal)?
        .ok_or_else(|| invalid("the refresh token is invalid"))?;
    if row.app_id != app.client_id {
        return Err(invalid("the refresh token was issued to another client"));
    }
    if row.revoked_at.is_some() {
        return Err(invalid("the refresh token was revoked"));
    }
    if row.expires_at <= ctx.now || row.family_expires_at <= ctx.now {
        return Err(invalid("the refresh token has expired"));
    }
    // RFC 6749 §6: the scope may only narrow. Checked before the token is used, so a refused
    // request changes nothing.
    let scopes: Vec<String> = match params.get("scope") {
        Some(requested) => {
            let requested: Vec<String> = requested.split_whitespace().map(str::to_owned).collect();
            if let Some(extra) = requested.iter().find(|s| !row.scopes.contains(s)) {
                return Err(OAuthError::InvalidScope(format!(
                    "`{extra}` was not granted to this refresh token"
                )));
            }
            requested
        }
        None => row.scopes.clone(),
    };
    let resource = resource::for_user_grant(
        ctx.db,
        app,
        row.resource.as_deref(),
        params.get("resource").map(String::as_str),
    )
    .await?;
    let is_first_use = issued_tokens::consume_refresh_token(ctx.db, &hash, ctx.now)
        .await
        .map_err(OAuthError::internal)?;
    if !is_first_use {
        let grace =
            chrono::Duration::from_std(ctx.settings.refresh_reuse_grace).unwrap_or_default();
        // Read again: a request that lost a race to a concurrent one sees when that one won.
        let used_at = issued_tokens::find_refresh_token(ctx.db, &hash)
            .await
            .map_err(OAuthError::internal)?
            .and_then(|r| r.used_at);
        let is_within_grace = used_at.is_some_and(|used| used + grace > ctx.now);
        if !is_within_grace {
            super::issue::revoke_family(ctx, &row.family_id).await?;
            tracing::warn!(client_id = %app.client_id, "refresh token reused; its family is revoked");
            return Err(invalid("the refresh token was already used"));
        }
    }
    issue(
        ctx,
        app,
        &Grant {
            user_id: &row.user_id,
            scopes: &scopes,
            refresh_scopes: &row.scopes,
            auth_time: row.auth_time,
            amr: &row.amr,
            session_id: row.session_id.as_deref(),
            nonce: None,
            family_id: &row.family_id,
            family_expires_at: Some(row.family_expires_at),
            resource: resource.as_ref(),
        },
    )
    .await
}
