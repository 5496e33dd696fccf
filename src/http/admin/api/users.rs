//! `/api/users`: users with paging and search, create, rename, disable and enable, end their
//! sessions, delete. Email and name are personal data: only operators with the `user` or `admin`
//! role get them (and may search by email). Changes are logged with the operator (`actor`) until
//! the audit log takes them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::ErrorBody;
use crate::http::admin::auth::Actor;
use crate::http::error::{admin_error, user_error};
use crate::identity::{self, Email, NewUser, UserError, UserRecord, UserSearch};
use crate::state::AppState;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Page number, 1 to 1,000,000 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Users per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u64>,
    /// An email address (exact; needs the `user` role) or the beginning of a user id.
    q: Option<String>,
}

/// A user; `email` and `name` only for operators allowed to read personal data.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserBody {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    is_disabled: bool,
}

impl From<UserRecord> for UserBody {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            created_at: u.created_at,
            updated_at: u.updated_at,
            is_disabled: u.is_disabled,
        }
    }
}

/// One page of users.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserPageBody {
    users: Vec<UserBody>,
    page: u64,
    per_page: u64,
    /// How many users match in all.
    total: u64,
}

#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    params(UsersQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPageBody),
        (status = 400, description = "Bad paging or search", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator, or a guest searching by email", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(
    query: web::Query<UsersQuery>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let search = match UserSearch::parse(query.q.as_deref()) {
        Ok(search) => search,
        Err(err) => return user_error(&err),
    };
    let with_personal_data = actor.role.reads_personal_data();
    if search.reads_personal_data() && !with_personal_data {
        return admin_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "searching by email reads personal data: this needs the user operator role or higher",
        );
    }
    let page = identity::find_users_page(
        &state.dbs.accounts,
        &state.pii,
        &search,
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(50),
        with_personal_data,
    )
    .await;
    match page {
        Ok(page) => {
            if with_personal_data {
                // DESIGN.md "Audit": reads of personal data are recorded (the audit log will
                // take these; until then they are logged).
                tracing::info!(actor = %actor.subject, users = page.users.len(), "operator read users' personal data");
            }
            HttpResponse::Ok().json(UserPageBody {
                users: page.users.into_iter().map(Into::into).collect(),
                page: page.page,
                per_page: page.per_page,
                total: page.total,
            })
        }
        Err(err) => user_error(&err),
    }
}

#[utoipa::path(
    get, path = "/api/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn show(
    id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let with_personal_data = actor.role.reads_personal_data();
    match identity::find_user_record(&state.dbs.accounts, &state.pii, &id, with_personal_data).await
    {
        Ok(user) => {
            if with_personal_data {
                tracing::info!(actor = %actor.subject, user_id = %user.id, "operator read a user's personal data");
            }
            HttpResponse::Ok().json(UserBody::from(user))
        }
        Err(err) => error(&err),
    }
}

/// A new user.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    /// The user's email address, unique.
    #[schema(format = "email", max_length = 254)]
    email: String,
    /// 1 to 200 characters without control characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    /// At least the configured minimum length (`passwords.min_length`).
    #[schema(value_type = String, format = Password)]
    password: SecretString,
}

/// A user's new name; `null` clears it.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RenameUserBody {
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
}

/// A user's state after being disabled or enabled.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserStateBody {
    id: String,
    is_disabled: bool,
    /// How many live sessions disabling ended (disable only).
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_sessions: Option<u64>,
}

/// How many sessions were ended.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RevokedSessionsBody {
    user_id: String,
    revoked_sessions: u64,
}

/// What deleting did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeletedUserBody {
    deleted: String,
    /// How many live sessions were ended.
    revoked_sessions: u64,
}

/// `user_error`, with an unknown user as 404.
fn error(err: &UserError) -> HttpResponse {
    match err {
        UserError::UnknownUser(_) => {
            admin_error(StatusCode::NOT_FOUND, "not_found", &err.to_string())
        }
        other => user_error(other),
    }
}

#[utoipa::path(
    post, path = "/api/users", tag = "users",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Created", body = UserBody),
        (status = 400, description = "Bad email, name or password", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 409, description = "The email is taken", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    body: web::Json<NewUserBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = body.into_inner();
    let email = match body.email.parse::<Email>() {
        Ok(email) => email,
        Err(err) => {
            return admin_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string())
        }
    };
    let new = NewUser {
        email,
        name: body.name,
        password: body.password,
    };
    match identity::create_user_record(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        &state.clock,
        new,
    )
    .await
    {
        Ok(user) => {
            tracing::info!(actor = %actor.subject, user_id = %user.id, "operator created a user");
            HttpResponse::Created().json(UserBody::from(user))
        }
        Err(err) => error(&err),
    }
}

#[utoipa::path(
    patch, path = "/api/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    request_body = RenameUserBody,
    responses(
        (status = 200, description = "Renamed", body = UserBody),
        (status = 400, description = "Bad name", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn rename(
    id: web::Path<String>,
    body: web::Json<RenameUserBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let now = state.clock.now();
    match identity::rename_user(&state.dbs, &state.pii, &id, body.name.as_deref(), now).await {
        Ok(user) => {
            tracing::info!(actor = %actor.subject, user_id = %user.id, "operator renamed a user");
            HttpResponse::Ok().json(UserBody::from(user))
        }
        Err(err) => error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/users/{id}/disable", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Disabled, and every live session ended", body = UserStateBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn disable(
    id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match identity::disable_user(&state.dbs, &id, state.clock.now()).await {
        Ok(ended) => {
            tracing::info!(actor = %actor.subject, user_id = %id, revoked_sessions = ended, "operator disabled a user");
            HttpResponse::Ok().json(UserStateBody {
                id: id.into_inner(),
                is_disabled: true,
                revoked_sessions: Some(ended),
            })
        }
        Err(err) => error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/users/{id}/enable", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Enabled", body = UserStateBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn enable(
    id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match identity::enable_user(&state.dbs, &id, state.clock.now()).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, user_id = %id, "operator enabled a user");
            HttpResponse::Ok().json(UserStateBody {
                id: id.into_inner(),
                is_disabled: false,
                revoked_sessions: None,
            })
        }
        Err(err) => error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/users/{id}/sessions/revoke", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Every live session ended", body = RevokedSessionsBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn revoke_sessions(
    id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match identity::revoke_user_sessions(&state.dbs, &id, state.clock.now()).await {
        Ok(ended) => {
            tracing::info!(actor = %actor.subject, user_id = %id, revoked_sessions = ended, "operator ended a user's sessions");
            HttpResponse::Ok().json(RevokedSessionsBody {
                user_id: id.into_inner(),
                revoked_sessions: ended,
            })
        }
        Err(err) => error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Deleted, and every live session ended", body = DeletedUserBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(
    id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match identity::delete_user(&state.dbs, &id, state.clock.now()).await {
        Ok(ended) => {
            tracing::info!(actor = %actor.subject, user_id = %id, revoked_sessions = ended, "operator deleted a user");
            HttpResponse::Ok().json(DeletedUserBody {
                deleted: id.into_inner(),
                revoked_sessions: ended,
            })
        }
        Err(err) => error(&err),
    }
}
