//! Who may do what on the dashboard: a signed-in developer, on the apps the access model lets them
//! see (`access::app_permission`), with forms that carry a CSRF token made for that form and that
//! need the permission the form's purpose names.

use std::sync::Arc;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::super::browser::{csrf_cookie, current_session, error_page, see_other, texts};
use super::super::texts::DashboardTexts;
use crate::access::{self, Permission};
use crate::apps::{self, AppSummary, RegisteredApp};
use crate::state::AppState;

pub const LOGIN_PATH: &str = "/dashboard/login";

/// What a form is for; its CSRF token is valid for that only. Forms about an app name it, so a
/// token taken from one app's page cannot change another app.
pub enum Purpose<'a> {
    Login,
    Logout,
    NewApp,
    Settings(&'a str),
    Keys(&'a str),
    Shares(&'a str),
}

impl Purpose<'_> {
    fn as_string(&self) -> String {
        match self {
            Self::Login => "dashboard:login".into(),
            Self::Logout => "dashboard:logout".into(),
            Self::NewApp => "dashboard:new-app".into(),
            Self::Settings(client_id) => format!("dashboard:settings:{client_id}"),
            Self::Keys(client_id) => format!("dashboard:keys:{client_id}"),
            Self::Shares(client_id) => format!("dashboard:shares:{client_id}"),
        }
    }

    /// What the developer must be allowed to do with the app to use this form. Forms about no
    /// app need only a session (or not even that).
    fn needs(&self) -> Permission {
        match self {
            Self::Login | Self::Logout | Self::NewApp => Permission::None,
            Self::Settings(_) | Self::Keys(_) => Permission::Modify,
            Self::Shares(_) => Permission::Manage,
        }
    }
}

/// The dashboard's texts for this request.
pub fn dash(req: &HttpRequest) -> &'static DashboardTexts {
    texts(req, None).dashboard
}

/// The error page for a failure on our side; the cause is logged, never shown.
pub fn server_error(req: &HttpRequest, err: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %err, "dashboard request failed");
    error_page(
        req,
        StatusCode::INTERNAL_SERVER_ERROR,
        dash(req).server_error,
    )
}

/// The answer for an app that is missing or not the developer's: the same either way, so
/// nobody learns which App IDs exist.
pub fn not_found(req: &HttpRequest) -> HttpResponse {
    error_page(req, StatusCode::NOT_FOUND, dash(req).not_found)
}

/// CSRF tokens for the forms of one page, from the browser's CSRF cookie (made now if it had
/// none: the page sets it).
pub struct FormTokens {
    cookie: String,
    pub new_cookie: Option<Cookie<'static>>,
}

impl FormTokens {
    pub fn new(req: &HttpRequest, state: &AppState) -> Self {
        let (cookie, new_cookie) = csrf_cookie(req, state);
        Self { cookie, new_cookie }
    }

    pub fn token(&self, state: &AppState, purpose: &Purpose<'_>) -> String {
        state.csrf.token(&self.cookie, &purpose.as_string())
    }

    /// A token only for a form the developer may use: a page never offers a form whose POST
    /// would be refused.
    pub fn token_if_allowed(
        &self,
        state: &AppState,
        purpose: &Purpose<'_>,
        permission: Permission,
    ) -> Option<String> {
        (permission >= purpose.needs()).then(|| self.token(state, purpose))
    }
}

/// The refusal (403, nothing changes) of a POST whose token was not made for this browser and
/// form; `None` when the token is good.
pub fn csrf_refusal(
    req: &HttpRequest,
    state: &AppState,
    purpose: &Purpose<'_>,
    token: &str,
) -> Option<HttpResponse> {
    let (cookie, _) = csrf_cookie(req, state);
    if state.csrf.is_valid(&cookie, &purpose.as_string(), token) {
        None
    } else {
        Some(error_page(
            req,
            StatusCode::FORBIDDEN,
            dash(req).form_expired,
        ))
    }
}

/// The signed-in developer's user id, or the way to the sign-in page.
pub async fn developer(req: &HttpRequest, state: &AppState) -> Result<String, HttpResponse> {
    match current_session(req, state).await {
        Some(session) => Ok(session.user_id),
        None => Err(see_other(LOGIN_PATH, Vec::new())),
    }
}

/// An app the developer may at least read, with what they may do with it.
pub struct OpenedApp {
    pub app: AppSummary,
    pub permission: Permission,
}

/// The app if the developer may at least read it. Apps they may not see, operators' apps in no
/// organization and unknown App IDs are the same 404.
pub async fn readable_app(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    client_id: &str,
) -> Result<OpenedApp, HttpResponse> {
    let permission = access::app_permission(&state.dbs.ops, user_id, client_id)
        .await
        .map_err(|err| server_error(req, &err))?;
    if !permission.can_read() {
        return Err(not_found(req));
    }
    match apps::find_app(&state.dbs.ops, client_id).await {
        Ok(Some(app)) => Ok(OpenedApp { app, permission }),
        Ok(None) => Err(not_found(req)),
        Err(err) => Err(server_error(req, &err)),
    }
}

/// A POST about one app: signed in (else to the sign-in page), the app is one they may read
/// (else 404), they may do what the form is for (else 403), and the token was made for this form
/// (else 403), checked in that order.
pub async fn app_post(
    req: &HttpRequest,
    state: &AppState,
    client_id: &str,
    purpose: &Purpose<'_>,
    token: &str,
) -> Result<OpenedApp, HttpResponse> {
    let user_id = developer(req, state).await?;
    let opened = readable_app(req, state, &user_id, client_id).await?;
    if opened.permission < purpose.needs() {
        tracing::info!(client_id, user_id = %user_id, "dashboard change refused: not allowed");
        return Err(error_page(
            req,
            StatusCode::FORBIDDEN,
            dash(req).not_allowed,
        ));
    }
    match csrf_refusal(req, state, purpose, token) {
        Some(refusal) => Err(refusal),
        None => Ok(opened),
    }
}

/// The app as the protocol side holds it (key operations need it).
pub async fn registered(
    req: &HttpRequest,
    state: &AppState,
    client_id: &str,
) -> Result<Arc<RegisteredApp>, HttpResponse> {
    match state.apps.find(client_id).await {
        Ok(Some(app)) => Ok(app),
        Ok(None) => Err(not_found(req)),
        Err(err) => Err(server_error(req, &err)),
    }
}

/// Makes this instance serve a change at once; other instances pick it up on their next tick.
pub async fn refresh_registry(state: &AppState) {
    if let Err(err) = state.apps.refresh_if_changed().await {
        tracing::warn!(error = %err, "the app registry could not be refreshed after a change");
    }
}
