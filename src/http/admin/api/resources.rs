//! `/api/resources` and their rights: the APIs tokens are issued for, and the catalog of
//! rights each offers. Registering either grants nothing to anybody.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::ErrorBody;
use crate::access::{self, AccessError, Resource, Right};
use crate::http::error::access_error;
use crate::state::AppState;

/// A registered resource.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResourceBody {
    id: String,
    /// The `aud` of its tokens.
    identifier: String,
    name: String,
    created_at: DateTime<Utc>,
}

impl From<Resource> for ResourceBody {
    fn from(r: Resource) -> Self {
        Self {
            id: r.id,
            identifier: r.identifier,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

/// Every resource, by identifier.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResourceListBody {
    resources: Vec<ResourceBody>,
}

/// A resource to register.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewResourceBody {
    /// An https URI, an http URI on a loopback host, or a `urn:<namespace>:<name>`; printable
    /// ASCII without a fragment, at most 2048 characters; unique. (The pattern does not check
    /// the host: http on a non-loopback host matches it and is refused.)
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = r#"^(?:[Hh][Tt][Tt][Pp][Ss]?:[!"$-~]*|urn:[A-Za-z0-9][A-Za-z0-9-]{1,31}:[!"$-~]+)$"#,
        example = "https://api.example.com"
    )]
    identifier: String,
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Reports API"
    )]
    name: String,
}

/// A right of a resource's catalog.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RightBody {
    id: String,
    resource_id: String,
    name: String,
    description: String,
    /// The parameters a role may constrain this right by.
    parameters: Vec<String>,
}

impl From<Right> for RightBody {
    fn from(r: Right) -> Self {
        Self {
            id: r.id,
            resource_id: r.resource_id,
            name: r.name,
            description: r.description,
            parameters: r.parameters.into_iter().collect(),
        }
    }
}

/// A resource's rights, by name.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RightListBody {
    rights: Vec<RightBody>,
}

/// A parameter a right may be constrained by: a plain string, validated by the domain.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "region")]
pub struct ParameterNameText(String);

/// A right to add to a resource's catalog.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewRightBody {
    /// Unique in the resource.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9][a-z0-9_.:-]{0,99}$",
        example = "reports:read"
    )]
    name: String,
    /// At most 1000 characters once leading and trailing whitespace is trimmed; line breaks
    /// and tabs are the only control characters allowed.
    #[serde(default)]
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,998}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    description: String,
    /// Names (`[a-z][a-z0-9_]{0,63}`) a role may constrain the right by.
    #[serde(default)]
    #[schema(example = json!(["region"]))]
    parameters: Vec<ParameterNameText>,
}

#[utoipa::path(
    get, path = "/api/resources", tag = "resources",
    responses(
        (status = 200, description = "Every resource, by identifier", body = ResourceListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    match access::list_resources(&state.dbs.ops).await {
        Ok(resources) => HttpResponse::Ok().json(ResourceListBody {
            resources: resources.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/resources", tag = "resources",
    request_body = NewResourceBody,
    responses(
        (status = 201, description = "Registered", body = ResourceBody),
        (status = 400, description = "Bad identifier or name", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 409, description = "The identifier is taken", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(body: web::Json<NewResourceBody>, state: web::Data<AppState>) -> HttpResponse {
    let registered =
        access::register_resource(&state.dbs.ops, &state.clock, &body.identifier, &body.name).await;
    match registered {
        Ok(resource) => HttpResponse::Created().json(ResourceBody::from(resource)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    get, path = "/api/resources/{id}", tag = "resources",
    params(("id" = String, Path, description = "The resource's id")),
    responses(
        (status = 200, description = "The resource", body = ResourceBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn show(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::find_resource(&state.dbs.ops, &id).await {
        Ok(Some(resource)) => HttpResponse::Ok().json(ResourceBody::from(resource)),
        Ok(None) => access_error(&AccessError::UnknownResource(id.into_inner())),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/resources/{id}", tag = "resources",
    params(("id" = String, Path, description = "The resource's id")),
    responses(
        (status = 204, description = "Deleted, with its rights, roles and grants"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::delete_resource(&state.dbs.ops, &id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    get, path = "/api/resources/{id}/rights", tag = "resources",
    params(("id" = String, Path, description = "The resource's id")),
    responses(
        (status = 200, description = "The resource's rights, by name", body = RightListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list_rights(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::list_rights(&state.dbs.ops, &id).await {
        Ok(rights) => HttpResponse::Ok().json(RightListBody {
            rights: rights.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/resources/{id}/rights", tag = "resources",
    params(("id" = String, Path, description = "The resource's id")),
    request_body = NewRightBody,
    responses(
        (status = 201, description = "Added to the catalog", body = RightBody),
        (status = 400, description = "Bad name, description or parameter", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
        (status = 409, description = "The resource has a right of this name", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn add_right(
    id: web::Path<String>,
    body: web::Json<NewRightBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = body.into_inner();
    let parameters: Vec<String> = body.parameters.into_iter().map(|p| p.0).collect();
    let added = access::add_right(
        &state.dbs.ops,
        &id,
        &body.name,
        &body.description,
        &parameters,
    )
    .await;
    match added {
        Ok(right) => HttpResponse::Created().json(RightBody::from(right)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/rights/{id}", tag = "resources",
    params(("id" = String, Path, description = "The right's id")),
    responses(
        (status = 204, description = "Deleted, and taken out of every role"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such right", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete_right(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::delete_right(&state.dbs.ops, &id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}
