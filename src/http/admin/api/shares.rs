//! `/api/apps/{client_id}/shares`: the users an app is shared with, for read or modify.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::ErrorBody;
use crate::access::{self, Share, ShareAccess};
use crate::http::error::access_error;
use crate::state::AppState;

/// What a share lets its user do with the app.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShareAccessLevel {
    /// Read the app.
    Read,
    /// Modify the app (a guest of the app's organization still only reads it).
    Modify,
}

impl From<ShareAccessLevel> for ShareAccess {
    fn from(level: ShareAccessLevel) -> Self {
        match level {
            ShareAccessLevel::Read => Self::Read,
            ShareAccessLevel::Modify => Self::Modify,
        }
    }
}

impl From<ShareAccess> for ShareAccessLevel {
    fn from(access: ShareAccess) -> Self {
        match access {
            ShareAccess::Read => Self::Read,
            ShareAccess::Modify => Self::Modify,
        }
    }
}

/// An app shared with a user.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ShareBody {
    client_id: String,
    user_id: String,
    access: ShareAccessLevel,
    created_at: DateTime<Utc>,
}

impl From<Share> for ShareBody {
    fn from(s: Share) -> Self {
        Self {
            client_id: s.client_id,
            user_id: s.user_id,
            access: s.access.into(),
            created_at: s.created_at,
        }
    }
}

/// The users an app is shared with, oldest share first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ShareListBody {
    shares: Vec<ShareBody>,
}

/// What a share lets its user do.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ShareAccessBody {
    /// A guest of the app's organization never gets more than read.
    #[schema(example = "read")]
    access: ShareAccessLevel,
}

#[utoipa::path(
    get, path = "/api/apps/{client_id}/shares", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "The shares, oldest first", body = ShareListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(client_id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::list_shares(&state.dbs.ops, &client_id).await {
        Ok(shares) => HttpResponse::Ok().json(ShareListBody {
            shares: shares.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    put, path = "/api/apps/{client_id}/shares/{user_id}", tag = "apps",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("user_id" = String, Path, description = "The user's id: 1 to 64 printable ASCII characters",
            min_length = 1, max_length = 64, pattern = "^[!-~]{1,64}$"),
    ),
    request_body = ShareAccessBody,
    responses(
        (status = 200, description = "Shared (again, with this access)", body = ShareBody),
        (status = 400, description = "Bad access or user id", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app, or no such user", body = ErrorBody),
        (status = 409, description = "The user is disabled", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn put(
    path: web::Path<(String, String)>,
    body: web::Json<ShareAccessBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, user_id) = path.into_inner();
    let share_access = ShareAccess::from(body.access);
    let shared =
        access::share_app_with_user(&state.dbs, &state.clock, &client_id, &user_id, share_access)
            .await;
    match shared {
        Ok(share) => HttpResponse::Ok().json(ShareBody::from(share)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/apps/{client_id}/shares/{user_id}", tag = "apps",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("user_id" = String, Path, description = "The user's id"),
    ),
    responses(
        (status = 204, description = "No longer shared"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "The app is not shared with this user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn remove(path: web::Path<(String, String)>, state: web::Data<AppState>) -> HttpResponse {
    let (client_id, user_id) = path.into_inner();
    match access::unshare_app(&state.dbs.ops, &client_id, &user_id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}
