//! `/api/resources/{id}/roles` and `/api/roles`: a resource's roles and the rights each
//! bundles, with the role's constraints on the rights' parameters.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{web, HttpResponse};

use super::ErrorBody;
use crate::access::{self, Role, RoleRight};
use crate::http::error::access_error;
use crate::state::AppState;

/// A role of a resource.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoleBody {
    id: String,
    resource_id: String,
    name: String,
    description: String,
}

impl From<Role> for RoleBody {
    fn from(r: Role) -> Self {
        Self {
            id: r.id,
            resource_id: r.resource_id,
            name: r.name,
            description: r.description,
        }
    }
}

/// A resource's roles, by name.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoleListBody {
    roles: Vec<RoleBody>,
}

/// A role to create.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewRoleBody {
    /// Unique in the resource.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9][a-z0-9_.:-]{0,99}$",
        example = "analyst"
    )]
    name: String,
    /// At most 1000 characters once leading and trailing whitespace is trimmed; line breaks
    /// and tabs are the only control characters allowed.
    #[serde(default)]
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,998}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    description: String,
}

/// A right in a role, with the role's constraints on its parameters.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoleRightBody {
    right_id: String,
    /// The right's name.
    right: String,
    /// Parameter -> the values allowed; a parameter not listed is unconstrained.
    #[schema(example = json!({"region": ["eu"]}))]
    constraints: BTreeMap<String, BTreeSet<String>>,
}

impl From<RoleRight> for RoleRightBody {
    fn from(r: RoleRight) -> Self {
        Self {
            right_id: r.right_id,
            right: r.right,
            constraints: r.constraints,
        }
    }
}

/// The rights in a role, by name.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoleRightListBody {
    rights: Vec<RoleRightBody>,
}

/// How a role constrains a right it holds.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RoleRightConstraintsBody {
    /// Parameter (one the right declares) -> 1 or more values allowed; `{}` or absent leaves
    /// the right unconstrained.
    #[serde(default)]
    #[schema(example = json!({"region": ["eu"]}))]
    constraints: BTreeMap<String, BTreeSet<String>>,
}

#[utoipa::path(
    get, path = "/api/resources/{id}/roles", tag = "roles",
    params(("id" = String, Path, description = "The resource's id")),
    responses(
        (status = 200, description = "The resource's roles, by name", body = RoleListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::list_roles(&state.dbs.ops, &id).await {
        Ok(roles) => HttpResponse::Ok().json(RoleListBody {
            roles: roles.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/resources/{id}/roles", tag = "roles",
    params(("id" = String, Path, description = "The resource's id")),
    request_body = NewRoleBody,
    responses(
        (status = 201, description = "Created, holding no right yet", body = RoleBody),
        (status = 400, description = "Bad name or description", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
        (status = 409, description = "The resource has a role of this name", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    id: web::Path<String>,
    body: web::Json<NewRoleBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match access::create_role(&state.dbs.ops, &id, &body.name, &body.description).await {
        Ok(role) => HttpResponse::Created().json(RoleBody::from(role)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/roles/{id}", tag = "roles",
    params(("id" = String, Path, description = "The role's id")),
    responses(
        (status = 204, description = "Deleted, with its grants"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such role", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::delete_role(&state.dbs.ops, &id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    get, path = "/api/roles/{id}/rights", tag = "roles",
    params(("id" = String, Path, description = "The role's id")),
    responses(
        (status = 200, description = "The rights in the role, by name", body = RoleRightListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such role", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list_rights(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::list_role_rights(&state.dbs.ops, &id).await {
        Ok(rights) => HttpResponse::Ok().json(RoleRightListBody {
            rights: rights.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    put, path = "/api/roles/{id}/rights/{right_id}", tag = "roles",
    params(
        ("id" = String, Path, description = "The role's id"),
        ("right_id" = String, Path, description = "The id of a right of the role's resource"),
    ),
    request_body = RoleRightConstraintsBody,
    responses(
        (status = 201, description = "The right is in the role", body = RoleRightBody),
        (status = 400, description = "A right of another resource, an undeclared parameter or a bad value", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such role or right", body = ErrorBody),
        (status = 409, description = "The right is already in the role (remove it to change its constraints)", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn put_right(
    path: web::Path<(String, String)>,
    body: web::Json<RoleRightConstraintsBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (role_id, right_id) = path.into_inner();
    let constraints = body.into_inner().constraints;
    match access::add_role_right(&state.dbs.ops, &role_id, &right_id, constraints).await {
        Ok(link) => HttpResponse::Created().json(RoleRightBody::from(link)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/roles/{id}/rights/{right_id}", tag = "roles",
    params(
        ("id" = String, Path, description = "The role's id"),
        ("right_id" = String, Path, description = "The right's id"),
    ),
    responses(
        (status = 204, description = "Taken out of the role"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such role, or the right is not in it", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn remove_right(
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (role_id, right_id) = path.into_inner();
    match access::remove_role_right(&state.dbs.ops, &role_id, &right_id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}
