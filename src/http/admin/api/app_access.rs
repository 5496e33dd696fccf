//! `/api/apps/{client_id}/organization` and `/default-resource`: an app's place in the access
//! model. Both change what the app registry serves, so this instance reloads it at once.

use actix_web::{web, HttpResponse};

use super::{refresh_apps, ErrorBody};
use crate::access;
use crate::http::error::access_error;
use crate::state::AppState;

/// The organization an app belongs to.
#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct AppOrganizationBody {
    /// An organization's id, or `null` to take the app out of any; required.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    org_id: Option<String>,
}

/// The resource an app's tokens are for when a request names none.
#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct DefaultResourceBody {
    /// A registered resource's identifier (the `aud`), or `null` to clear it; required.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 2048,
        pattern = r#"^(?:[Hh][Tt][Tt][Pp][Ss]?:[!"$-~]*|urn:[A-Za-z0-9][A-Za-z0-9-]{1,31}:[!"$-~]+)$"#,
        example = "https://api.example.com"
    )]
    resource: Option<String>,
}

#[utoipa::path(
    put, path = "/api/apps/{client_id}/organization", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = AppOrganizationBody,
    responses(
        (status = 200, description = "Moved", body = AppOrganizationBody),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app or organization", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn organization(
    client_id: web::Path<String>,
    body: web::Json<AppOrganizationBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let org_id = body.org_id.as_deref();
    match access::assign_app_to_org(&state.dbs.ops, &state.clock, &client_id, org_id).await {
        Ok(()) => {
            refresh_apps(&state).await;
            HttpResponse::Ok().json(body.into_inner())
        }
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    put, path = "/api/apps/{client_id}/default-resource", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = DefaultResourceBody,
    responses(
        (status = 200, description = "Set or cleared", body = DefaultResourceBody),
        (status = 400, description = "Not a valid resource identifier", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app, or no resource registered under this identifier", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn default_resource(
    client_id: web::Path<String>,
    body: web::Json<DefaultResourceBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let resource = body.resource.as_deref();
    match access::set_default_resource(&state.dbs.ops, &state.clock, &client_id, resource).await {
        Ok(()) => {
            refresh_apps(&state).await;
            HttpResponse::Ok().json(body.into_inner())
        }
        Err(err) => access_error(&err),
    }
}
