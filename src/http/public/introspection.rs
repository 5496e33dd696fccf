//! `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009), for authenticated apps.

use std::sync::Arc;

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};

use super::client_request;
use crate::apps::RegisteredApp;
use crate::http::error::token_error;
use crate::oauth::introspection::{self, TokenContext};
use crate::oauth::OAuthError;
use crate::state::AppState;

/// What both endpoints act on: an authenticated app's `token`.
struct TokenQuery<'a> {
    ctx: TokenContext<'a>,
    caller: Arc<RegisteredApp>,
    token: String,
}

async fn token_query<'a>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &'a AppState,
) -> Result<TokenQuery<'a>, OAuthError> {
    let client = client_request::authenticate(req, payload, state).await?;
    let token = client
        .params
        .get("token")
        .cloned()
        .ok_or_else(|| OAuthError::InvalidRequest("token is missing".into()))?;
    Ok(TokenQuery {
        ctx: TokenContext {
            db: &state.dbs.ops,
            ring: &state.keys,
            apps: &state.apps,
            issuer: &state.settings.issuer,
            now: state.clock.now(),
        },
        caller: client.app,
        token,
    })
}

pub async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = match token_query(&req, payload, &state).await {
        Ok(q) => introspection::introspect(&q.ctx, &q.caller, &q.token).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(body) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .json(body),
        Err(err) => token_error(&err),
    }
}

pub async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = match token_query(&req, payload, &state).await {
        Ok(q) => introspection::revoke(&q.ctx, &q.caller, &q.token).await,
        Err(err) => Err(err),
    };
    match result {
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        Ok(()) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .finish(),
        Err(err) => token_error(&err),
    }
}
