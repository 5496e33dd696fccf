//! `GET|POST /login`: the hosted sign-in page for a pending authorization request, and
//! `GET|POST /login/mfa`: the code step that follows the password for a user with a second factor.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

use super::authorize::expired;
use super::browser::{
    clear_pending_login_cookie, csrf_cookie, error_page, page, pending_login_token, see_other,
    session_cookie, sign_in_with_password, texts, PasswordSignIn,
};
use super::mfa_texts::MfaTexts;
use super::texts::Texts;
use crate::identity::{self, CodeOutcome};
use crate::oauth::flow;
use crate::state::AppState;

/// The code step's page.
pub const CODE_PATH: &str = "/login/mfa";
/// The code form's CSRF purpose.
const CODE_PURPOSE: &str = "login:mfa";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Texts,
    app_name: &'a str,
    csrf_token: String,
    request_id: &'a str,
    email: &'a str,
    has_error: bool,
}

fn query(req: &HttpRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params = query(&req);
    let Some(id) = params.get("request") else {
        return expired(&req);
    };
    let Ok(Some((request, _))) = flow::find_pending(&state.dbs.ops, id, state.clock.now()).await
    else {
        return expired(&req);
    };
    let Ok(Some(app)) = state.apps.find(&request.client_id).await else {
        return expired(&req);
    };
    let (csrf, new_cookie) = csrf_cookie(&req, &state);
    let page_data = LoginPage {
        t: texts(&req, request.ui_locales.as_deref()),
        has_error: params.contains_key("error"),
        app_name: &app.name,
        csrf_token: state.csrf.token(&csrf, &format!("login:{id}")),
        request_id: id,
        email: request.login_hint.as_deref().unwrap_or_default(),
    };
    page(StatusCode::OK, &page_data, new_cookie)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    request: String,
    csrf_token: String,
    email: String,
    password: String,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    let now = state.clock.now();
    let (csrf, _) = csrf_cookie(&req, &state);
    if !state
        .csrf
        .is_valid(&csrf, &format!("login:{}", form.request), &form.csrf_token)
    {
        return error_page(
            &req,
            StatusCode::FORBIDDEN,
            "This form has expired. Go back to the application and sign in again.",
        );
    }
    let Ok(Some((request, _))) = flow::find_pending(&state.dbs.ops, &form.request, now).await
    else {
        return expired(&req);
    };
    let password = SecretString::from(form.password);
    let resume = format!("/authorize/resume?request={}", form.request);
    let signed_in = sign_in_with_password(
        &state,
        &form.email,
        password,
        &resume,
        request.ui_locales.as_deref(),
    )
    .await;
    let session = match signed_in {
        Ok(PasswordSignIn::SignedIn(session)) => session,
        Ok(PasswordSignIn::NeedsCode(pending)) => {
            tracing::info!(request = %form.request, "password accepted, second factor next");
            return see_other(CODE_PATH, vec![pending]);
        }
        Ok(PasswordSignIn::Failed) => {
            tracing::info!(request = %form.request, "login failed");
            // One message for every failure, after the same work (DESIGN.md "Hosted pages").
            return see_other(
                &format!("/login?request={}&error=1", form.request),
                Vec::new(),
            );
        }
        Err(err) => {
            tracing::error!(error = %err, "login failed on our side");
            return error_page(
                &req,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            );
        }
    };
    let user_id = &session.user_id;
    tracing::info!(user_id = %user_id, session = %session.id, "signed in");
    let cookies = session_cookie(&state, &session).into_iter().collect();
    see_other(&resume, cookies)
}

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct CodePage {
    t: &'static Texts,
    csrf_token: String,
    has_error: bool,
}

/// The pending sign-in a token names, if it is live and one of ours: the admin console's pending
/// sign-ins continue there (their `return_to` is not a path of this listener).
async fn find_public_pending(
    state: &AppState,
    token: &SecretString,
) -> Result<Option<identity::PendingLogin>, identity::MfaError> {
    Ok(
        identity::find_pending_login(&state.dbs.ops, token, state.clock.now())
            .await?
            .filter(|p| p.return_to.starts_with('/')),
    )
}

pub async fn show_code(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let pending = match pending_login_token(&req, &state) {
        Some(token) => find_public_pending(&state, &token).await,
        None => Ok(None),
    };
    let pending = match pending {
        Ok(Some(pending)) => pending,
        Ok(None) => return code_refusal(&req, &state, StatusCode::BAD_REQUEST, |t| t.expired),
        Err(err) => return code_failure(&req, &err),
    };
    let (csrf, new_cookie) = csrf_cookie(&req, &state);
    let page_data = CodePage {
        t: texts(&req, pending.ui_locales.as_deref()),
        csrf_token: state.csrf.token(&csrf, CODE_PURPOSE),
        has_error: query(&req).contains_key("error"),
    };
    page(StatusCode::OK, &page_data, new_cookie)
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
}

pub async fn submit_code(
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (csrf, _) = csrf_cookie(&req, &state);
    if !state.csrf.is_valid(&csrf, CODE_PURPOSE, &form.csrf_token) {
        let t = texts(&req, None);
        return error_page(&req, StatusCode::FORBIDDEN, t.mfa.form_expired);
    }
    let Some(token) = pending_login_token(&req, &state) else {
        return code_refusal(&req, &state, StatusCode::BAD_REQUEST, |t| t.expired);
    };
    match find_public_pending(&state, &token).await {
        Ok(Some(_)) => {}
        Ok(None) => return code_refusal(&req, &state, StatusCode::BAD_REQUEST, |t| t.expired),
        Err(err) => return code_failure(&req, &err),
    }
    let outcome = identity::finish_pending_login(
        &state.dbs,
        &state.pii,
        &token,
        &form.code,
        state.clock.now(),
        state.settings.tokens.session_ttl,
    )
    .await;
    match outcome {
        Ok(CodeOutcome::SignedIn { session, return_to }) => {
            tracing::info!(user_id = %session.user_id, session = %session.id, "signed in with a second factor");
            let mut cookies = vec![clear_pending_login_cookie(&state)];
            cookies.extend(session_cookie(&state, &session));
            see_other(&return_to, cookies)
        }
        Ok(CodeOutcome::WrongCode) => {
            tracing::info!("wrong second-factor code");
            see_other(&format!("{CODE_PATH}?error=1"), Vec::new())
        }
        Ok(CodeOutcome::Dropped) => {
            tracing::info!("too many wrong codes: pending sign-in dropped");
            code_refusal(&req, &state, StatusCode::FORBIDDEN, |t| t.too_many_codes)
        }
        Ok(CodeOutcome::Locked) => {
            code_refusal(&req, &state, StatusCode::TOO_MANY_REQUESTS, |t| t.locked)
        }
        Ok(CodeOutcome::Expired) => {
            code_refusal(&req, &state, StatusCode::BAD_REQUEST, |t| t.expired)
        }
        Err(err) => code_failure(&req, &err),
    }
}

/// The error page for a sign-in that cannot go on; it forgets the pending sign-in's cookie.
fn code_refusal(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    message: fn(&'static MfaTexts) -> &'static str,
) -> HttpResponse {
    let mut res = error_page(req, status, message(texts(req, None).mfa));
    if let Err(err) = res.add_cookie(&clear_pending_login_cookie(state)) {
        tracing::warn!(error = %err, "the pending sign-in cookie could not be cleared");
    }
    res
}

fn code_failure(req: &HttpRequest, err: &identity::MfaError) -> HttpResponse {
    tracing::error!(error = %err, "second-factor step failed on our side");
    error_page(
        req,
        StatusCode::INTERNAL_SERVER_ERROR,
        texts(req, None).mfa.server_error,
    )
}
