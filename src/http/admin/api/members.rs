//! `/api/organizations/{id}/members`: an organization's members and their roles.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::ErrorBody;
use crate::access::{self, Member, OrgRole};
use crate::http::error::access_error;
use crate::state::AppState;

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Manages the members and every app of the organization.
    Admin,
    /// Modifies the apps shared with them for modify; reads those shared for read.
    User,
    /// Reads the apps shared with them, whatever the share says.
    Guest,
}

impl From<MemberRole> for OrgRole {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Admin => Self::Admin,
            MemberRole::User => Self::User,
            MemberRole::Guest => Self::Guest,
        }
    }
}

impl From<OrgRole> for MemberRole {
    fn from(role: OrgRole) -> Self {
        match role {
            OrgRole::Admin => Self::Admin,
            OrgRole::User => Self::User,
            OrgRole::Guest => Self::Guest,
        }
    }
}

/// A member of an organization.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MemberBody {
    org_id: String,
    user_id: String,
    role: MemberRole,
    created_at: DateTime<Utc>,
}

impl From<Member> for MemberBody {
    fn from(m: Member) -> Self {
        Self {
            org_id: m.org_id,
            user_id: m.user_id,
            role: m.role.into(),
            created_at: m.created_at,
        }
    }
}

/// An organization's members, oldest first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MemberListBody {
    members: Vec<MemberBody>,
}

/// A member's role.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct MemberRoleBody {
    #[schema(example = "user")]
    role: MemberRole,
}

#[utoipa::path(
    get, path = "/api/organizations/{id}/members", tag = "organizations",
    params(("id" = String, Path, description = "The organization's id")),
    responses(
        (status = 200, description = "The members, oldest first", body = MemberListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::list_members(&state.dbs.ops, &id).await {
        Ok(members) => HttpResponse::Ok().json(MemberListBody {
            members: members.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    put, path = "/api/organizations/{id}/members/{user_id}", tag = "organizations",
    params(
        ("id" = String, Path, description = "The organization's id"),
        ("user_id" = String, Path, description = "The user's id: 1 to 64 printable ASCII characters",
            min_length = 1, max_length = 64, pattern = "^[!-~]{1,64}$"),
    ),
    request_body = MemberRoleBody,
    responses(
        (status = 200, description = "The member's role was changed", body = MemberBody),
        (status = 201, description = "The user was added", body = MemberBody),
        (status = 400, description = "Bad role or user id", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such organization, or no such user", body = ErrorBody),
        (status = 409, description = "It would leave the organization without an admin, or the user is disabled", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn put(
    path: web::Path<(String, String)>,
    body: web::Json<MemberRoleBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (org_id, user_id) = path.into_inner();
    let role = OrgRole::from(body.role);
    match access::set_user_member(&state.dbs, &state.clock, &org_id, &user_id, role).await {
        Ok((member, true)) => HttpResponse::Created().json(MemberBody::from(member)),
        Ok((member, false)) => HttpResponse::Ok().json(MemberBody::from(member)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/organizations/{id}/members/{user_id}", tag = "organizations",
    params(
        ("id" = String, Path, description = "The organization's id"),
        ("user_id" = String, Path, description = "The user's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such organization or member", body = ErrorBody),
        (status = 409, description = "The last admin cannot be removed", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn remove(path: web::Path<(String, String)>, state: web::Data<AppState>) -> HttpResponse {
    let (org_id, user_id) = path.into_inner();
    match access::remove_member(&state.dbs.ops, &org_id, &user_id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}
