//! `GET|POST /dashboard/login` and `POST /dashboard/logout`: the dashboard's own sign-in, which
//! starts an ordinary login session (the same cookie the hosted sign-in sets), after the same
//! code step (`/login/mfa`) for a user with a second factor.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

use super::super::browser::{
    clear_session_cookie, current_session, page, see_other, session_cookie, sign_in_with_password,
    texts, PasswordSignIn,
};
use super::super::login::CODE_PATH;
use super::super::texts::{DashboardTexts, Texts};
use super::access::{csrf_refusal, server_error, FormTokens, Purpose, LOGIN_PATH};
use crate::identity;
use crate::state::AppState;

const HOME: &str = "/dashboard";

#[derive(Template)]
#[template(path = "dashboard_login.html")]
struct LoginPage {
    t: &'static Texts,
    d: &'static DashboardTexts,
    /// Empty: nobody is signed in, so the page has no sign-out button.
    logout_token: String,
    csrf_token: String,
    has_error: bool,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if current_session(&req, &state).await.is_some() {
        return see_other(HOME, Vec::new());
    }
    let t = texts(&req, None);
    let tokens = FormTokens::new(&req, &state);
    let data = LoginPage {
        t,
        d: t.dashboard,
        logout_token: String::new(),
        csrf_token: tokens.token(&state, &Purpose::Login),
        has_error: url::form_urlencoded::parse(req.query_string().as_bytes())
            .any(|(k, _)| k == "error"),
    };
    page(StatusCode::OK, &data, tokens.new_cookie)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    if let Some(res) = csrf_refusal(&req, &state, &Purpose::Login, &form.csrf_token) {
        return res;
    }
    let password = SecretString::from(form.password);
    let session = match sign_in_with_password(&state, &form.email, password, HOME, None).await {
        Ok(PasswordSignIn::SignedIn(session)) => session,
        // The same code step as the hosted sign-in: no session before the second factor.
        Ok(PasswordSignIn::NeedsCode(pending)) => return see_other(CODE_PATH, vec![pending]),
        Ok(PasswordSignIn::Failed) => {
            tracing::info!("dashboard sign-in failed");
            return see_other(&format!("{LOGIN_PATH}?error=1"), Vec::new());
        }
        Err(err) => return server_error(&req, &err),
    };
    let user_id = &session.user_id;
    tracing::info!(user_id = %user_id, session = %session.id, "signed in to the dashboard");
    let cookies = session_cookie(&state, &session).into_iter().collect();
    see_other(HOME, cookies)
}

#[derive(serde::Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn logout(
    req: HttpRequest,
    form: web::Form<LogoutForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    // A forged sign-out is a nuisance, not harmless: it ends the developer's session.
    if let Some(res) = csrf_refusal(&req, &state, &Purpose::Logout, &form.csrf_token) {
        return res;
    }
    if let Some(session) = current_session(&req, &state).await {
        if let Err(err) =
            identity::end_session(&state.dbs.ops, &session.id, state.clock.now()).await
        {
            return server_error(&req, &err);
        }
        tracing::info!(session = %session.id, "signed out of the dashboard");
    }
    see_other(LOGIN_PATH, vec![clear_session_cookie(&state)])
}
