//! `POST /dashboard/apps/{client_id}/shares[/{user_id}/remove]`: sharing an app with single
//! users for read or modify, and ending a share. Only those who manage the app (its owner, an
//! admin of its organization) may; the access model caps what a share gives a guest.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::super::browser::see_other;
use super::access::{app_post, dash, not_found, server_error, OpenedApp, Purpose};
use super::app_page::{self, Posted};
use super::form::{FieldErrors, FormData};
use super::view::permission_label;
use crate::access::{self, AccessError, Permission, ShareAccess};
use crate::identity::{self, Email};
use crate::state::AppState;

/// The fields of the share form; an error about one is shown next to it.
pub const SHARE_FIELDS: &[&str] = &["share_user", "share_access"];

/// The share form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareForm {
    pub user: String,
    pub access: String,
}

impl Default for ShareForm {
    fn default() -> Self {
        Self {
            user: String::new(),
            // The least a share can give.
            access: ShareAccess::Read.as_str().into(),
        }
    }
}

/// A share as the sharing table shows it.
pub struct ShareRow {
    pub user_id: String,
    /// The user's email, or their id when they no longer exist.
    pub user: String,
    pub access: &'static str,
}

/// Whom the app is shared with, oldest share first.
pub async fn rows(
    req: &HttpRequest,
    state: &AppState,
    client_id: &str,
) -> Result<Vec<ShareRow>, HttpResponse> {
    let shares = access::list_shares(&state.dbs.ops, client_id)
        .await
        .map_err(|err| server_error(req, &err))?;
    let d = dash(req);
    let mut rows = Vec::with_capacity(shares.len());
    for share in shares {
        let profile = identity::find_profile(&state.dbs.accounts, &state.pii, &share.user_id)
            .await
            .map_err(|err| server_error(req, &err))?;
        let access = match share.access {
            ShareAccess::Read => Permission::Read,
            ShareAccess::Modify => Permission::Modify,
        };
        rows.push(ShareRow {
            user: profile.map_or_else(|| share.user_id.clone(), |p| p.email),
            user_id: share.user_id,
            access: permission_label(access, d),
        });
    }
    Ok(rows)
}

pub async fn add(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let purpose = Purpose::Shares(&client_id);
    let opened = match app_post(&req, &state, &client_id, &purpose, form.get("csrf_token")).await {
        Ok(opened) => opened,
        Err(res) => return res,
    };
    let typed = ShareForm {
        user: form.get("share_user").trim().to_owned(),
        access: form.get("share_access").to_owned(),
    };
    let d = dash(&req);
    let mut errors = FieldErrors::default();
    let access = typed.access.parse::<ShareAccess>().ok();
    if access.is_none() {
        errors.add("share_access", d.bad_share_access);
    }
    let user_id = match find_user(&state, &typed.user).await {
        Ok(Some(id)) => Some(id),
        Ok(None) => {
            errors.add("share_user", d.unknown_user);
            None
        }
        Err(err) => return server_error(&req, &err),
    };
    let (Some(access), Some(user_id)) = (access, user_id) else {
        return refused(&req, &state, &opened, typed, errors).await;
    };
    let shared =
        access::share_app_with_user(&state.dbs, &state.clock, &client_id, &user_id, access).await;
    match shared {
        Ok(_) => {
            tracing::info!(client_id = %client_id, user_id = %user_id, %access, "app shared from the dashboard");
            see_other(
                &format!("/dashboard/apps/{client_id}?done=shared"),
                Vec::new(),
            )
        }
        Err(AccessError::UnknownApp(_)) => not_found(&req),
        // Disabled (or deleted since the lookup): told like an unknown address, so the
        // dashboard does not reveal whose account is disabled.
        Err(AccessError::DisabledUser(_) | AccessError::UnknownUser(_)) => {
            errors.add("share_user", d.unknown_user);
            refused(&req, &state, &opened, typed, errors).await
        }
        Err(err) => server_error(&req, &err),
    }
}

/// The id of the user with this email; an address that is not one finds nobody.
async fn find_user(state: &AppState, email: &str) -> Result<Option<String>, identity::UserError> {
    let Ok(email) = email.parse::<Email>() else {
        return Ok(None);
    };
    identity::find_user_id_by_email(&state.dbs.accounts, &state.pii, &email).await
}

pub async fn remove(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, user_id) = path.into_inner();
    let form = FormData::parse(&body);
    let purpose = Purpose::Shares(&client_id);
    if let Err(res) = app_post(&req, &state, &client_id, &purpose, form.get("csrf_token")).await {
        return res;
    }
    match access::unshare_app(&state.dbs.ops, &client_id, &user_id).await {
        Ok(()) => {
            tracing::info!(client_id = %client_id, user_id = %user_id, "app unshared from the dashboard");
            see_other(
                &format!("/dashboard/apps/{client_id}?done=unshared"),
                Vec::new(),
            )
        }
        Err(AccessError::NotShared { .. }) => not_found(&req),
        Err(err) => server_error(&req, &err),
    }
}

/// The app's page again with the share form's values and the error next to its field.
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    opened: &OpenedApp,
    typed: ShareForm,
    errors: FieldErrors,
) -> HttpResponse {
    let posted = Posted {
        share: typed,
        errors,
        ..Posted::default()
    };
    app_page::render(req, state, opened, StatusCode::UNPROCESSABLE_ENTITY, posted).await
}
