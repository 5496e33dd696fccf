//! `GET|POST /login`: the hosted sign-in page for a pending authorization request.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

use super::authorize::expired;
use super::browser::{
    csrf_cookie, error_page, page, see_other, session_cookie, sign_in_with_password, texts,
};
use super::texts::Texts;
use crate::oauth::flow;
use crate::state::AppState;

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
    let Ok(Some(_)) = flow::find_pending(&state.dbs.ops, &form.request, now).await else {
        return expired(&req);
    };
    let password = SecretString::from(form.password);
    let session = match sign_in_with_password(&state, &form.email, password).await {
        Ok(Some(session)) => session,
        Ok(None) => {
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
    see_other(
        &format!("/authorize/resume?request={}", form.request),
        cookies,
    )
}
