//! `GET|POST /setup?token=`: the one-time page that creates the first admin operator. Once any
//! operator exists it is 404, whatever the token.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

use super::auth;
use super::console::{page, see_other};
use crate::http::error::{admin_error, admin_server_error};
use crate::identity::NewUser;
use crate::operators::{self, OperatorError};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin_setup.html")]
struct SetupPage<'a> {
    csrf_token: String,
    token: &'a str,
    email: &'a str,
    name: &'a str,
    error: Option<String>,
}

fn not_found() -> HttpResponse {
    admin_error(StatusCode::NOT_FOUND, "not_found", "no such page")
}

#[derive(serde::Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    query: web::Query<SetupQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = query.token.as_deref().unwrap_or_default();
    match operators::is_setup_token_usable(&state.dbs.ops, &state.clock, token).await {
        Ok(true) => {}
        Ok(false) => return not_found(),
        Err(err) => return admin_server_error(&err),
    }
    let (csrf, new_cookie) = auth::csrf_cookie(&req);
    let page_data = SetupPage {
        csrf_token: state.csrf.token(&csrf, "admin-setup"),
        token,
        email: "",
        name: "",
        error: None,
    };
    page(StatusCode::OK, &page_data, new_cookie)
}

#[derive(serde::Deserialize)]
pub struct SetupForm {
    csrf_token: String,
    token: String,
    email: String,
    #[serde(default)]
    name: String,
    password: String,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<SetupForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    match operators::has_operators(&state.dbs.ops).await {
        Ok(false) => {}
        Ok(true) => return not_found(),
        Err(err) => return admin_server_error(&err),
    }
    let (csrf, _) = auth::csrf_cookie(&req);
    if !state.csrf.is_valid(&csrf, "admin-setup", &form.csrf_token) {
        return see_other(&format!("/setup?token={}", form.token), Vec::new());
    }
    let again = |message: String| {
        let page_data = SetupPage {
            csrf_token: form.csrf_token.clone(),
            token: &form.token,
            email: &form.email,
            name: &form.name,
            error: Some(message),
        };
        page(StatusCode::BAD_REQUEST, &page_data, None)
    };
    let email = match form.email.parse() {
        Ok(email) => email,
        Err(err) => return again(format!("{err}")),
    };
    let name = Some(form.name.trim().to_owned()).filter(|n| !n.is_empty());
    let new = NewUser {
        email,
        name,
        password: SecretString::from(form.password.clone()),
    };
    let token = SecretString::from(form.token.clone());
    let done = operators::complete_setup(
        &state.dbs,
        &state.pii,
        &state.passwords,
        &state.clock,
        &token,
        new,
    )
    .await;
    match done {
        Ok(user_id) => {
            tracing::info!(%user_id, "first admin operator created through the setup link");
            see_other("/login", Vec::new())
        }
        Err(OperatorError::SetupDone | OperatorError::InvalidSetupToken) => not_found(),
        Err(OperatorError::Store(err)) => admin_server_error(&err),
        Err(OperatorError::User(err)) if is_internal(&err) => admin_server_error(&err),
        Err(err) => again(err.to_string()),
    }
}

fn is_internal(err: &crate::identity::UserError) -> bool {
    use crate::identity::{PasswordError, UserError};
    matches!(
        err,
        UserError::Store(_) | UserError::Sealed(_) | UserError::Password(PasswordError::Hash(_))
    )
}
