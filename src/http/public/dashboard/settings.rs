//! `GET|POST /dashboard/apps/{client_id}`: an app's settings, shown to whoever may read the app
//! and saved by whoever may modify it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::super::browser::see_other;
use super::access::{
    app_post, dash, developer, readable_app, refresh_registry, server_error, Purpose,
};
use super::app_page::{self, Notice, Posted};
use super::form::{FieldErrors, FormData, SettingsForm};
use crate::apps::{self, AppError};
use crate::state::AppState;

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let user_id = match developer(&req, &state).await {
        Ok(id) => id,
        Err(res) => return res,
    };
    let opened = match readable_app(&req, &state, &user_id, &path).await {
        Ok(opened) => opened,
        Err(res) => return res,
    };
    let posted = Posted {
        notice: Notice::from_query(req.query_string()),
        ..Posted::default()
    };
    app_page::render(&req, &state, &opened, StatusCode::OK, posted).await
}

pub async fn save(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let purpose = Purpose::Settings(&client_id);
    let opened = match app_post(&req, &state, &client_id, &purpose, form.get("csrf_token")).await {
        Ok(opened) => opened,
        Err(res) => return res,
    };
    let typed = SettingsForm::from_post(&form);
    let refused = |errors: FieldErrors| Posted {
        settings: Some(typed.clone()),
        errors,
        ..Posted::default()
    };
    let settings = match typed.to_settings(&opened.app.settings, dash(&req).bad_duration) {
        Ok(settings) => settings,
        Err(errors) => {
            let posted = refused(errors);
            return app_page::render(
                &req,
                &state,
                &opened,
                StatusCode::UNPROCESSABLE_ENTITY,
                posted,
            )
            .await;
        }
    };
    match apps::update_app(&state.dbs.ops, &state.clock, &client_id, settings).await {
        Ok(_) => {
            refresh_registry(&state).await;
            tracing::info!(client_id = %client_id, "app settings saved from the dashboard");
            see_other(
                &format!("/dashboard/apps/{client_id}?done=saved"),
                Vec::new(),
            )
        }
        Err(err @ (AppError::Store(_) | AppError::UnknownApp(_))) => server_error(&req, &err),
        Err(err) => {
            let posted = refused(FieldErrors::from_app_error(&err));
            app_page::render(
                &req,
                &state,
                &opened,
                StatusCode::UNPROCESSABLE_ENTITY,
                posted,
            )
            .await
        }
    }
}
