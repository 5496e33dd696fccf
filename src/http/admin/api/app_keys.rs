//! `/api/apps/{client_id}/keys`: an app's secret keys, as `tessera client key list|create|
//! rotate|revoke` and the developer dashboard manage them. A new secret is in the 201 response
//! only (never cached, never logged); the registry is reloaded so it works at `/token` at once.

use std::time::Duration;

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::apps::AppErrorBody;
use super::{refresh_apps, ErrorBody};
use crate::apps::{self, AppError, CreatedKey, KeySummary, RegisteredApp};
use crate::http::admin::auth::Actor;
use crate::http::error::{admin_server_error, app_error};
use crate::state::AppState;

/// How long the old key stays valid when a rotation names no time (the CLI's default).
const DEFAULT_OLD_KEY_VALIDITY: chrono::Duration = chrono::Duration::days(1);

/// A key of an app (never its secret).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AppKeyBody {
    key_id: String,
    label: String,
    created_at: DateTime<Utc>,
    /// `null`: does not expire.
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    /// Recorded in batches, so up to a poll interval late.
    last_used_at: Option<DateTime<Utc>>,
}

impl From<KeySummary> for AppKeyBody {
    fn from(k: KeySummary) -> Self {
        Self {
            key_id: k.key_id,
            label: k.label,
            created_at: k.created_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
        }
    }
}

/// An app's keys, oldest first (none for public and `private_key_jwt` apps).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AppKeyListBody {
    keys: Vec<AppKeyBody>,
}

/// A key to add next to the app's others.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppKeyBody {
    /// 1 to 200 characters without control characters once leading and trailing whitespace
    /// is trimmed.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]{0,198}[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "ci"
    )]
    label: String,
    /// Seconds until the key expires, at most 100 years; absent: it does not expire.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3_153_600_000_u64, example = 7_776_000)]
    expires_in_secs: Option<u64>,
}

/// When the key being rotated stops working.
#[derive(serde::Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateAppKeyBody {
    /// Not in the past; now ends it at once. It never extends the key: one that expires sooner
    /// keeps its expiry. Absent: in one day.
    #[serde(default)]
    #[schema(example = "2030-01-01T00:00:00Z")]
    old_key_expires_at: Option<DateTime<Utc>>,
}

/// A new key; `client_secret` is shown this once.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedAppKeyBody {
    client_id: String,
    key_id: String,
    client_secret: String,
    expires_at: Option<DateTime<Utc>>,
    /// The key this one replaces (rotation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    rotated_key_id: Option<String>,
}

impl CreatedAppKeyBody {
    fn new(key: CreatedKey, rotated_key_id: Option<String>) -> Self {
        Self {
            client_secret: key.client_secret.expose_secret().to_owned(),
            client_id: key.client_id,
            key_id: key.key_id,
            expires_at: key.expires_at,
            rotated_key_id,
        }
    }
}

/// The app as the registry has it, or the response saying why not.
async fn registered(
    state: &AppState,
    client_id: &str,
) -> Result<std::sync::Arc<RegisteredApp>, HttpResponse> {
    match state.apps.find(client_id).await {
        Ok(Some(app)) => Ok(app),
        Ok(None) => Err(app_error(&AppError::UnknownApp(client_id.to_owned()))),
        Err(err) => Err(admin_server_error(&err)),
    }
}

/// 201 with a new secret, never cached; the registry is reloaded first so the key works.
async fn created(state: &AppState, body: CreatedAppKeyBody) -> HttpResponse {
    refresh_apps(state).await;
    HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body)
}

#[utoipa::path(
    get, path = "/api/apps/{client_id}/keys", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "The app's keys, oldest first", body = AppKeyListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such app", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(client_id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    let app = match registered(&state, &client_id).await {
        Ok(app) => app,
        Err(res) => return res,
    };
    match apps::list_keys(&state.dbs.ops, &app).await {
        Ok(keys) => HttpResponse::Ok().json(AppKeyListBody {
            keys: keys.into_iter().map(Into::into).collect(),
        }),
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/apps/{client_id}/keys", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = NewAppKeyBody,
    responses(
        (status = 201, description = "Added; the secret is shown this once (never cached)", body = CreatedAppKeyBody),
        (status = 400, description = "Bad label or expiry", body = AppErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app", body = AppErrorBody),
        (status = 409, description = "The app has no secrets: it is public or uses private_key_jwt", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    client_id: web::Path<String>,
    body: web::Json<NewAppKeyBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let app = match registered(&state, &client_id).await {
        Ok(app) => app,
        Err(res) => return res,
    };
    let ttl = body.expires_in_secs.map(Duration::from_secs);
    match apps::create_key(&state.dbs.ops, &state.clock, &app, &body.label, ttl).await {
        Ok(key) => {
            tracing::info!(actor = %actor.subject, client_id = %key.client_id, key_id = %key.key_id, "operator created an app key");
            created(&state, CreatedAppKeyBody::new(key, None)).await
        }
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/apps/{client_id}/keys/{key_id}/rotate", tag = "apps",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("key_id" = String, Path, description = "The key to replace: it stays valid until old_key_expires_at"),
    ),
    request_body = RotateAppKeyBody,
    responses(
        (status = 201, description = "A new key; the secret is shown this once (never cached)", body = CreatedAppKeyBody),
        (status = 400, description = "A time in the past", body = AppErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app, or no usable key of it with this id", body = AppErrorBody),
        (status = 409, description = "The app has no secrets: it is public or uses private_key_jwt", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn rotate(
    path: web::Path<(String, String)>,
    body: web::Json<RotateAppKeyBody>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, key_id) = path.into_inner();
    let app = match registered(&state, &client_id).await {
        Ok(app) => app,
        Err(res) => return res,
    };
    let old_until = body
        .old_key_expires_at
        .unwrap_or_else(|| state.clock.now() + DEFAULT_OLD_KEY_VALIDITY);
    match apps::rotate_key(&state.dbs.ops, &state.clock, &app, &key_id, old_until).await {
        Ok(key) => {
            tracing::info!(actor = %actor.subject, client_id = %key.client_id, key_id = %key.key_id, rotated_key_id = %key_id, "operator rotated an app key");
            created(&state, CreatedAppKeyBody::new(key, Some(key_id))).await
        }
        Err(err) => app_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/apps/{client_id}/keys/{key_id}/revoke", tag = "apps",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("key_id" = String, Path, description = "The key to revoke at once"),
    ),
    responses(
        (status = 204, description = "Revoked: it fails client authentication from now on"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the user operator role", body = ErrorBody),
        (status = 404, description = "No such app, or no usable key of it with this id", body = AppErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn revoke(
    path: web::Path<(String, String)>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, key_id) = path.into_inner();
    let app = match registered(&state, &client_id).await {
        Ok(app) => app,
        Err(res) => return res,
    };
    match apps::revoke_key(&state.dbs.ops, &state.clock, &app, &key_id).await {
        Ok(()) => {
            refresh_apps(&state).await;
            tracing::info!(actor = %actor.subject, client_id = %client_id, key_id = %key_id, "operator revoked an app key");
            HttpResponse::NoContent().finish()
        }
        Err(err) => app_error(&err),
    }
}
