//! `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009), for authenticated apps.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};

use super::client_request;
use crate::http::error::token_error;
use crate::oauth::{introspection, OAuthError};
use crate::state::AppState;

fn token_param(params: &std::collections::HashMap<String, String>) -> Result<&str, OAuthError> {
    params
        .get("token")
        .map(String::as_str)
        .ok_or_else(|| OAuthError::InvalidRequest("token is missing".into()))
}

pub async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = async {
        let client = client_request::authenticate(&req, payload, &state).await?;
        let token = token_param(&client.params)?;
        introspection::introspect(
            &state.dbs.ops,
            &state.keys,
            &state.settings.issuer,
            &client.app.client_id,
            token,
            state.clock.now(),
        )
        .await
    }
    .await;
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
    let result = async {
        let client = client_request::authenticate(&req, payload, &state).await?;
        let token = token_param(&client.params)?;
        introspection::revoke(
            &state.dbs.ops,
            &state.keys,
            &state.settings.issuer,
            &client.app.client_id,
            token,
            state.clock.now(),
        )
        .await
    }
    .await;
    match result {
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        Ok(()) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .finish(),
        Err(err) => token_error(&err),
    }
}
