//! `GET /openapi.json`: the admin API's OpenAPI 3 document, generated from the handlers'
//! annotations (utoipa).

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{app_access, grants, keys, members, organizations, resources, roles, shares, users};
use crate::http::admin::auth::SESSION_COOKIE;
use crate::http::error::admin_server_error;

/// The document's description of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera admin API",
        description = "The admin listener's REST API. Every route needs an operator: a bearer \
            access token from the client credentials grant with the tessera:admin scope, issued \
            to an app that is an operator, or an admin console session. Console requests that \
            change something must send X-Requested-With."
    ),
    paths(
        users::list,
        users::create,
        users::show,
        users::rename,
        users::disable,
        users::enable,
        users::revoke_sessions,
        users::delete,
        organizations::list,
        organizations::create,
        organizations::show,
        organizations::rename,
        organizations::delete,
        members::list,
        members::put,
        members::remove,
        app_access::organization,
        app_access::default_resource,
        shares::list,
        shares::put,
        shares::remove,
        resources::list,
        resources::create,
        resources::show,
        resources::delete,
        resources::list_rights,
        resources::add_right,
        resources::delete_right,
        roles::list,
        roles::create,
        roles::delete,
        roles::list_rights,
        roles::put_right,
        roles::remove_right,
        grants::list,
        grants::create,
        grants::delete,
        keys::list,
        keys::rotate,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "users", description = "Users (personal data for the user and admin roles only)"),
        (name = "organizations", description = "Organizations and their members"),
        (name = "apps", description = "Apps' organizations, default resources and shares"),
        (name = "resources", description = "Resources (APIs) and their catalogs of rights"),
        (name = "roles", description = "Roles bundling rights, and their grants to users and apps"),
        (name = "keys", description = "The signing key ring"),
    )
)]
pub struct AdminApi;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "console_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

pub async fn document() -> HttpResponse {
    match AdminApi::openapi().to_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(err) => admin_server_error(&err),
    }
}
