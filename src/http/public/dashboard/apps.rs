//! `GET /dashboard` (the apps the developer may see, with what they may do with each) and
//! `GET|POST /dashboard/apps/new` (register one).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::ExposeSecret;

use super::super::browser::{page, texts};
use super::super::texts::{DashboardTexts, Texts};
use super::access::{
    csrf_refusal, dash, developer, refresh_registry, server_error, FormTokens, Purpose,
};
use super::catalog::readable_apps;
use super::form::{lines, FieldErrors, FormData};
use super::secret_page::{self, SecretPage};
use super::view::{permission_label, Field};
use crate::apps::{self, AppError, NewApp};
use crate::state::AppState;

/// An app in the list.
struct AppItem {
    name: String,
    client_id: String,
    permission: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard_apps.html")]
struct AppsPage {
    t: &'static Texts,
    d: &'static DashboardTexts,
    logout_token: String,
    apps: Vec<AppItem>,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let user_id = match developer(&req, &state).await {
        Ok(id) => id,
        Err(res) => return res,
    };
    let listed = match readable_apps(&state, &user_id).await {
        Ok(listed) => listed,
        Err(err) => return server_error(&req, &err),
    };
    let t = texts(&req, None);
    let tokens = FormTokens::new(&req, &state);
    let data = AppsPage {
        t,
        d: t.dashboard,
        logout_token: tokens.token(&state, &Purpose::Logout),
        apps: listed
            .into_iter()
            .map(|l| AppItem {
                name: l.app.settings.name,
                client_id: l.app.client_id,
                permission: permission_label(l.permission, t.dashboard),
            })
            .collect(),
    };
    page(StatusCode::OK, &data, tokens.new_cookie)
}

#[derive(Template)]
#[template(path = "dashboard_new.html")]
struct NewAppPage {
    t: &'static Texts,
    d: &'static DashboardTexts,
    logout_token: String,
    csrf_token: String,
    top_errors: Vec<String>,
    name: Field,
    is_public: bool,
    app_type_error: Option<String>,
    redirect_uris: Field,
}

/// The new-app form as typed.
#[derive(Debug, Default)]
struct NewAppForm {
    name: String,
    app_type: String,
    redirect_uris: String,
}

fn new_app_page(
    req: &HttpRequest,
    state: &AppState,
    typed: &NewAppForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> HttpResponse {
    let t = texts(req, None);
    let d = t.dashboard;
    let known = ["name", "app_type", "redirect_uris"];
    let top_errors = errors
        .top
        .iter()
        .cloned()
        .chain(
            errors
                .fields
                .iter()
                .filter(|(f, _)| !known.contains(f))
                .map(|(_, m)| m.clone()),
        )
        .collect();
    let tokens = FormTokens::new(req, state);
    let data = NewAppPage {
        t,
        d,
        logout_token: tokens.token(state, &Purpose::Logout),
        csrf_token: tokens.token(state, &Purpose::NewApp),
        top_errors,
        name: Field::new("name", d.name, "", &typed.name, errors),
        is_public: typed.app_type == "public",
        app_type_error: errors.field("app_type"),
        redirect_uris: Field::new(
            "redirect_uris",
            d.redirect_uris,
            d.redirect_uris_hint,
            &typed.redirect_uris,
            errors,
        ),
    };
    page(status, &data, tokens.new_cookie)
}

pub async fn new_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Err(res) = developer(&req, &state).await {
        return res;
    }
    let typed = NewAppForm::default();
    new_app_page(
        &req,
        &state,
        &typed,
        &FieldErrors::default(),
        StatusCode::OK,
    )
}

pub async fn create(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let user_id = match developer(&req, &state).await {
        Ok(id) => id,
        Err(res) => return res,
    };
    let form = FormData::parse(&body);
    if let Some(res) = csrf_refusal(&req, &state, &Purpose::NewApp, form.get("csrf_token")) {
        return res;
    }
    let typed = NewAppForm {
        name: form.get("name").to_owned(),
        app_type: form.get("app_type").to_owned(),
        redirect_uris: form.get("redirect_uris").to_owned(),
    };
    let refused = |errors: FieldErrors| {
        new_app_page(
            &req,
            &state,
            &typed,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let is_public = match typed.app_type.as_str() {
        "confidential" => false,
        "public" => true,
        _ => {
            let mut errors = FieldErrors::default();
            errors.add("app_type", dash(&req).bad_app_type);
            return refused(errors);
        }
    };
    let new = NewApp {
        name: typed.name.clone(),
        is_public,
        redirect_uris: lines(&typed.redirect_uris),
        ..NewApp::default()
    };
    let valid = match new.validate() {
        Ok(valid) => valid,
        Err(err) => return refused(FieldErrors::from_app_error(&err)),
    };
    let created = match apps::create_app(&state.dbs.ops, &state.clock, valid, Some(user_id)).await {
        Ok(created) => created,
        Err(err @ AppError::Store(_)) => return server_error(&req, &err),
        Err(err) => return refused(FieldErrors::from_app_error(&err)),
    };
    refresh_registry(&state).await;
    tracing::info!(client_id = %created.client_id, "app created from the dashboard");
    let data = SecretPage {
        title: dash(&req).created_title,
        app_name: created.name.clone(),
        client_id: created.client_id.clone(),
        key_id: None,
        secret: created
            .client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
        expires: None,
    };
    secret_page::render(&req, &state, data, StatusCode::CREATED)
}
