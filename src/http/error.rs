//! Domain errors to HTTP responses, in one place.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

use crate::access::AccessError;
use crate::apps::AppError;
use crate::identity::UserError;
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

/// An admin API error: `{"error", "error_description"}`, never cached.
pub fn admin_error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({ "error": code, "error_description": description }))
}

/// A failure on our side: logged with its cause, shown without it.
pub fn admin_server_error(cause: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %cause, "admin request failed");
    admin_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "the server could not complete the request",
    )
}

/// Access-model errors: 404 for what does not exist, 409 for conflicts with what does (a
/// disabled user among them), 422 naming the `field` for a resource's refused token settings,
/// 400 for other bad input.
pub fn access_error(err: &AccessError) -> HttpResponse {
    use AccessError as E;
    let (status, code) = match err {
        E::Store(_) => return admin_server_error(err),
        E::InvalidTokenEncryptionKey(_)
        | E::InvalidServerClientId
        | E::UnknownServerClient(_)
        | E::PublicServerClient(_) => {
            let body = json!({
                "error": "invalid_request",
                "error_description": err.to_string(),
                "field": err.field(),
            });
            return HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
                .insert_header((CACHE_CONTROL, "no-store"))
                .json(body);
        }
        E::UnknownOrg(_)
        | E::UnknownUser(_)
        | E::UnknownApp(_)
        | E::UnknownResource(_)
        | E::UnknownRight(_)
        | E::UnknownRole(_)
        | E::UnknownGrant(_)
        | E::NotMember { .. }
        | E::NotShared { .. }
        | E::RightNotInRole(_) => (StatusCode::NOT_FOUND, "not_found"),
        E::DuplicateOrgName(_)
        | E::DuplicateResource(_)
        | E::DuplicateRight(_)
        | E::DuplicateRole(_)
        | E::RightAlreadyInRole(_)
        | E::DuplicateGrant
        | E::DisabledUser(_)
        | E::AlreadyMember(_)
        | E::OrgOwnsApps(_)
        | E::LastAdmin => (StatusCode::CONFLICT, "conflict"),
        _ => (StatusCode::BAD_REQUEST, "invalid_request"),
    };
    admin_error(status, code, &err.to_string())
}

/// User-directory errors as the admin API shows them.
pub fn user_error(err: &UserError) -> HttpResponse {
    match err {
        UserError::Store(_) | UserError::Sealed(_) => admin_server_error(err),
        UserError::Password(crate::identity::PasswordError::Hash(_)) => admin_server_error(err),
        UserError::DuplicateEmail | UserError::SoleAdmin(_) | UserError::LastAdminOperator => {
            admin_error(StatusCode::CONFLICT, "conflict", &err.to_string())
        }
        _ => admin_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string()),
    }
}

/// App errors as the admin API shows them: an unknown app or key 404, keys for an app that has
/// none 409, bad settings 400 naming the `field` they are about.
pub fn app_error(err: &AppError) -> HttpResponse {
    let (status, code) = match err {
        AppError::Store(_) => return admin_server_error(err),
        AppError::UnknownApp(_) | AppError::UnknownKey(_) => (StatusCode::NOT_FOUND, "not_found"),
        AppError::NoSecrets | AppError::Operator(_) => (StatusCode::CONFLICT, "conflict"),
        _ => (StatusCode::BAD_REQUEST, "invalid_request"),
    };
    let mut body = json!({ "error": code, "error_description": err.to_string() });
    if let Some(field) = err.field() {
        body["field"] = field.into();
    }
    HttpResponse::build(status)
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body)
}
