//! The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §4.5).

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::issue::{issue, Grant, GrantContext};
use super::TokenResponse;
use crate::apps::{GrantType, RegisteredApp};
use crate::crypto::{ct_eq, sha256_hex};
use crate::oauth::{resource, OAuthError};
use crate::store::authorization;

fn invalid(description: &str) -> OAuthError {
    OAuthError::InvalidGrant(description.to_owned())
}

pub async fn authorization_code(
    ctx: &GrantContext<'_>,
    app: &RegisteredApp,
    params: &HashMap<String, String>,
) -> Result<TokenResponse, OAuthError> {
    if !app.allows_grant(GrantType::AuthorizationCode) {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use authorization_code".into(),
        ));
    }
    let code = params
        .get("code")
        .ok_or_else(|| OAuthError::InvalidRequest("code is missing".into()))?;
    let code_hash = sha256_hex(code.as_bytes());
    let row = authorization::find_code(ctx.db, &code_hash)
        .await
        .map_err(OAuthError::internal)?
        .ok_or_else(|| invalid("the code is invalid"))?;
    // Every check comes before the code is used, so a refused request (another app, a wrong
    // verifier) leaves it redeemable by its app.
    if row.app_id != app.client_id {
        return Err(invalid("the code was issued to another client"));
    }
    if row.used_at.is_some() {
        return Err(replayed(ctx, app, &code_hash).await);
    }
    if row.expires_at <= ctx.now {
        return Err(invalid("the code has expired"));
    }
    if params.get("redirect_uri") != Some(&row.redirect_uri) {
        return Err(invalid(
            "redirect_uri differs from the authorization request's",
        ));
    }
    let verifier = params.get("code_verifier");
    match (&row.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            // RFC 7636 §4.1: 43 to 128 unreserved characters.
            let is_well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !is_well_formed || !ct_eq(computed.as_bytes(), challenge.as_bytes()) {
                return Err(invalid(
                    "the code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), None) => return Err(invalid("code_verifier is missing")),
        // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade.
        (None, Some(_)) => return Err(invalid("the code was issued without a code_challenge")),
        (None, None) => {}
    }
    let resource = resource::for_user_grant(
        ctx.db,
        app,
        row.resource.as_deref(),
        params.get("resource").map(String::as_str),
    )
    .await?;
    // One atomic statement decides the single use; the loser of a race is a replay.
    let is_first_use = authorization::consume_code(ctx.db, &code_hash, ctx.now)
        .await
        .map_err(OAuthError::internal)?;
    if !is_first_use {
        return Err(replayed(ctx, app, &code_hash).await);
    }
    issue(
        ctx,
        app,
        &Grant {
            user_id: &row.user_id,
            scopes: &row.scopes,
            refresh_scopes: &row.scopes,
            auth_time: row.auth_time,
            amr: &row.amr,
            session_id: Some(&row.session_id),
            nonce: row.nonce.as_deref(),
            family_id: &code_hash,
            family_expires_at: None,
            resource: resource.as_ref(),
        },
    )
    .await
}

/// RFC 6749 §4.1.2: a code used twice by its app revokes every token issued from it.
async fn replayed(ctx: &GrantContext<'_>, app: &RegisteredApp, code_hash: &str) -> OAuthError {
    if let Err(err) = super::issue::revoke_family(ctx, code_hash).await {
        return err;
    }
    tracing::warn!(client_id = %app.client_id, "authorization code replayed; its tokens are revoked");
    invalid("the code was already used")
}
