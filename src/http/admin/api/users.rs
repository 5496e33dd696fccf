//! `/api/users`: users with paging and search, create, rename, disable and enable, end their
//! sessions, delete. Email and name are personal data: only operators with the `user` or `admin`
//! role get them (and may search by email). Disabling ends the user's sessions, refresh tokens
//! and authorization codes; deleting also removes their memberships, shares, grants and
//! consents. Changes are logged with the operator (`actor`) until the audit log takes them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::ErrorBody;
use crate::http::admin::auth::Actor;
use crate::http::error::{admin_error, admin_server_error, user_error};
use crate::identity::{self, mfa, AccessEnded, Email, NewUser, UserError, UserRecord, UserSearch};
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
    /// Whether the user signs in with a second factor (two-step verification); in
    /// `GET /api/users/{id}` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    has_mfa: Option<bool>,
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
            has_mfa: None,
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
            let has_mfa = match mfa::has_mfa(&state.dbs.accounts, &user.id).await {
                Ok(has) => has,
                Err(err) => return admin_server_error(&err),
            };
            HttpResponse::Ok().json(UserBody {
                has_mfa: Some(has_mfa),
                ..UserBody::from(user)
            })
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
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed.
    #[serde(default)]
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Alice Doe"
    )]
    name: Option<String>,
    /// At least the configured minimum length (`passwords.min_length`, 8 by default) and at
    /// most 1024 bytes (the schema's bounds are the defaults').
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
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
    /// How many usable refresh tokens disabling revoked, with the access tokens of their grants
    /// (disable only).
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_refresh_tokens: Option<u64>,
    /// How many authorization codes not yet redeemed disabling revoked (disable only).
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_authorization_codes: Option<u64>,
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
    /// How many usable refresh tokens were revoked, with the access tokens of their grants.
    revoked_refresh_tokens: u64,
    /// How many authorization codes not yet redeemed were revoked.
    revoked_authorization_codes: u64,
    /// Organization memberships removed.
    removed_memberships: u64,
    /// App shares removed.
    removed_shares: u64,
    /// Role grants removed.
    removed_grants: u64,
    /// Consents to apps removed.
    removed_consents: u64,
    /// Organizations the user was the only admin of, now without one (a forced delete).
    organizations_without_admin: Vec<String>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteUserQuery {
    /// Delete the only admin of an organization too, leaving it without an admin.
    force: Option<bool>,
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
        (status = 200, description = "Disabled: every live session ended, refresh tokens and authorization codes revoked", body = UserStateBody),
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
    match identity::disable_user_access(&state.dbs, &id, state.clock.now()).await {
        Ok(AccessEnded {
            sessions,
            refresh_tokens,
            authorization_codes,
        }) => {
            tracing::info!(actor = %actor.subject, user_id = %id, revoked_sessions = sessions, revoked_refresh_tokens = refresh_tokens, "operator disabled a user");
            HttpResponse::Ok().json(UserStateBody {
                id: id.into_inner(),
                is_disabled: true,
                revoked_sessions: Some(sessions),
                revoked_refresh_tokens: Some(refresh_tokens),
                revoked_authorization_codes: Some(authorization_codes),
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
                revoked_refresh_tokens: None,
                revoked_authorization_codes: None,
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
    params(("id" = String, Path, description = "The user's id"), DeleteUserQuery),
    responses(
        (status = 200, description = "Deleted with their memberships, shares, grants and consents; sessions ended, refresh tokens and codes revoked", body = DeletedUserBody),
        (status = 400, description = "A malformed query (force is true or false)", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The user is the only admin of an organization (use force); nothing was changed", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(
    id: web::Path<String>,
    query: web::Query<DeleteUserQuery>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let force = query.force.unwrap_or(false);
    match identity::delete_user_data(&state.dbs, &id, force, state.clock.now()).await {
        Ok(deleted) => {
            tracing::info!(actor = %actor.subject, user_id = %id, revoked_sessions = deleted.ended.sessions, orgs_without_admin = deleted.orgs_without_admin.len(), "operator deleted a user");
            HttpResponse::Ok().json(DeletedUserBody {
                deleted: id.into_inner(),
                revoked_sessions: deleted.ended.sessions,
                revoked_refresh_tokens: deleted.ended.refresh_tokens,
                revoked_authorization_codes: deleted.ended.authorization_codes,
                removed_memberships: deleted.memberships,
                removed_shares: deleted.shares,
                removed_grants: deleted.grants,
                removed_consents: deleted.consents,
                organizations_without_admin: deleted.orgs_without_admin,
            })
        }
        Err(err) => error(&err),
    }
}
