//! `GET|POST /account/mfa`: a signed-in user sets up, confirms or turns off two-step
//! verification (TOTP). The secret is shown as text and as an `otpauth://` link: no script and no
//! image from elsewhere (DESIGN.md "Hosted pages").

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::ExposeSecret;

use super::browser::{csrf_cookie, current_session, error_page, page, see_other, texts};
use super::texts::Texts;
use crate::identity::mfa::{self, CodeCheck, FactorState, MfaError};
use crate::state::AppState;

pub const MFA_PATH: &str = "/account/mfa";
/// Where a visitor without a session signs in first.
const SIGN_IN_PATH: &str = "/dashboard/login";

/// The forms' CSRF purpose: bound to the user, so a token from another account's page is useless.
fn purpose(user_id: &str) -> String {
    format!("account:mfa:{user_id}")
}

#[derive(Template)]
#[template(path = "account_mfa.html")]
struct MfaPage {
    t: &'static Texts,
    csrf_token: String,
    is_on: bool,
    /// Enrolled and waiting for a first code: the secret and URI are shown.
    is_pending: bool,
    secret: String,
    uri: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

pub async fn show_mfa(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(session) = current_session(&req, &state).await else {
        return see_other(SIGN_IN_PATH, Vec::new());
    };
    let factor = mfa::find_factor_state(
        &state.dbs.accounts,
        &state.pii,
        &state.settings.issuer,
        &session.user_id,
    )
    .await;
    let factor = match factor {
        Ok(factor) => factor,
        Err(err) => return failure(&req, &err),
    };
    let t = texts(&req, None);
    let params: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let has = |key: &str, value: &str| params.iter().any(|(k, v)| k == key && v == value);
    let notice = if has("done", "on") {
        Some(t.mfa.turned_on)
    } else if has("done", "off") {
        Some(t.mfa.turned_off)
    } else {
        None
    };
    let error = if has("error", "code") {
        Some(t.mfa.wrong_code)
    } else if has("error", "locked") {
        Some(t.mfa.locked)
    } else {
        None
    };
    let (csrf, new_cookie) = csrf_cookie(&req, &state);
    let mut data = MfaPage {
        t,
        csrf_token: state.csrf.token(&csrf, &purpose(&session.user_id)),
        is_on: matches!(factor, FactorState::Confirmed),
        is_pending: false,
        secret: String::new(),
        uri: String::new(),
        notice,
        error,
    };
    if let FactorState::Unconfirmed(enrollment) = factor {
        data.is_pending = true;
        data.secret = enrollment.secret_base32.expose_secret().to_owned();
        data.uri = enrollment.otpauth_uri.expose_secret().to_owned();
    }
    page(StatusCode::OK, &data, new_cookie)
}

#[derive(serde::Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    code: String,
}

pub async fn change_mfa(
    req: HttpRequest,
    form: web::Form<MfaForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(session) = current_session(&req, &state).await else {
        return see_other(SIGN_IN_PATH, Vec::new());
    };
    let user_id = session.user_id.as_str();
    let (csrf, _) = csrf_cookie(&req, &state);
    if !state
        .csrf
        .is_valid(&csrf, &purpose(user_id), &form.csrf_token)
    {
        return error_page(
            &req,
            StatusCode::FORBIDDEN,
            texts(&req, None).mfa.form_expired,
        );
    }
    let (accounts, pii, now) = (&state.dbs.accounts, &state.pii, state.clock.now());
    let next = match form.action.as_str() {
        "start" => match mfa::enroll(accounts, pii, &state.settings.issuer, user_id, now).await {
            Ok(_) | Err(MfaError::AlreadyEnabled) => Ok(""),
            Err(err) => Err(err),
        },
        "confirm" => match mfa::confirm(accounts, pii, user_id, &form.code, now).await {
            Ok(true) => Ok("?done=on"),
            Ok(false) => Ok("?error=code"),
            Err(MfaError::NotEnrolled) => Ok(""),
            Err(err) => Err(err),
        },
        "remove" => match mfa::remove(accounts, pii, user_id, &form.code, now).await {
            Ok(CodeCheck::Accepted) => Ok("?done=off"),
            Ok(CodeCheck::Refused) => Ok("?error=code"),
            Ok(CodeCheck::Locked) => Ok("?error=locked"),
            Err(MfaError::NotEnrolled) => Ok(""),
            Err(err) => Err(err),
        },
        _ => {
            return error_page(
                &req,
                StatusCode::BAD_REQUEST,
                texts(&req, None).mfa.form_expired,
            )
        }
    };
    match next {
        Ok(query) => {
            tracing::info!(user_id, action = %form.action, outcome = query, "two-step verification change");
            see_other(&format!("{MFA_PATH}{query}"), Vec::new())
        }
        Err(err) => failure(&req, &err),
    }
}

fn failure(req: &HttpRequest, err: &MfaError) -> HttpResponse {
    tracing::error!(error = %err, "two-step verification page failed on our side");
    error_page(
        req,
        StatusCode::INTERNAL_SERVER_ERROR,
        texts(req, None).mfa.server_error,
    )
}
