//! `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009), for authenticated apps.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::client_request;
use crate::crypto::keyring::KeyRing;
use crate::http::error::token_error;
use crate::oauth::{introspection, OAuthError};
use crate::state::AppState;
use crate::store::Db;

/// What both endpoints act on: an authenticated app's `token`.
struct TokenQuery<'a> {
    db: &'a Db,
    ring: &'a KeyRing,
    issuer: &'a str,
    client_id: String,
    token: String,
    now: DateTime<Utc>,
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
        db: &state.dbs.ops,
        ring: &state.keys,
        issuer: &state.settings.issuer,
        client_id: client.app.client_id.clone(),
        token,
        now: state.clock.now(),
    })
}

pub async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = match token_query(&req, payload, &state).await {
        Ok(q) => {
            introspection::introspect(q.db, q.ring, q.issuer, &q.client_id, &q.token, q.now).await
        }
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
        Ok(q) => introspection::revoke(q.db, q.ring, q.issuer, &q.client_id, &q.token, q.now).await,
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
