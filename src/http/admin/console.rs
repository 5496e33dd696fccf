//! The admin console's sign-in (`GET|POST /login`), sign-out (`POST /logout`) and home page.
//! The pages that manage resources come later; the API is usable with a console session today.

use actix_web::cookie::Cookie;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

use super::auth::{self, Actor};
use crate::access::Subject;
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
            tracing::error!(error = %err, "admin console sign-in failed on our side");
            return HttpResponse::InternalServerError().finish();
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
            tracing::error!(error = %err, "admin console sign-in failed on our side");
            return HttpResponse::InternalServerError().finish();
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
    if !state.csrf.is_valid(&csrf, "admin-logout", &form.csrf_token) {
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
    subject: String,
    role: &'static str,
    csrf_token: String,
}

pub async fn home(
    req: HttpRequest,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (csrf, new_cookie) = auth::csrf_cookie(&req);
    let page_data = HomePage {
        subject: actor.subject.to_string(),
        role: actor.role.as_str(),
        csrf_token: state.csrf.token(&csrf, "admin-logout"),
    };
    page(StatusCode::OK, &page_data, new_cookie)
}

/// The pages' stylesheet, compiled in.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/tessera.css"))
}
