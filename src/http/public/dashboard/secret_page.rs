//! The page that shows an App ID and a new secret, once. It is sent with `no-store` (as every
//! hosted page is) and the secret is neither logged nor kept.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use super::super::browser::{page, texts};
use super::super::texts::{DashboardTexts, Texts};
use super::access::{FormTokens, Purpose};
use crate::state::AppState;

/// What the page shows.
pub struct SecretPage {
    pub title: &'static str,
    pub app_name: String,
    pub client_id: String,
    /// The key's id, for a key page; an app's first key needs none.
    pub key_id: Option<String>,
    /// `None` for a public app: it has no secret.
    pub secret: Option<String>,
    pub expires: Option<DateTime<Utc>>,
}

#[derive(Template)]
#[template(path = "dashboard_secret.html")]
struct SecretTemplate {
    t: &'static Texts,
    d: &'static DashboardTexts,
    logout_token: String,
    shown: SecretPage,
    expires: Option<String>,
}

pub fn render(
    req: &HttpRequest,
    state: &AppState,
    shown: SecretPage,
    status: StatusCode,
) -> HttpResponse {
    let t = texts(req, None);
    let tokens = FormTokens::new(req, state);
    let data = SecretTemplate {
        t,
        d: t.dashboard,
        logout_token: tokens.token(state, &Purpose::Logout),
        expires: shown
            .expires
            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        shown,
    };
    page(status, &data, tokens.new_cookie)
}
