//! `/api/apps`: apps (OAuth clients) with paging and search, register, show, change, delete.
//! Settings go through the same checks as `tessera client create|update` and the developer
//! dashboard (`NewApp::validate`); a confidential app's first secret is in the 201 response only.
//! Every change reloads this instance's app registry, so the token endpoint sees it at once.

use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::app_settings::{AppChangesBody, NewAppBody};
use super::{refresh_apps, ErrorBody};
use crate::apps::{self, AppRemoval, AppSummary, CreatedApp};
use crate::http::admin::auth::Actor;
use crate::http::error::app_error;
use crate::state::AppState;

/// An error about an app: [`ErrorBody`] and, for bad settings, the field it is about.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AppErrorBody {
    /// `not_found`, `invalid_request`, `conflict`, `server_error` (or those of [`ErrorBody`]).
    error: String,
    error_description: String,
    /// The setting the error is about, e.g. `redirect_uris`.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppsQuery {
    /// Page number, 1 to 1,000,000 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Apps per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u64>,
    /// Part of an app's name, or the beginning of its client id (ignoring case); at most 200
    /// characters without control characters.
    #[param(max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    q: Option<String>,
}

/// An app's settings as stored (never a secret).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AppBody {
    client_id: String,
    name: String,
    /// `client_secret_basic`, `private_key_jwt` or `none` (a public app).
    token_endpoint_auth_method: String,
    is_public: bool,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    redirect_uri_prefixes: Vec<String>,
    post_logout_redirect_uri_prefixes: Vec<String>,
    grant_types: Vec<String>,
    scopes: Vec<String>,
    /// The registered JWK Set (public keys), if any.
    #[schema(value_type = Option<Object>)]
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    id_token_alg: Option<String>,
    allowed_origins: Vec<String>,
    allowed_ips: Vec<String>,
    is_server_only: bool,
    require_pkce: bool,
    /// Seconds; `null`: the configured default.
    access_token_ttl_secs: Option<u64>,
    id_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
    is_first_party: bool,
    logo_uri: Option<String>,
    /// The developer who created it on the dashboard; `null` for apps created by an operator.
    owner_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn secs(d: Option<Duration>) -> Option<u64> {
    d.map(|d| d.as_secs())
}

impl From<AppSummary> for AppBody {
    fn from(a: AppSummary) -> Self {
        let s = a.settings;
        Self {
            client_id: a.client_id,
            name: s.name,
            token_endpoint_auth_method: a.token_endpoint_auth_method,
            is_public: s.is_public,
            redirect_uris: s.redirect_uris,
            post_logout_redirect_uris: s.post_logout_redirect_uris,
            redirect_uri_prefixes: s.redirect_uri_prefixes,
            post_logout_redirect_uri_prefixes: s.post_logout_redirect_uri_prefixes,
            grant_types: s.grant_types,
            scopes: s.scopes,
            jwks: s.jwks,
            jwks_uri: s.jwks_uri,
            id_token_alg: s.id_token_alg,
            allowed_origins: s.allowed_origins,
            allowed_ips: s.allowed_ips,
            is_server_only: s.is_server_only,
            require_pkce: s.require_pkce.unwrap_or(true),
            access_token_ttl_secs: secs(s.access_token_ttl),
            id_token_ttl_secs: secs(s.id_token_ttl),
            refresh_token_ttl_secs: secs(s.refresh_token_ttl),
            is_first_party: s.is_first_party,
            logo_uri: s.logo_uri,
            owner_id: a.owner_id,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// One page of apps, oldest first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AppPageBody {
    apps: Vec<AppBody>,
    page: u64,
    per_page: u64,
    /// How many apps match in all.
    total: u64,
}

/// A registered app; `client_secret` is shown this once (confidential apps only).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedAppBody {
    client_id: String,
    /// Only for `client_secret_basic` apps; never retrievable again.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    token_endpoint_auth_method: String,
    name: String,
    is_public: bool,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    scopes: Vec<String>,
}

impl From<CreatedApp> for CreatedAppBody {
    fn from(c: CreatedApp) -> Self {
        Self {
            client_secret: c.client_secret.map(|s| s.expose_secret().to_owned()),
            client_id: c.client_id,
            token_endpoint_auth_method: c.token_endpoint_auth_method,
            name: c.name,
            is_public: c.is_public,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            grant_types: c.grant_types,
            scopes: c.scopes,
        }
    }
}

/// What deleting an app did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeletedAppBody {
    deleted: String,
    /// Refresh tokens that could still have been used, revoked with the access tokens of their
    /// grants.
    revoked_refresh_tokens: u64,
    /// Authorization codes not yet redeemed, revoked.
    revoked_authorization_codes: u64,
    deleted_keys: u64,
    deleted_shares: u64,
    deleted_role_grants: u64,
    deleted_consents: u64,
}

#[utoipa::path(
    get, path = "/api/apps", tag = "apps",
    params(AppsQuery),
    responses(
        (status = 200, description = "A page of apps, oldest first", body = AppPageBody),
        (status = 400, description = "Bad paging or search", body = AppErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(query: web::Query<AppsQuery>, state: web::Data<AppState>) -> HttpResponse {
    let page = apps::find_apps_page(
        &state.dbs.ops,
        query.q.as_deref(),
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(50),
    )
    .await;
    match page {
        Ok(page) => HttpResponse::Ok().json(AppPageBody {
            apps: page.apps.into_iter().map(Into::into).collect(),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
        }),
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/apps", tag = "apps",
    request_body = NewAppBody,
    responses(
        (status = 201, description = "Registered; a confidential app's secret is shown this once (never cached)",
            body = CreatedAppBody,
            headers(("Location" = String, description = "The app's URL"))),
        (status = 400, description = "Bad settings (the body names the field)", body = AppErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    body: web::Json<NewAppBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let new = body.into_inner().into_new_app();
    let algs = &state.settings.keys.algorithms;
    match apps::register_app(&state.dbs.ops, &state.clock, new, algs).await {
        Ok(created) => {
            refresh_apps(&state).await;
            tracing::info!(actor = %actor.subject, client_id = %created.client_id, "operator registered an app");
            HttpResponse::Created()
                .insert_header((CACHE_CONTROL, "no-store"))
                .insert_header((LOCATION, format!("/api/apps/{}", created.client_id)))
                .json(CreatedAppBody::from(created))
        }
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    get, path = "/api/apps/{client_id}", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "The app", body = AppBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such app", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn show(client_id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match apps::find_app(&state.dbs.ops, &client_id).await {
        Ok(Some(app)) => HttpResponse::Ok().json(AppBody::from(app)),
        Ok(None) => app_error(&apps::AppError::UnknownApp(client_id.into_inner())),
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    patch, path = "/api/apps/{client_id}", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = AppChangesBody,
    responses(
        (status = 200, description = "Changed; the app as saved", body = AppBody),
        (status = 400, description = "Bad settings (the body names the field); nothing was changed", body = AppErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn update(
    client_id: web::Path<String>,
    body: web::Json<AppChangesBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let changes = body.into_inner();
    let algs = &state.settings.keys.algorithms;
    let changed = apps::change_app(&state.dbs.ops, &state.clock, &client_id, algs, |current| {
        changes.apply(current)
    })
    .await;
    match changed {
        Ok(app) => {
            refresh_apps(&state).await;
            tracing::info!(actor = %actor.subject, client_id = %app.client_id, "operator changed an app");
            HttpResponse::Ok().json(AppBody::from(app))
        }
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/apps/{client_id}", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "Deleted with its keys, shares, grants and consents; its tokens and codes revoked", body = DeletedAppBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app", body = AppErrorBody),
        (status = 409, description = "The app is an operator of the admin API; nothing was changed", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(
    client_id: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match apps::delete_app(&state.dbs.ops, &state.clock, &client_id).await {
        Ok(removed) => {
            refresh_apps(&state).await;
            tracing::info!(actor = %actor.subject, client_id = %client_id, revoked_refresh_tokens = removed.revoked_refresh_tokens, "operator deleted an app");
            let AppRemoval {
                revoked_refresh_tokens,
                revoked_codes,
                deleted_keys,
                deleted_shares,
                deleted_role_grants,
                deleted_consents,
            } = removed;
            HttpResponse::Ok().json(DeletedAppBody {
                deleted: client_id.into_inner(),
                revoked_refresh_tokens,
                revoked_authorization_codes: revoked_codes,
                deleted_keys,
                deleted_shares,
                deleted_role_grants,
                deleted_consents,
            })
        }
        Err(err) => app_error(&err),
    }
}
