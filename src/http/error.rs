//! Domain errors to HTTP responses, in one place.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

use crate::oauth::OAuthError;

/// RFC 6749 §5.2: a JSON error from the token endpoint; `invalid_client` is 401 with
/// `WWW-Authenticate`; never cached.
pub fn token_error(err: &OAuthError) -> HttpResponse {
    let status = match err {
        OAuthError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
        OAuthError::AccessDenied(_) => StatusCode::FORBIDDEN,
        OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((WWW_AUTHENTICATE, "Basic realm=\"tessera\""));
    }
    tracing::info!(error = err.code(), description = %err, "token request refused");
    res.json(json!({ "error": err.code(), "error_description": err.to_string() }))
}
