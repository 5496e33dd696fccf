//! `/api/resources` and their rights: the APIs tokens are issued for, and the catalog of
//! rights each offers. Registering either grants nothing to anybody. A resource may register the
//! public key its access tokens are encrypted to (`token_encryption_key`) and the app its
//! resource server introspects them as (`server_client_id`); a refused one is 422 naming the
//! field, with nothing changed.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::app_settings::present;
use super::ErrorBody;
use crate::access::{self, AccessError, Resource, ResourceChange, ResourceTokenSettings, Right};
use crate::http::admin::auth::Actor;
use crate::http::error::access_error;
use crate::state::AppState;

/// The public JWK a resource's access tokens are encrypted to: RSA (2048 to 4096 bits) with
/// `RSA-OAEP-256`, or EC P-256 with `ECDH-ES+A256KW`. Private members (`d`, `p`, `q`, `dp`,
/// `dq`, `qi`, `oth`, `k`) are refused; other members (`x5c`, `key_ops`, …) are not kept.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "kty": "EC",
    "alg": "ECDH-ES+A256KW",
    "use": "enc",
    "kid": "reports-2026",
    "crv": "P-256",
    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
}))]
pub struct PublicJwkBody {
    #[schema(pattern = "^(?:RSA|EC)$")]
    kty: String,
    /// `RSA-OAEP-256` for an RSA key, `ECDH-ES+A256KW` for an EC key.
    #[schema(pattern = r"^(?:RSA-OAEP-256|ECDH-ES\+A256KW)$")]
    alg: String,
    /// `enc` when given.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^enc$")]
    key_use: Option<String>,
    /// The `kid` of the tokens' JWE header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 128,
        pattern = "^[ -~]{1,128}$"
    )]
    kid: Option<String>,
    /// RSA: the modulus.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^[A-Za-z0-9_-]+$")]
    n: Option<String>,
    /// RSA: the public exponent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^[A-Za-z0-9_-]+$")]
    e: Option<String>,
    /// EC: `P-256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^P-256$")]
    crv: Option<String>,
    /// EC: the point's x coordinate (32 bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^[A-Za-z0-9_-]{43}$")]
    x: Option<String>,
    /// EC: the point's y coordinate (32 bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^[A-Za-z0-9_-]{43}$")]
    y: Option<String>,
}

impl PublicJwkBody {
    fn from_jwk(jwk: &serde_json::Map<String, Value>) -> Self {
        let member = |name: &str| jwk.get(name).and_then(Value::as_str).map(str::to_owned);
        Self {
            kty: member("kty").unwrap_or_default(),
            alg: member("alg").unwrap_or_default(),
            key_use: member("use"),
            kid: member("kid"),
            n: member("n"),
            e: member("e"),
            crv: member("crv"),
            x: member("x"),
            y: member("y"),
        }
    }
}

/// A registered resource.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResourceBody {
    id: String,
    /// The `aud` of its tokens.
    identifier: String,
    name: String,
    created_at: DateTime<Utc>,
    /// The public key its access tokens are encrypted to; `null`: they are signed only.
    #[schema(required = true)]
    token_encryption_key: Option<PublicJwkBody>,
    /// The app its resource server authenticates as: it may introspect the resource's access
    /// tokens, whichever app they were issued to; `null`: none.
    #[schema(required = true)]
    server_client_id: Option<String>,
}

impl From<Resource> for ResourceBody {
    fn from(r: Resource) -> Self {
        Self {
            token_encryption_key: r
                .token_encryption_key
                .as_ref()
                .map(|key| PublicJwkBody::from_jwk(key.jwk())),
            id: r.id,
            identifier: r.identifier,
            name: r.name,
            created_at: r.created_at,
            server_client_id: r.server_client_id,
        }
    }
}

/// Every resource, by identifier.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResourceListBody {
    resources: Vec<ResourceBody>,
}

/// A refused resource setting: [`ErrorBody`] with the field it is about.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResourceErrorBody {
    /// `invalid_request`.
    error: String,
    /// Starts with the field's name, e.g. `token_encryption_key: must be a public key; …`.
    error_description: String,
    /// `token_encryption_key` or `server_client_id`.
    #[schema(pattern = "^(?:token_encryption_key|server_client_id)$")]
    field: String,
}

/// A resource to register.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewResourceBody {
    /// An https URI, an http URI on a loopback host, or a `urn:<namespace>:<name>`; printable
    /// ASCII without a fragment, at most 2048 characters; unique; not the issuer (the `aud` of
    /// tokens without a resource). (The pattern does not check the host: http on a non-loopback
    /// host matches it and is refused.)
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
    /// The public key to encrypt its access tokens to; absent or `null`: signed only. A key
    /// that is not one of the two accepted kinds is 422.
    #[serde(default)]
    #[schema(value_type = Option<PublicJwkBody>)]
    token_encryption_key: Option<Value>,
    /// The client id of an existing confidential app (`client_secret_basic`,
    /// `client_secret_post` or `private_key_jwt`), which its resource server authenticates as
    /// to introspect the resource's tokens; absent or `null`: none. An unknown or public app is
    /// 422.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]{1,64}$")]
    server_client_id: Option<String>,
}

/// Changes to a resource: an absent field stays as it is, `null` clears the key or the
/// resource server's app. The identifier (the `aud` of tokens already issued) never changes.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "server_client_id": null }))]
pub struct ResourceChangesBody {
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed.
    #[serde(default)]
    #[schema(
        nullable = false,
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Reports API"
    )]
    name: Option<String>,
    /// A public key to encrypt the next access tokens to; `null`: sign them only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<PublicJwkBody>)]
    token_encryption_key: Option<Option<Value>>,
    /// The client id of an existing confidential app; `null`: no resource server introspects
    /// as any app.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64, pattern = "^[!-~]{1,64}$")]
    server_client_id: Option<Option<String>>,
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
        (status = 400, description = "Bad identifier (the issuer among them) or name", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 409, description = "The identifier is taken", body = ErrorBody),
        (status = 422, description = "A refused token encryption key, or a server app that is unknown or public (the body names the field); nothing was registered", body = ResourceErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    body: web::Json<NewResourceBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = body.into_inner();
    let settings = ResourceTokenSettings {
        token_encryption_key: body.token_encryption_key,
        server_client_id: body.server_client_id,
    };
    let registered = access::register_resource_at(
        &state.dbs.ops,
        &state.clock,
        &state.settings.issuer,
        &body.identifier,
        &body.name,
        settings,
    )
    .await;
    match registered {
        Ok(resource) => {
            tracing::info!(
                actor = %actor.subject,
                resource_id = %resource.id,
                is_encrypted = resource.token_encryption_key.is_some(),
                server_client_id = resource.server_client_id.as_deref().unwrap_or("-"),
                "operator registered a resource"
            );
            HttpResponse::Created().json(ResourceBody::from(resource))
        }
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
    patch, path = "/api/resources/{id}", tag = "resources",
    params(("id" = String, Path, description = "The resource's id")),
    request_body = ResourceChangesBody,
    responses(
        (status = 200, description = "Changed; the resource as saved. A new key applies from the next token", body = ResourceBody),
        (status = 400, description = "Bad name, or a field that cannot be changed", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such resource", body = ErrorBody),
        (status = 422, description = "A refused token encryption key, or a server app that is unknown or public (the body names the field); nothing was changed", body = ResourceErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn update(
    id: web::Path<String>,
    body: web::Json<ResourceChangesBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = body.into_inner();
    let change = ResourceChange {
        name: body.name,
        token_encryption_key: body.token_encryption_key,
        server_client_id: body.server_client_id,
    };
    match access::change_resource(&state.dbs.ops, &id, change).await {
        Ok(resource) => {
            tracing::info!(
                actor = %actor.subject,
                resource_id = %resource.id,
                is_encrypted = resource.token_encryption_key.is_some(),
                server_client_id = resource.server_client_id.as_deref().unwrap_or("-"),
                "operator changed a resource"
            );
            HttpResponse::Ok().json(ResourceBody::from(resource))
        }
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
