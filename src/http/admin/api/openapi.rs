//! `GET /openapi.json`: the admin API's OpenAPI 3 document, generated from the handlers'
//! annotations (utoipa), with unique operation ids and the links (OpenAPI 3.1 §4.8.20) from what
//! a request creates to the operations on it, which clients and schemathesis's stateful tests
//! follow.

use actix_web::HttpResponse;
use serde_json::{Map, Value};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::PathItem;
use utoipa::{Modify, OpenApi};

use super::{
    app_access, app_keys, apps, grants, keys, members, organizations, resources, roles, shares,
    users,
};
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
        super::mfa::reset,
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
        apps::list,
        apps::create,
        apps::show,
        apps::update,
        apps::delete,
        app_keys::list,
        app_keys::create,
        app_keys::rotate,
        app_keys::revoke,
        resources::list,
        resources::create,
        resources::show,
        resources::update,
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
    modifiers(&SecuritySchemes, &OperationIds),
    tags(
        (name = "users", description = "Users (personal data for the user and admin roles only)"),
        (name = "organizations", description = "Organizations and their members"),
        (name = "apps", description = "Apps (OAuth clients), their secret keys, organizations, default resources and shares"),
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

/// The document: utoipa's, with [`LINKS`] added.
fn openapi_json() -> Result<String, serde_json::Error> {
    let mut doc = serde_json::to_value(AdminApi::openapi())?;
    add_links(&mut doc);
    serde_json::to_string(&doc)
}

pub async fn document() -> HttpResponse {
    match openapi_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(err) => admin_server_error(&err),
    }
}

/// The operations of a path item, by lowercase method.
fn operations(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 5] {
    [
        ("get", &mut item.get),
        ("post", &mut item.post),
        ("put", &mut item.put),
        ("patch", &mut item.patch),
        ("delete", &mut item.delete),
    ]
}

/// `{method}_{path}` with every run of non-alphanumeric characters as one `_`, e.g.
/// `get_api_apps_client_id_keys`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for word in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        id.push('_');
        id.push_str(word);
    }
    id
}

/// utoipa names an operation after its handler (`list`, `create`, ...), which repeats across
/// modules; operation ids must be unique (OpenAPI 3.1 §4.8.10), and links name them.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                if let Some(operation) = operation {
                    operation.operation_id = Some(operation_id(method, path));
                }
            }
        }
    }
}

/// A link from a response to an operation on what it created: (from method, from path, status,
/// link name, to method, to path, parameters as runtime expressions).
type LinkRule = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const USER_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const ORG_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const MEMBER: &[(&str, &str)] = &[
    ("id", "$request.path.id"),
    ("user_id", "$request.path.user_id"),
];
const RESOURCE_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const RIGHT_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const ROLE_RIGHT_OF_RIGHT: &[(&str, &str)] = &[("right_id", "$response.body#/id")];
const ROLE_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const ROLE_RIGHT: &[(&str, &str)] = &[
    ("id", "$request.path.id"),
    ("right_id", "$request.path.right_id"),
];
const GRANT_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const CLIENT_ID: &[(&str, &str)] = &[("client_id", "$response.body#/client_id")];
const KEY: &[(&str, &str)] = &[
    ("client_id", "$request.path.client_id"),
    ("key_id", "$response.body#/key_id"),
];
const KEYS_OF: &[(&str, &str)] = &[("client_id", "$request.path.client_id")];
const ROTATED_KEY: &[(&str, &str)] = &[
    ("client_id", "$request.path.client_id"),
    ("key_id", "$request.path.key_id"),
];

#[rustfmt::skip]
const LINKS: &[LinkRule] = &[
    ("post", "/api/users", "201", "GetUser", "get", "/api/users/{id}", USER_ID),
    ("post", "/api/users", "201", "RenameUser", "patch", "/api/users/{id}", USER_ID),
    ("post", "/api/users", "201", "DisableUser", "post", "/api/users/{id}/disable", USER_ID),
    ("post", "/api/users", "201", "EnableUser", "post", "/api/users/{id}/enable", USER_ID),
    ("post", "/api/users", "201", "RevokeUserSessions", "post", "/api/users/{id}/sessions/revoke", USER_ID),
    ("post", "/api/users", "201", "ResetUserMfa", "post", "/api/users/{id}/mfa/reset", USER_ID),
    ("post", "/api/users", "201", "DeleteUser", "delete", "/api/users/{id}", USER_ID),
    ("post", "/api/organizations", "201", "GetOrganization", "get", "/api/organizations/{id}", ORG_ID),
    ("post", "/api/organizations", "201", "RenameOrganization", "patch", "/api/organizations/{id}", ORG_ID),
    ("post", "/api/organizations", "201", "DeleteOrganization", "delete", "/api/organizations/{id}", ORG_ID),
    ("post", "/api/organizations", "201", "ListMembers", "get", "/api/organizations/{id}/members", ORG_ID),
    ("post", "/api/organizations", "201", "PutMember", "put", "/api/organizations/{id}/members/{user_id}", ORG_ID),
    ("post", "/api/organizations", "201", "RemoveMember", "delete", "/api/organizations/{id}/members/{user_id}", ORG_ID),
    ("put", "/api/organizations/{id}/members/{user_id}", "201", "RemoveMember", "delete", "/api/organizations/{id}/members/{user_id}", MEMBER),
    ("put", "/api/organizations/{id}/members/{user_id}", "201", "ChangeMember", "put", "/api/organizations/{id}/members/{user_id}", MEMBER),
    ("post", "/api/resources", "201", "GetResource", "get", "/api/resources/{id}", RESOURCE_ID),
    ("post", "/api/resources", "201", "ChangeResource", "patch", "/api/resources/{id}", RESOURCE_ID),
    ("post", "/api/resources", "201", "DeleteResource", "delete", "/api/resources/{id}", RESOURCE_ID),
    ("post", "/api/resources", "201", "ListRights", "get", "/api/resources/{id}/rights", RESOURCE_ID),
    ("post", "/api/resources", "201", "AddRight", "post", "/api/resources/{id}/rights", RESOURCE_ID),
    ("post", "/api/resources", "201", "ListRoles", "get", "/api/resources/{id}/roles", RESOURCE_ID),
    ("post", "/api/resources", "201", "CreateRole", "post", "/api/resources/{id}/roles", RESOURCE_ID),
    ("post", "/api/resources/{id}/rights", "201", "DeleteRight", "delete", "/api/rights/{id}", RIGHT_ID),
    ("post", "/api/resources/{id}/rights", "201", "PutRoleRight", "put", "/api/roles/{id}/rights/{right_id}", ROLE_RIGHT_OF_RIGHT),
    ("post", "/api/resources/{id}/roles", "201", "DeleteRole", "delete", "/api/roles/{id}", ROLE_ID),
    ("post", "/api/resources/{id}/roles", "201", "ListRoleRights", "get", "/api/roles/{id}/rights", ROLE_ID),
    ("post", "/api/resources/{id}/roles", "201", "PutRoleRight", "put", "/api/roles/{id}/rights/{right_id}", ROLE_ID),
    ("post", "/api/resources/{id}/roles", "201", "RemoveRoleRight", "delete", "/api/roles/{id}/rights/{right_id}", ROLE_ID),
    ("post", "/api/resources/{id}/roles", "201", "ListGrants", "get", "/api/roles/{id}/grants", ROLE_ID),
    ("post", "/api/resources/{id}/roles", "201", "Grant", "post", "/api/roles/{id}/grants", ROLE_ID),
    ("put", "/api/roles/{id}/rights/{right_id}", "201", "RemoveRoleRight", "delete", "/api/roles/{id}/rights/{right_id}", ROLE_RIGHT),
    ("post", "/api/roles/{id}/grants", "201", "RevokeGrant", "delete", "/api/grants/{id}", GRANT_ID),
    ("post", "/api/apps", "201", "GetApp", "get", "/api/apps/{client_id}", CLIENT_ID),
    ("post", "/api/apps", "201", "ChangeApp", "patch", "/api/apps/{client_id}", CLIENT_ID),
    ("post", "/api/apps", "201", "DeleteApp", "delete", "/api/apps/{client_id}", CLIENT_ID),
    ("post", "/api/apps", "201", "ListKeys", "get", "/api/apps/{client_id}/keys", CLIENT_ID),
    ("post", "/api/apps", "201", "CreateKey", "post", "/api/apps/{client_id}/keys", CLIENT_ID),
    ("post", "/api/apps", "201", "ListShares", "get", "/api/apps/{client_id}/shares", CLIENT_ID),
    ("post", "/api/apps", "201", "PutShare", "put", "/api/apps/{client_id}/shares/{user_id}", CLIENT_ID),
    ("post", "/api/apps", "201", "RemoveShare", "delete", "/api/apps/{client_id}/shares/{user_id}", CLIENT_ID),
    ("post", "/api/apps", "201", "SetOrganization", "put", "/api/apps/{client_id}/organization", CLIENT_ID),
    ("post", "/api/apps", "201", "SetDefaultResource", "put", "/api/apps/{client_id}/default-resource", CLIENT_ID),
    ("post", "/api/apps/{client_id}/keys", "201", "RotateKey", "post", "/api/apps/{client_id}/keys/{key_id}/rotate", KEY),
    ("post", "/api/apps/{client_id}/keys", "201", "RevokeKey", "post", "/api/apps/{client_id}/keys/{key_id}/revoke", KEY),
    ("post", "/api/apps/{client_id}/keys", "201", "ListKeys", "get", "/api/apps/{client_id}/keys", KEYS_OF),
    ("post", "/api/apps/{client_id}/keys/{key_id}/rotate", "201", "RevokeNewKey", "post", "/api/apps/{client_id}/keys/{key_id}/revoke", KEY),
    ("post", "/api/apps/{client_id}/keys/{key_id}/rotate", "201", "RevokeRotatedKey", "post", "/api/apps/{client_id}/keys/{key_id}/revoke", ROTATED_KEY),
];

/// Adds [`LINKS`] to the responses they start from; a link whose ends are not both in the
/// document (a route not built into this version) is left out. Done on the JSON: utoipa 5.5
/// writes a link's `operationId` as `operation_id`, which OpenAPI does not know.
fn add_links(doc: &mut Value) {
    let has_operation =
        |doc: &Value, method: &str, path: &str| doc["paths"][path][method].is_object();
    for &(from_method, from_path, status, name, to_method, to_path, parameters) in LINKS {
        if !has_operation(doc, to_method, to_path) {
            continue;
        }
        let Some(response) = doc
            .pointer_mut(&format!(
                "/paths/{}/{from_method}/responses/{status}",
                from_path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let parameters: Map<String, Value> = parameters
            .iter()
            .map(|(name, expression)| ((*name).to_owned(), Value::from(*expression)))
            .collect();
        let link = serde_json::json!({
            "operationId": operation_id(to_method, to_path),
            "parameters": parameters,
        });
        if let Some(links) = response
            .entry("links")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
        {
            links.insert(name.to_owned(), link);
        }
    }
}
