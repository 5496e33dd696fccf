//! `GET|POST /consent`: the user allows (or denies) an app the scopes it asks for.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::authorize::{expired, flow_of, next_step};
use super::browser::{csrf_cookie, current_session, error_page, page, see_other, texts};
use super::texts::Texts;
use crate::oauth::flow;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    t: &'static Texts,
    app_name: &'a str,
    /// The app's logo (https), shown next to its name.
    logo_uri: Option<&'a str>,
    scopes: Vec<&'static str>,
    csrf_token: String,
    request_id: &'a str,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let Some(id) = params.get("request") else {
        return expired(&req);
    };
    let Ok(Some((request, pending))) =
        flow::find_pending(&state.dbs.ops, id, state.clock.now()).await
    else {
        return expired(&req);
    };
    // Consent is asked only of a session the request accepts (prompt=login, max_age, hint).
    let session = current_session(&req, &state).await;
    if flow_of(&state)
        .usable_session(&request, session.as_ref(), Some(&pending))
        .is_none()
    {
        return see_other(&format!("/login?request={id}"), Vec::new());
    }
    let Ok(Some(app)) = state.apps.find(&request.client_id).await else {
        return expired(&req);
    };
    let (csrf, new_cookie) = csrf_cookie(&req, &state);
    let t = texts(&req, request.ui_locales.as_deref());
    let data = ConsentPage {
        t,
        app_name: &app.name,
        logo_uri: app.logo_uri.as_deref(),
        scopes: request.scopes.iter().map(|s| t.scope(s)).collect(),
        csrf_token: state.csrf.token(&csrf, &format!("consent:{id}")),
        request_id: id,
    };
    page(StatusCode::OK, &data, new_cookie)
}

#[derive(serde::Deserialize)]
pub struct ConsentForm {
    request: String,
    csrf_token: String,
    decision: String,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<ConsentForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    let (csrf, _) = csrf_cookie(&req, &state);
    if !state.csrf.is_valid(
        &csrf,
        &format!("consent:{}", form.request),
        &form.csrf_token,
    ) {
        return error_page(
            &req,
            StatusCode::FORBIDDEN,
            "This form has expired. Go back to the application and try again.",
        );
    }
    let Ok(Some((request, pending))) =
        flow::find_pending(&state.dbs.ops, &form.request, state.clock.now()).await
    else {
        return expired(&req);
    };
    let Some(session) = current_session(&req, &state).await else {
        return see_other(&format!("/login?request={}", form.request), Vec::new());
    };
    let flow = flow_of(&state);
    let next = match form.decision.as_str() {
        "allow" => flow.consent(&request, &session, &pending).await,
        _ => {
            flow.refuse(
                &request,
                &pending,
                "access_denied",
                "the user denied access",
            )
            .await
        }
    };
    next_step(&req, &state, next).await
}
