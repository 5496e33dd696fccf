//! `/api/organizations`: list, create, show, rename and delete organizations.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::{refresh_apps, ErrorBody};
use crate::access::{self, AccessError, Organization};
use crate::http::error::{access_error, admin_error};
use crate::state::AppState;

/// An organization.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OrganizationBody {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationBody {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id,
            name: o.name,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// Every organization.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OrganizationListBody {
    organizations: Vec<OrganizationBody>,
}

/// A new organization.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewOrganizationBody {
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed; unique.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Acme"
    )]
    name: String,
    /// A user id (1 to 64 printable ASCII characters) that becomes the organization's first
    /// admin member.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]{1,64}$")]
    first_admin: Option<String>,
}

/// An organization's new name.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RenameBody {
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed; unique.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Acme"
    )]
    name: String,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Detach the organization's apps instead of refusing while it owns some.
    force: Option<bool>,
}

/// What deleting did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeletedBody {
    deleted: String,
    /// How many apps were detached from it.
    detached_apps: u64,
}

#[utoipa::path(
    get, path = "/api/organizations", tag = "organizations",
    responses(
        (status = 200, description = "Every organization, by name", body = OrganizationListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    match access::list_orgs(&state.dbs.ops).await {
        Ok(orgs) => HttpResponse::Ok().json(OrganizationListBody {
            organizations: orgs.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/organizations", tag = "organizations",
    request_body = NewOrganizationBody,
    responses(
        (status = 201, description = "Created", body = OrganizationBody),
        (status = 400, description = "Bad name or user id", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such user (first_admin)", body = ErrorBody),
        (status = 409, description = "The name is taken, or the user (first_admin) is disabled", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    body: web::Json<NewOrganizationBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let created = access::create_org_with_admin(
        &state.dbs,
        &state.clock,
        &body.name,
        body.first_admin.as_deref(),
    )
    .await;
    match created {
        Ok(org) => HttpResponse::Created().json(OrganizationBody::from(org)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    get, path = "/api/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "The organization's id")),
    responses(
        (status = 200, description = "The organization", body = OrganizationBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn show(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::find_org(&state.dbs.ops, &id).await {
        Ok(Some(org)) => HttpResponse::Ok().json(OrganizationBody::from(org)),
        Ok(None) => access_error(&AccessError::UnknownOrg(id.into_inner())),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    patch, path = "/api/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "The organization's id")),
    request_body = RenameBody,
    responses(
        (status = 200, description = "Renamed", body = OrganizationBody),
        (status = 400, description = "Bad name", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn rename(
    id: web::Path<String>,
    body: web::Json<RenameBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match access::rename_org(&state.dbs.ops, &state.clock, &id, &body.name).await {
        Ok(org) => HttpResponse::Ok().json(OrganizationBody::from(org)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "The organization's id"), DeleteQuery),
    responses(
        (status = 200, description = "Deleted", body = DeletedBody),
        (status = 400, description = "A malformed query (force is true or false)", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 409, description = "It still owns apps (use force)", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(
    id: web::Path<String>,
    query: web::Query<DeleteQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let force = query.force.unwrap_or(false);
    match access::delete_org(&state.dbs.ops, &state.clock, &id, force).await {
        Ok(detached) => {
            if detached > 0 {
                refresh_apps(&state).await;
            }
            HttpResponse::Ok().json(DeletedBody {
                deleted: id.into_inner(),
                detached_apps: detached,
            })
        }
        Err(err) => access_error(&err),
    }
}

/// A JSON body that does not parse: 400 in our error shape.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> actix_web::Error {
    let res = admin_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string());
    actix_web::error::InternalError::from_response(err, res).into()
}
