//! `POST /api/users/{id}/mfa/reset`: an operator removes a user's two-step verification (a lost
//! phone), which also ends the user's sessions; the next sign-in needs only the password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::ErrorBody;
use crate::http::admin::auth::Actor;
use crate::http::error::{admin_error, admin_server_error};
use crate::identity::{mfa, MfaError};
use crate::state::AppState;

#[utoipa::path(
    post, path = "/api/users/{id}/mfa/reset", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The second factor is removed (if there was one), pending \
            sign-ins are dropped and every live session ended"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn reset(
    id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match mfa::reset(&state.dbs, &id, state.clock.now()).await {
        Ok(ended) => {
            tracing::info!(actor = %actor.subject, user_id = %id, revoked_sessions = ended, "operator reset a user's two-step verification");
            HttpResponse::NoContent().finish()
        }
        Err(err @ MfaError::UnknownUser(_)) => {
            admin_error(StatusCode::NOT_FOUND, "not_found", &err.to_string())
        }
        Err(err) => admin_server_error(&err),
    }
}
