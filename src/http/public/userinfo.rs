//! `GET|POST /userinfo` (OIDC Core §5.3) with RFC 6750 bearer-token errors.

use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{web, HttpRequest, HttpResponse};

use super::protect;
use crate::http::error::token_error;
use crate::oauth::userinfo::{userinfo, verify_bearer, BearerError};
use crate::oauth::OAuthError;
use crate::state::AppState;

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    answer(&req, None, &state).await
}

pub async fn post(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    // RFC 6750 §2.2: the token may come as a form parameter.
    let form_token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned());
    answer(&req, form_token, &state).await
}

async fn answer(req: &HttpRequest, form_token: Option<String>, state: &AppState) -> HttpResponse {
    let header_token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let token = match (header_token, form_token) {
        (Some(_), Some(_)) => return bearer_error(400, "invalid_request", "send the token once"),
        (Some(t), None) | (None, Some(t)) => t,
        // RFC 6750 §3.1: no token, no error code.
        (None, None) => {
            return HttpResponse::Unauthorized()
                .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"tessera\""))
                .finish()
        }
    };
    match answer_for(req, &token, state).await {
        Ok(claims) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .json(claims),
        Err(Refused::Bearer(BearerError::InvalidToken)) => {
            bearer_error(401, "invalid_token", &BearerError::InvalidToken.to_string())
        }
        Err(Refused::Bearer(BearerError::InsufficientScope)) => bearer_error(
            403,
            "insufficient_scope",
            &BearerError::InsufficientScope.to_string(),
        ),
        Err(Refused::Bearer(BearerError::Server)) => HttpResponse::InternalServerError().finish(),
        Err(Refused::Protection(err)) => token_error(&err),
    }
}

enum Refused {
    Bearer(BearerError),
    Protection(OAuthError),
}

/// The token is verified, then the protections of the app it was issued to apply, then the
/// personal data is read.
async fn answer_for(
    req: &HttpRequest,
    token: &str,
    state: &AppState,
) -> Result<serde_json::Value, Refused> {
    let bearer = verify_bearer(
        &state.dbs.ops,
        &state.keys,
        &state.settings.issuer,
        token,
        state.clock.now(),
    )
    .await
    .map_err(Refused::Bearer)?;
    let app = state
        .apps
        .find(&bearer.client_id)
        .await
        .map_err(|e| Refused::Protection(OAuthError::internal(e)))?
        .ok_or(Refused::Bearer(BearerError::InvalidToken))?;
    protect::check_back_channel(req, &app).map_err(Refused::Protection)?;
    userinfo(&state.dbs.accounts, &state.pii, &bearer)
        .await
        .map_err(Refused::Bearer)
}

fn bearer_error(status: u16, code: &str, description: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::UNAUTHORIZED);
    HttpResponse::build(status)
        .insert_header((
            WWW_AUTHENTICATE,
            format!(
                "Bearer realm=\"tessera\", error=\"{code}\", error_description=\"{description}\""
            ),
        ))
        .json(serde_json::json!({ "error": code, "error_description": description }))
}
