//! `GET /.well-known/openid-configuration` (OIDC Discovery 1.0 §4).

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpResponse};

use crate::state::AppState;

pub async fn document(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((CACHE_CONTROL, "public, max-age=300"))
        .body(state.discovery.as_ref().clone())
}
