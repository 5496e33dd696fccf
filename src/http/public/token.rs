//! `POST /token` (RFC 6749 §3.2): the client is authenticated, then the grant takes over.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::{web, HttpRequest, HttpResponse};

use super::client_request;
use crate::http::error::token_error;
use crate::oauth::{grants, OAuthError};
use crate::state::AppState;

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    match handle(&req, payload, &state).await {
        Ok(response) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"))
            .json(response),
        Err(err) => token_error(&err),
    }
}

async fn handle(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<grants::TokenResponse, OAuthError> {
    let client = client_request::authenticate(req, payload, state).await?;
    let params = &client.params;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::InvalidRequest("grant_type is missing".into()))?;
    match grant_type.as_str() {
        "client_credentials" => {
            grants::client_credentials(
                &context(state),
                &client.app,
                params.get("scope").map(String::as_str),
                params.get("resource").map(String::as_str),
            )
            .await
        }
        "authorization_code" => {
            grants::authorization_code(&context(state), &client.app, params).await
        }
        "refresh_token" => grants::refresh_token(&context(state), &client.app, params).await,
        other => Err(OAuthError::UnsupportedGrantType(format!(
            "grant_type `{other}` is not supported"
        ))),
    }
}

fn context(state: &AppState) -> grants::GrantContext<'_> {
    grants::GrantContext {
        db: &state.dbs.ops,
        ring: &state.keys,
        issuer: &state.settings.issuer,
        settings: &state.settings.tokens,
        now: state.clock.now(),
    }
}
