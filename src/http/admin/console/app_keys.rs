//! An app's secret keys, from its console page: create one, rotate one (the new key at once,
//! the old one valid a while longer so servers can switch), revoke one. A new secret is shown
//! once, on a page that is never cached (`Cache-Control: no-store`), and is never logged.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::apps::{refresh_registry, render_app, LIST, ONE};
use super::forms::{self, Forms, Nav, Posted};
use super::{done, not_found, page, refuse_forged, server_error, when};
use crate::apps::{self, AppError, CreatedKey};
use crate::http::admin::auth::Actor;
use crate::http::form::{duration, FieldErrors, FormData};
use crate::state::AppState;

pub const CREATE: &str = "/apps/{client_id}/keys";
pub const ROTATE: &str = "/apps/{client_id}/keys/{key_id}/rotate";
pub const REVOKE: &str = "/apps/{client_id}/keys/{key_id}/revoke";

/// How long a rotated key stays valid unless the form says otherwise: a day for every server
/// to pick up the new key.
pub const OLD_KEY_DEFAULT: &str = "1d";

const BAD_DURATION: &str = "write a duration such as 90d, 12h or 30m";

#[derive(Template)]
#[template(path = "admin_secret.html")]
struct SecretPage {
    nav: Nav,
    title: &'static str,
    app_link: String,
    client_id: String,
    key_id: String,
    secret: String,
    expires: Option<String>,
    /// The key a rotation replaced, and until when it works.
    replaced: Option<(String, String)>,
}

pub async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&client_id]);
    let action = forms::path(CREATE, &[&client_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let Ok(ttl) = duration(form.get("key_expires_in")) else {
        let posted = Posted::refused(form, FieldErrors::one("key_expires_in", BAD_DURATION));
        return render_app(&req, &state, &actor, &client_id, posted).await;
    };
    let registered = match state.apps.find(&client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return failed(&req, &state, &actor, &AppError::UnknownApp(client_id)),
        Err(err) => return failed(&req, &state, &actor, &err.into()),
    };
    let label = form.get("key_label").trim().to_owned();
    match apps::create_key(&state.dbs.ops, &state.clock, &registered, &label, ttl).await {
        Ok(key) => secret_page(&req, &state, &actor, &key, None).await,
        Err(err) => {
            let errors = match err {
                AppError::InvalidLabel => FieldErrors::one("key_label", err.to_string()),
                AppError::InvalidExpiry => FieldErrors::one("key_expires_in", err.to_string()),
                AppError::NoSecrets => FieldErrors {
                    top: vec![err.to_string()],
                    ..FieldErrors::default()
                },
                _ => return failed(&req, &state, &actor, &err),
            };
            render_app(
                &req,
                &state,
                &actor,
                &client_id,
                Posted::refused(form, errors),
            )
            .await
        }
    }
}

pub async fn rotate(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, key_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&client_id]);
    let action = forms::path(ROTATE, &[&client_id, &key_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let now = state.clock.now();
    let Some(old_until) = old_key_end(form.get("old_valid_for"), now) else {
        let errors = FieldErrors::one("old_valid_for", BAD_DURATION);
        let posted = Posted::refused_row(form, errors, &key_id);
        return render_app(&req, &state, &actor, &client_id, posted).await;
    };
    let registered = match state.apps.find(&client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return failed(&req, &state, &actor, &AppError::UnknownApp(client_id)),
        Err(err) => return failed(&req, &state, &actor, &err.into()),
    };
    let rotated = apps::rotate_key(
        &state.dbs.ops,
        &state.clock,
        &registered,
        &key_id,
        old_until,
    )
    .await;
    match rotated {
        Ok(key) => secret_page(&req, &state, &actor, &key, Some((key_id, old_until))).await,
        Err(err @ (AppError::OldKeyEndInPast | AppError::InvalidExpiry)) => {
            let errors = FieldErrors::one("old_valid_for", err.to_string());
            let posted = Posted::refused_row(form, errors, &key_id);
            render_app(&req, &state, &actor, &client_id, posted).await
        }
        Err(err) => failed(&req, &state, &actor, &err),
    }
}

/// When the old key stops working: `text` (a duration, required) from `now`.
fn old_key_end(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let valid_for: Duration = duration(text).ok().flatten()?;
    chrono::Duration::from_std(valid_for)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
}

pub async fn revoke(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, key_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&client_id]);
    let action = forms::path(REVOKE, &[&client_id, &key_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let registered = match state.apps.find(&client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return failed(&req, &state, &actor, &AppError::UnknownApp(client_id)),
        Err(err) => return failed(&req, &state, &actor, &err.into()),
    };
    match apps::revoke_key(&state.dbs.ops, &state.clock, &registered, &key_id).await {
        Ok(()) => {
            refresh_registry(&state).await;
            tracing::info!(actor = %actor.subject, client_id, key_id, "operator revoked an app key from the console");
            done(&page_url, "revoked")
        }
        Err(err) => failed(&req, &state, &actor, &err),
    }
}

/// The new secret, once; `replaced` is the key a rotation ends, with its end.
async fn secret_page(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    key: &CreatedKey,
    replaced: Option<(String, DateTime<Utc>)>,
) -> HttpResponse {
    refresh_registry(state).await;
    tracing::info!(actor = %actor.subject, client_id = %key.client_id, key_id = %key.key_id, rotated = replaced.is_some(), "operator created an app key from the console");
    let forms = Forms::new(req, state, actor.role);
    let data = SecretPage {
        nav: forms.nav("apps"),
        title: if replaced.is_some() {
            "Key rotated"
        } else {
            "Key created"
        },
        app_link: forms::path(ONE, &[&key.client_id]),
        client_id: key.client_id.clone(),
        key_id: key.key_id.clone(),
        secret: key.client_secret.expose_secret().to_owned(),
        expires: key.expires_at.map(when),
        replaced: replaced.map(|(id, until)| (id, when(until))),
    };
    // `page` sends `Cache-Control: no-store`: the secret is in no cache and no history.
    page(StatusCode::CREATED, &data, forms.new_cookie)
}

/// 404 for an app or key that does not exist, else a failure on our side.
fn failed(req: &HttpRequest, state: &AppState, actor: &Actor, err: &AppError) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    match err {
        AppError::UnknownApp(_) | AppError::UnknownKey(_) => not_found(forms, err, LIST),
        _ => server_error(forms, err),
    }
}
