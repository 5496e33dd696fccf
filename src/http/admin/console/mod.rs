//! The admin console (askama pages on the admin listener, no JavaScript): sign-in
//! (`GET|POST /login`), sign-out (`POST /logout`) and the home page here; users, organizations,
//! apps, resources and signing keys in their own modules. Who may see and post what is the rule
//! table's (`rules.rs`); every form carries a CSRF token made for its action (`forms.rs`).

pub mod app_keys;
pub mod apps;
pub mod code_step;
mod directory;
mod forms;
pub mod grants;
pub mod keys;
pub mod members;
pub mod organizations;
mod paging;
pub mod resources;
pub mod roles;
pub mod users;

use actix_web::cookie::Cookie;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use self::forms::{Forms, Nav, LOGOUT_PURPOSE};
use super::auth::{self, Actor};
use crate::access::Subject;
use crate::http::form::FormData;
use crate::identity;
use crate::operators;
use crate::state::AppState;

/// Our stylesheet only: no script, no framing.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Renders a console page with security headers.
pub fn page(
    status: StatusCode,
    template: &impl Template,
    cookie: Option<Cookie<'static>>,
) -> HttpResponse {
    crate::http::page::render(status, template, cookie, PAGE_CSP)
}

/// A 303 to a path of ours.
pub fn see_other(location: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((LOCATION, location.to_owned()))
        .insert_header((CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.finish()
}

#[derive(Template)]
#[template(path = "admin_login.html")]
struct LoginPage {
    csrf_token: String,
    has_error: bool,
}

pub async fn login_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (csrf, new_cookie) = auth::csrf_cookie(&req);
    let page_data = LoginPage {
        csrf_token: state.csrf.token(&csrf, "admin-login"),
        has_error: req.query_string().contains("error=1"),
    };
    page(StatusCode::OK, &page_data, new_cookie)
}

/// A sign-in that failed on our side: logged with its cause, a bare 500.
fn sign_in_failed(err: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %err, "admin console sign-in failed on our side");
    HttpResponse::InternalServerError().finish()
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
}

pub async fn login(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    let (csrf, _) = auth::csrf_cookie(&req);
    if !state.csrf.is_valid(&csrf, "admin-login", &form.csrf_token) {
        return see_other("/login", Vec::new());
    }
    let now = state.clock.now();
    let password = SecretString::from(form.password);
    let verified = identity::verify_credentials(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        &form.email,
        password,
        now,
    )
    .await;
    let user_id = match verified {
        Ok(Some(id)) => id,
        Ok(None) => {
            tracing::info!("admin console sign-in failed");
            return see_other("/login?error=1", Vec::new());
        }
        Err(err) => {
            return sign_in_failed(&err);
        }
    };
    // Only operators get a console session; the answer is the same as for a wrong password.
    match operators::find_operator(&state.dbs.ops, &Subject::User(user_id.clone())).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::info!(%user_id, "admin console sign-in refused: not an operator");
            return see_other("/login?error=1", Vec::new());
        }
        Err(err) => {
            return sign_in_failed(&err);
        }
    }
    // An operator with a second factor gives the code before any session exists.
    match identity::has_mfa(&state.dbs.accounts, &user_id).await {
        Ok(false) => {}
        Ok(true) => return code_step::start(&req, &state, &user_id).await,
        Err(err) => {
            return sign_in_failed(&err);
        }
    }
    let session = match identity::start_session(
        &state.dbs.ops,
        &user_id,
        vec!["pwd".into()],
        now,
        state.settings.tokens.session_ttl,
    )
    .await
    {
        Ok(session) => session,
        Err(err) => {
            tracing::error!(error = %err, "admin console session failed");
            return HttpResponse::InternalServerError().finish();
        }
    };
    tracing::info!(%user_id, session = %session.id, "operator signed in to the admin console");
    let cookies = auth::session_cookie(&req, &state, &session)
        .into_iter()
        .collect();
    see_other("/", cookies)
}

#[derive(serde::Deserialize)]
pub struct LogoutForm {
    csrf_token: String,
}

pub async fn logout(
    req: HttpRequest,
    form: web::Form<LogoutForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (csrf, _) = auth::csrf_cookie(&req);
    if !state.csrf.is_valid(&csrf, LOGOUT_PURPOSE, &form.csrf_token) {
        return see_other("/", Vec::new());
    }
    if let Some(session) = auth::current_session(&req, &state).await {
        if let Err(err) =
            identity::end_session(&state.dbs.ops, &session.id, state.clock.now()).await
        {
            tracing::error!(error = %err, "ending an admin console session failed");
            return HttpResponse::InternalServerError().finish();
        }
    }
    see_other("/login", vec![auth::clear_session_cookie(&req)])
}

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage {
    nav: Nav,
    subject: String,
}

pub async fn home(
    req: HttpRequest,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let forms = Forms::new(&req, &state, actor.role);
    let page_data = HomePage {
        nav: forms.nav("home"),
        subject: actor.subject.to_string(),
    };
    page(StatusCode::OK, &page_data, forms.new_cookie)
}

#[derive(Template)]
#[template(path = "admin_error.html")]
struct ErrorPage {
    nav: Nav,
    title: &'static str,
    message: String,
    back: String,
}

/// A page saying what went wrong, with a way back.
fn error_page(forms: Forms, status: StatusCode, message: String, back: &str) -> HttpResponse {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Refused",
        _ => "Something went wrong",
    };
    let data = ErrorPage {
        nav: forms.nav(""),
        title,
        message,
        back: back.to_owned(),
    };
    page(status, &data, forms.new_cookie)
}

/// 404 for what does not exist, with the domain's own words for it.
fn not_found(forms: Forms, what: &dyn std::fmt::Display, back: &str) -> HttpResponse {
    error_page(forms, StatusCode::NOT_FOUND, what.to_string(), back)
}

/// A failure on our side: logged with its cause, shown without it.
fn server_error(forms: Forms, cause: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %cause, "admin console request failed");
    let message = "The server could not complete the request.".to_owned();
    error_page(forms, StatusCode::INTERNAL_SERVER_ERROR, message, "/")
}

/// The answer to a POST whose CSRF token was not made for this browser and action: back to
/// the page, changing nothing.
fn expired(page_url: &str) -> HttpResponse {
    tracing::info!(
        page = page_url,
        "admin console form refused: bad CSRF token"
    );
    see_other(&format!("{page_url}?done=expired"), Vec::new())
}

/// The answer to a POST to `action` whose form's token is not good, or `None` when it is.
fn refuse_forged(
    req: &HttpRequest,
    state: &AppState,
    action: &str,
    form: &FormData,
    page_url: &str,
) -> Option<HttpResponse> {
    (!forms::is_valid(req, state, action, form.get("csrf_token"))).then(|| expired(page_url))
}

/// A time as the console shows it.
fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// After a change: back to the page, with a note of what was done.
fn done(page_url: &str, what: &str) -> HttpResponse {
    see_other(&format!("{page_url}?done={what}"), Vec::new())
}

/// The pages' stylesheet, compiled in.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../../static/tessera.css"))
}
