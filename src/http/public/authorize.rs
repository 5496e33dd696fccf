//! `GET|POST /authorize` and `GET /authorize/resume` (after login).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::browser::{current_session, error_page, respond, see_other};
use super::protect;
use crate::access;
use crate::oauth::authorize::{self, AuthorizationResponse, AuthorizeError};
use crate::oauth::flow::{self, Flow, Next};
use crate::oauth::tokens::verify_id_token_hint;
use crate::state::AppState;

/// Parameters from a query or form; a repeated one makes the request unusable (RFC 6749 §3.1).
fn parse(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(raw) {
        if params.insert(key.to_string(), value.into_owned()).is_some() {
            return Err(format!("The parameter `{key}` is repeated."));
        }
    }
    Ok(params)
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    authorize(&req, req.query_string().as_bytes(), &state).await
}

pub async fn post(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    authorize(&req, &body, &state).await
}

async fn authorize(req: &HttpRequest, raw: &[u8], state: &AppState) -> HttpResponse {
    let params = match parse(raw) {
        Ok(p) => p,
        Err(message) => return error_page(req, StatusCode::BAD_REQUEST, &message),
    };
    let app = match params.get("client_id") {
        Some(id) => match state.apps.find(id).await {
            Ok(app) => app,
            Err(err) => {
                tracing::error!(error = %err, "app lookup failed");
                return error_page(
                    req,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.",
                );
            }
        },
        None => None,
    };
    if let Some(app) = &app {
        if let Err(message) = protect::check_front_channel(req, app) {
            return error_page(req, StatusCode::FORBIDDEN, &message);
        }
    }
    let hint = |token: &str| {
        verify_id_token_hint(&state.keys, &state.settings.issuer, token)
            .ok()
            .and_then(|claims| {
                claims
                    .get("sub")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned)
            })
    };
    let request = match authorize::validate(&state.settings.issuer, &params, app.as_deref(), &hint)
    {
        Ok(request) => request,
        Err(AuthorizeError::Untrusted(message)) => {
            return error_page(req, StatusCode::BAD_REQUEST, &message)
        }
        Err(AuthorizeError::Redirect(response)) => return respond(&response),
    };
    // RFC 8707 §2: a resource nobody registered is `invalid_target`, told to the app.
    if let Some(resource) = &request.resource {
        match access::is_registered_resource(&state.dbs.ops, resource).await {
            Ok(true) => {}
            Ok(false) => {
                return respond(&AuthorizationResponse::error(
                    &state.settings.issuer,
                    &request,
                    "invalid_target",
                    "the resource is not registered",
                ))
            }
            Err(err) => {
                tracing::error!(error = %err, "resource lookup failed");
                return error_page(
                    req,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.",
                );
            }
        }
    }
    let session = current_session(req, state).await;
    next_step(
        req,
        state,
        flow_of(state)
            .decide(&request, session.as_ref(), None)
            .await,
    )
    .await
}

/// `GET /authorize/resume?request=ID`: continues a pending request after login.
pub async fn resume(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params = parse(req.query_string().as_bytes()).unwrap_or_default();
    let Some(id) = params.get("request") else {
        return error_page(
            &req,
            StatusCode::BAD_REQUEST,
            "The sign-in request is missing.",
        );
    };
    let pending = match flow::find_pending(&state.dbs.ops, id, state.clock.now()).await {
        Ok(Some(p)) => p,
        Ok(None) => return expired(&req),
        Err(_) => {
            return error_page(
                &req,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
        }
    };
    let (request, pending) = pending;
    let session = current_session(&req, &state).await;
    next_step(
        &req,
        &state,
        flow_of(&state)
            .decide(&request, session.as_ref(), Some(&pending))
            .await,
    )
    .await
}

pub fn flow_of(state: &AppState) -> Flow<'_> {
    Flow {
        db: &state.dbs.ops,
        issuer: &state.settings.issuer,
        settings: &state.settings.tokens,
        now: state.clock.now(),
    }
}

pub fn expired(req: &HttpRequest) -> HttpResponse {
    error_page(
        req,
        StatusCode::BAD_REQUEST,
        "This sign-in request has expired or was already used. Go back to the application and try again.",
    )
}

pub async fn next_step(
    req: &HttpRequest,
    _state: &AppState,
    next: Result<Next, crate::oauth::OAuthError>,
) -> HttpResponse {
    match next {
        Ok(Next::Login { request_id }) => {
            see_other(&format!("/login?request={request_id}"), Vec::new())
        }
        Ok(Next::Consent { request_id }) => {
            see_other(&format!("/consent?request={request_id}"), Vec::new())
        }
        Ok(Next::Respond(response)) => respond(&response),
        Ok(Next::Expired) => expired(req),
        Err(_) => error_page(
            req,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side.",
        ),
    }
}
