//! The admin listener's routes (internal network only). Every route is in the rule table
//! (`rules.rs`), which says who may call it; anything else is 404.

pub mod api;
pub mod auth;
mod console;
mod health;
pub mod rules;
mod setup;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub use rules::{Access, Rule, Verb, RULES};

use crate::http::error::admin_error;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default().error_handler(|err, _| api::organizations::json_error(err)),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| {
        let res = admin_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string());
        actix_web::error::InternalError::from_response(err, res).into()
    }))
    .configure(rules::configure)
    .default_service(web::to(not_found));
}

/// No rule, no route.
async fn not_found() -> HttpResponse {
    admin_error(StatusCode::NOT_FOUND, "not_found", "no such route")
}
