//! The console sign-in's second step: an operator with two-step verification gives the code
//! (`GET|POST /login/code`) before a console session exists, as on the hosted sign-in. The
//! pending sign-in is marked as the console's, so a pending sign-in started on the public
//! listener never becomes a console session, nor the console's a public one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{page, see_other, sign_in_failed};
use crate::access::Subject;
use crate::http::admin::auth;
use crate::identity::{self, CodeOutcome};
use crate::operators;
use crate::state::AppState;

/// Where a console sign-in continues; no public path looks like it, so the public code page
/// refuses it and this one refuses the public ones.
pub const CONSOLE_RETURN: &str = "admin:/";
const PURPOSE: &str = "admin-login-code";

/// Starts the code step for an operator whose password was right.
pub async fn start(req: &HttpRequest, state: &AppState, user_id: &str) -> HttpResponse {
    let now = state.clock.now();
    match identity::start_pending_login(&state.dbs.ops, user_id, CONSOLE_RETURN, None, now).await {
        Ok(token) => {
            tracing::info!(%user_id, "admin console sign-in waits for the second factor");
            see_other("/login/code", vec![auth::pending_cookie(req, &token)])
        }
        Err(err) => sign_in_failed(&err),
    }
}

#[derive(Template)]
#[template(path = "admin_login_code.html")]
struct CodePage {
    csrf_token: String,
    has_error: bool,
}

/// The console's pending sign-in behind this browser's cookie, if it is live.
async fn pending(req: &HttpRequest, state: &AppState) -> Option<secrecy::SecretString> {
    let token = auth::pending_token(req)?;
    let found = identity::find_pending_login(&state.dbs.ops, &token, state.clock.now()).await;
    match found {
        Ok(Some(login)) if login.return_to == CONSOLE_RETURN => Some(token),
        Ok(_) => None,
        Err(err) => {
            tracing::error!(error = %err, "reading a pending console sign-in failed");
            None
        }
    }
}

fn back_to_sign_in(req: &HttpRequest, query: &str) -> HttpResponse {
    see_other(
        &format!("/login{query}"),
        vec![auth::clear_pending_cookie(req)],
    )
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if pending(&req, &state).await.is_none() {
        return back_to_sign_in(&req, "");
    }
    let (csrf, new_cookie) = auth::csrf_cookie(&req);
    let data = CodePage {
        csrf_token: state.csrf.token(&csrf, PURPOSE),
        has_error: req.query_string().contains("error=1"),
    };
    page(StatusCode::OK, &data, new_cookie)
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    csrf_token: String,
    code: String,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (csrf, _) = auth::csrf_cookie(&req);
    if !state.csrf.is_valid(&csrf, PURPOSE, &form.csrf_token) {
        return see_other("/login/code", Vec::new());
    }
    let Some(token) = pending(&req, &state).await else {
        return back_to_sign_in(&req, "");
    };
    let now = state.clock.now();
    let outcome = identity::finish_pending_login(
        &state.dbs,
        &state.pii,
        &token,
        form.code.trim(),
        now,
        state.settings.tokens.session_ttl,
    )
    .await;
    let session = match outcome {
        Ok(CodeOutcome::SignedIn { session, .. }) => session,
        Ok(CodeOutcome::WrongCode) => {
            tracing::info!("admin console sign-in: wrong code");
            return see_other("/login/code?error=1", Vec::new());
        }
        Ok(CodeOutcome::Dropped | CodeOutcome::Locked | CodeOutcome::Expired) => {
            tracing::info!("admin console sign-in: the pending sign-in is over");
            return back_to_sign_in(&req, "?error=1");
        }
        Err(err) => {
            return sign_in_failed(&err);
        }
    };
    // The operator role may have gone while the code was awaited.
    let subject = Subject::User(session.user_id.clone());
    match operators::find_operator(&state.dbs.ops, &subject).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            if let Err(err) = identity::end_session(&state.dbs.ops, &session.id, now).await {
                tracing::error!(error = %err, "ending a refused console session failed");
            }
            return back_to_sign_in(&req, "?error=1");
        }
        Err(err) => {
            return sign_in_failed(&err);
        }
    }
    tracing::info!(user_id = %session.user_id, session = %session.id, "operator signed in to the admin console with two factors");
    let mut cookies = vec![auth::clear_pending_cookie(&req)];
    cookies.extend(auth::session_cookie(&req, &state, &session));
    see_other("/", cookies)
}
