//! Issuing a user's tokens after a code or refresh-token grant: an access token recorded in its
//! family, an ID token when `openid` was granted, and a rotated refresh token when
//! `offline_access` was granted.

use chrono::{DateTime, Utc};

use super::TokenResponse;
use crate::access::{Resource, Subject};
use crate::apps::{GrantType, RegisteredApp};
use crate::config::TokenSettings;
use crate::crypto::keyring::KeyRing;
use crate::crypto::{random, sha256_hex};
use crate::oauth::tokens::{self, AccessTokenClaims, IdTokenClaims};
use crate::oauth::{encrypted_token, resource, OAuthError};
use crate::store::issued_tokens::{self, RefreshRow};
use crate::store::Db;

/// What the server needs to run a user grant.
pub struct GrantContext<'a> {
    pub db: &'a Db,
    pub ring: &'a KeyRing,
    pub issuer: &'a str,
    pub settings: &'a TokenSettings,
    pub now: DateTime<Utc>,
}

/// Who the tokens are for, and what they may do.
pub struct Grant<'a> {
    pub user_id: &'a str,
    /// Scopes of the access and ID tokens.
    pub scopes: &'a [String],
    /// Scopes of the refresh token: never narrowed by a refresh (RFC 6749 §6).
    pub refresh_scopes: &'a [String],
    pub auth_time: DateTime<Utc>,
    pub amr: &'a [String],
    pub session_id: Option<&'a str>,
    pub nonce: Option<&'a str>,
    /// The family: the code the grant started from.
    pub family_id: &'a str,
    /// The family's absolute end (refresh tokens never outlive it).
    pub family_expires_at: Option<DateTime<Utc>>,
    /// The resource (RFC 8707) of the access token: its `aud`, where its rights apply, and the
    /// key the token is encrypted to if it registered one.
    pub resource: Option<&'a Resource>,
}

/// The access token an app is given: signed, and encrypted to the token's resource when it
/// registered a key. An encrypted token is recorded (one insert), since Tessera cannot read it
/// back when its app introspects or revokes it.
pub async fn access_token(
    ctx: &GrantContext<'_>,
    claims: &AccessTokenClaims,
    resource: Option<&Resource>,
) -> Result<String, OAuthError> {
    let encryption = resource.and_then(|r| r.token_encryption_key.as_ref());
    let token = tokens::access_token(ctx.ring, claims, encryption)?;
    if encryption.is_some() {
        encrypted_token::record(ctx.db, &token, claims).await?;
    }
    Ok(token)
}

fn span(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1))
}

pub async fn issue(
    ctx: &GrantContext<'_>,
    app: &RegisteredApp,
    grant: &Grant<'_>,
) -> Result<TokenResponse, OAuthError> {
    let ttl = app
        .access_token_ttl
        .unwrap_or(ctx.settings.access_token_ttl);
    let mut claims =
        AccessTokenClaims::new(ctx.issuer, grant.user_id, &app.client_id, ctx.now, ttl);
    claims.scope = (!grant.scopes.is_empty()).then(|| grant.scopes.join(" "));
    claims.auth_time = Some(grant.auth_time.timestamp());
    if let Some(resource) = grant.resource {
        let subject = Subject::User(grant.user_id.to_owned());
        claims.aud = resource.identifier.clone();
        claims.access = Some(resource::claims(ctx.db, subject, resource, app).await?);
    }
    // OIDC Core §3.1.3.6: `at_hash` below is over this string, encrypted or not.
    let access_token = access_token(ctx, &claims, grant.resource).await?;
    issued_tokens::insert_access_token(
        ctx.db,
        &claims.jti,
        grant.family_id,
        &app.client_id,
        ctx.now + span(ttl),
    )
    .await
    .map_err(OAuthError::internal)?;

    let has = |scope: &str| grant.scopes.iter().any(|s| s == scope);
    let id_token = if has("openid") {
        let id_claims = IdTokenClaims {
            iss: ctx.issuer.to_owned(),
            sub: grant.user_id.to_owned(),
            aud: app.client_id.clone(),
            exp: (ctx.now + span(app.id_token_ttl.unwrap_or(ctx.settings.id_token_ttl)))
                .timestamp(),
            iat: ctx.now.timestamp(),
            auth_time: grant.auth_time.timestamp(),
            nonce: grant.nonce.map(str::to_owned),
            at_hash: tokens::at_hash(app.id_token_alg, &access_token),
            sid: grant.session_id.map(str::to_owned),
            amr: grant.amr.to_vec(),
            acr: tokens::acr_for(grant.amr).to_owned(),
            azp: app.client_id.clone(),
        };
        Some(tokens::id_token(ctx.ring, app.id_token_alg, &id_claims)?)
    } else {
        None
    };

    let keeps_refresh = grant.refresh_scopes.iter().any(|s| s == "offline_access");
    let refresh_token = if keeps_refresh && app.allows_grant(GrantType::RefreshToken) {
        let token = random::token::<32>();
        let family_expires_at = grant
            .family_expires_at
            .unwrap_or(ctx.now + span(ctx.settings.refresh_token_max_ttl));
        let row = RefreshRow {
            token_hash: sha256_hex(token.as_bytes()),
            family_id: grant.family_id.to_owned(),
            app_id: app.client_id.clone(),
            user_id: grant.user_id.to_owned(),
            session_id: grant.session_id.map(str::to_owned),
            scopes: grant.refresh_scopes.to_vec(),
            auth_time: grant.auth_time,
            created_at: ctx.now,
            // Sliding, capped by the family's absolute end.
            expires_at: (ctx.now
                + span(
                    app.refresh_token_ttl
                        .unwrap_or(ctx.settings.refresh_token_ttl),
                ))
            .min(family_expires_at),
            family_expires_at,
            used_at: None,
            revoked_at: None,
            resource: grant.resource.map(|r| r.identifier.clone()),
            amr: grant.amr.to_vec(),
        };
        issued_tokens::insert_refresh_token(ctx.db, &row)
            .await
            .map_err(OAuthError::internal)?;
        Some(token)
    } else {
        None
    };

    // A replay or reuse racing with this request may have revoked the family before these tokens
    // were recorded: check the family's mark now that they are, and revoke them too.
    if issued_tokens::is_family_revoked(ctx.db, grant.family_id)
        .await
        .map_err(OAuthError::internal)?
    {
        revoke_family(ctx, grant.family_id).await?;
        return Err(OAuthError::InvalidGrant("the grant was revoked".into()));
    }
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        scope: claims.scope,
        refresh_token,
        id_token,
    })
}

/// Revokes a whole family (see `issued_tokens::revoke_family`); its mark outlives every token.
pub async fn revoke_family(ctx: &GrantContext<'_>, family_id: &str) -> Result<(), OAuthError> {
    let until = ctx.now + span(ctx.settings.refresh_token_max_ttl);
    issued_tokens::revoke_family(ctx.db, family_id, ctx.now, until)
        .await
        .map_err(OAuthError::internal)
}
