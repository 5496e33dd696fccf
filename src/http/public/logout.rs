//! `GET|POST /end_session` (OpenID Connect RP-Initiated Logout 1.0).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::browser::{clear_session_cookie, current_session, error_page, page, see_other, texts};
use super::protect;
use super::texts::Texts;
use crate::identity;
use crate::oauth::tokens::verify_id_token_hint;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "logged_out.html")]
struct LoggedOut {
    t: &'static Texts,
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    end(&req, req.query_string().as_bytes(), &state).await
}

pub async fn post(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    end(&req, &body, &state).await
}

async fn end(req: &HttpRequest, raw: &[u8], state: &AppState) -> HttpResponse {
    let params: HashMap<String, String> = url::form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let hinted_client = match params.get("id_token_hint") {
        Some(hint) => match verify_id_token_hint(&state.keys, &state.settings.issuer, hint) {
            Ok(claims) => claims
                .get("aud")
                .and_then(|a| a.as_str())
                .map(str::to_owned),
            Err(_) => {
                return error_page(
                    req,
                    StatusCode::BAD_REQUEST,
                    "The id_token_hint is not valid.",
                )
            }
        },
        None => None,
    };
    let client_id = match (hinted_client, params.get("client_id")) {
        (Some(hinted), Some(given)) if &hinted != given => {
            return error_page(
                req,
                StatusCode::BAD_REQUEST,
                "client_id does not match the id_token_hint.",
            )
        }
        (Some(hinted), _) => Some(hinted),
        (None, given) => given.cloned(),
    };
    let app = match &client_id {
        Some(id) => state.apps.find(id).await.ok().flatten(),
        None => None,
    };
    if let Some(app) = &app {
        if let Err(message) = protect::check_front_channel(req, app) {
            return error_page(req, StatusCode::FORBIDDEN, &message);
        }
    }
    // The redirect is checked before anything changes: an unregistered URI is never followed.
    let redirect = match params.get("post_logout_redirect_uri") {
        Some(uri) => match &app {
            Some(app) if app.allows_post_logout_redirect_uri(uri) => Some(uri.clone()),
            _ => {
                return error_page(
                    req,
                    StatusCode::BAD_REQUEST,
                    "The post_logout_redirect_uri is not registered for this application.",
                )
            }
        },
        None => None,
    };
    if let Some(session) = current_session(req, state).await {
        if let Err(err) =
            identity::end_session(&state.dbs.ops, &session.id, state.clock.now()).await
        {
            tracing::error!(error = %err, "ending the session failed");
            return error_page(
                req,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            );
        }
        tracing::info!(session = %session.id, "signed out");
    }
    let clear = clear_session_cookie(state);
    match redirect {
        Some(uri) => {
            let Ok(mut location) = url::Url::parse(&uri) else {
                return error_page(
                    req,
                    StatusCode::BAD_REQUEST,
                    "The post_logout_redirect_uri is not valid.",
                );
            };
            if let Some(state_param) = params.get("state") {
                location.query_pairs_mut().append_pair("state", state_param);
            }
            see_other(location.as_str(), vec![clear])
        }
        None => page(
            StatusCode::OK,
            &LoggedOut {
                t: texts(req, None),
            },
            Some(clear),
        ),
    }
}
