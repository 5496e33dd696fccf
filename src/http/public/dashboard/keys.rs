//! `POST /dashboard/apps/{client_id}/keys[/rotate|/{key_id}/revoke]`: an app's secret keys.
//! A new secret is shown once, on a page that is never cached, and is never logged.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;

use super::super::browser::see_other;
use super::access::{
    app_post, dash, not_found, refresh_registry, registered, server_error, OpenedApp, Purpose,
};
use super::app_page::{self, KeyForm, Posted};
use super::form::{duration, FieldErrors, FormData};
use super::secret_page::{self, SecretPage};
use crate::apps::{self, AppError, CreatedKey};
use crate::state::AppState;

pub async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let purpose = Purpose::Keys(&client_id);
    let opened = match app_post(&req, &state, &client_id, &purpose, form.get("csrf_token")).await {
        Ok(opened) => opened,
        Err(res) => return res,
    };
    let typed = KeyForm {
        label: form.get("label").to_owned(),
        expires_in: form.get("expires_in").to_owned(),
        ..KeyForm::default()
    };
    let Ok(ttl) = duration(&typed.expires_in) else {
        let mut errors = FieldErrors::default();
        errors.add("expires_in", dash(&req).bad_duration);
        return refused(&req, &state, &opened, typed, errors).await;
    };
    let registered = match registered(&req, &state, &client_id).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let created =
        apps::create_key(&state.dbs.ops, &state.clock, &registered, &typed.label, ttl).await;
    match created {
        Ok(key) => show_secret(&req, &state, &opened, &key, false).await,
        Err(err) => failed(&req, &state, &opened, typed, &err).await,
    }
}

pub async fn rotate(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let purpose = Purpose::Keys(&client_id);
    let opened = match app_post(&req, &state, &client_id, &purpose, form.get("csrf_token")).await {
        Ok(opened) => opened,
        Err(res) => return res,
    };
    let typed = KeyForm {
        old_valid_for: form.get("old_valid_for").to_owned(),
        ..KeyForm::default()
    };
    let Ok(Some(old_valid_for)) = duration(&typed.old_valid_for) else {
        let mut errors = FieldErrors::default();
        errors.add("old_valid_for", dash(&req).bad_duration);
        return refused(&req, &state, &opened, typed, errors).await;
    };
    let registered = match registered(&req, &state, &client_id).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    match apps::rotate_keys(&state.dbs.ops, &state.clock, &registered, old_valid_for).await {
        Ok(key) => show_secret(&req, &state, &opened, &key, true).await,
        // The only field of this form is the time the old keys stay valid.
        Err(AppError::InvalidExpiry) => {
            let mut errors = FieldErrors::default();
            errors.add("old_valid_for", AppError::InvalidExpiry.to_string());
            refused(&req, &state, &opened, typed, errors).await
        }
        Err(err) => failed(&req, &state, &opened, typed, &err).await,
    }
}

pub async fn revoke(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, key_id) = path.into_inner();
    let form = FormData::parse(&body);
    let purpose = Purpose::Keys(&client_id);
    let opened = match app_post(&req, &state, &client_id, &purpose, form.get("csrf_token")).await {
        Ok(opened) => opened,
        Err(res) => return res,
    };
    let registered = match registered(&req, &state, &client_id).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    match apps::revoke_key(&state.dbs.ops, &state.clock, &registered, &key_id).await {
        Ok(()) => {
            refresh_registry(&state).await;
            tracing::info!(client_id = %client_id, key_id = %key_id, "key revoked from the dashboard");
            see_other(
                &format!("/dashboard/apps/{client_id}?done=revoked"),
                Vec::new(),
            )
        }
        Err(AppError::UnknownKey(_)) => not_found(&req),
        Err(err) => failed(&req, &state, &opened, KeyForm::default(), &err).await,
    }
}

/// The page with the new secret, once.
async fn show_secret(
    req: &HttpRequest,
    state: &AppState,
    opened: &OpenedApp,
    key: &CreatedKey,
    is_rotation: bool,
) -> HttpResponse {
    refresh_registry(state).await;
    let app = &opened.app;
    tracing::info!(client_id = %app.client_id, key_id = %key.key_id, "key created from the dashboard");
    let d = dash(req);
    let data = SecretPage {
        title: if is_rotation {
            d.keys_rotated_title
        } else {
            d.key_created_title
        },
        app_name: app.settings.name.clone(),
        client_id: app.client_id.clone(),
        key_id: Some(key.key_id.clone()),
        secret: Some(key.client_secret.expose_secret().to_owned()),
        expires: key.expires_at,
    };
    secret_page::render(req, state, data, StatusCode::CREATED)
}

/// The app's page again with the key form's values and the error next to its field.
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    opened: &OpenedApp,
    typed: KeyForm,
    errors: FieldErrors,
) -> HttpResponse {
    let posted = Posted {
        keys: typed,
        errors,
        ..Posted::default()
    };
    app_page::render(req, state, opened, StatusCode::UNPROCESSABLE_ENTITY, posted).await
}

async fn failed(
    req: &HttpRequest,
    state: &AppState,
    opened: &OpenedApp,
    typed: KeyForm,
    err: &AppError,
) -> HttpResponse {
    match err {
        AppError::Store(_) | AppError::UnknownApp(_) => server_error(req, err),
        _ => refused(req, state, opened, typed, FieldErrors::from_app_error(err)).await,
    }
}
