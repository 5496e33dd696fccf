//! An organization's members, from its console page: add a user (by email or id) with a role,
//! change a member's role, remove a member. The domain's refusals (already a member, the last
//! admin) are shown next to the field that caused them.

use actix_web::{web, HttpRequest, HttpResponse};

use super::directory;
use super::forms::{self, Forms, Posted};
use super::organizations::{render_org, LIST, ONE};
use super::{done, not_found, refuse_forged, server_error};
use crate::access::{self, AccessError, OrgRole};
use crate::http::admin::auth::Actor;
use crate::http::form::{FieldErrors, FormData};
use crate::state::AppState;

pub const ADD: &str = "/organizations/{id}/members";
pub const ROLE: &str = "/organizations/{id}/members/{user_id}/role";
pub const REMOVE: &str = "/organizations/{id}/members/{user_id}/remove";

pub async fn add(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let org_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&org_id]);
    let action = forms::path(ADD, &[&org_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let mut errors = FieldErrors::default();
    let role = form.get("member_role").parse::<OrgRole>();
    if let Err(err) = &role {
        errors.add("member_role", err.to_string());
    }
    let user_id = match directory::user_field(&state, &form, "member_user", &mut errors).await {
        Ok(found) => found,
        Err(err) => return server_error(Forms::new(&req, &state, actor.role), &err),
    };
    let (Ok(role), Some(user_id)) = (role, user_id) else {
        return render_org(&req, &state, &actor, &org_id, Posted::refused(form, errors)).await;
    };
    let added = match access::require_user(&state.dbs.accounts, &user_id).await {
        Ok(()) => access::add_member(&state.dbs.ops, &state.clock, &org_id, &user_id, role).await,
        Err(err) => Err(err),
    };
    match added {
        Ok(_) => {
            tracing::info!(actor = %actor.subject, org_id, user_id, %role, "operator added a member from the console");
            done(&page_url, "added")
        }
        Err(
            err @ (AccessError::AlreadyMember(_)
            | AccessError::InvalidUserId
            | AccessError::UnknownUser(_)
            | AccessError::DisabledUser(_)),
        ) => {
            let errors = FieldErrors::one("member_user", err.to_string());
            render_org(&req, &state, &actor, &org_id, Posted::refused(form, errors)).await
        }
        Err(err) => refused(&req, &state, &actor, err),
    }
}

pub async fn change_role(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (org_id, user_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&org_id]);
    let action = forms::path(ROLE, &[&org_id, &user_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let role = match form.get("role").parse::<OrgRole>() {
        Ok(role) => role,
        Err(err) => return refused_row(&req, &state, &actor, (&org_id, &user_id), form, err).await,
    };
    match access::update_member(&state.dbs.ops, &org_id, &user_id, role).await {
        Ok(_) => {
            tracing::info!(actor = %actor.subject, org_id, user_id, %role, "operator changed a member's role from the console");
            done(&page_url, "saved")
        }
        Err(err @ (AccessError::LastAdmin | AccessError::NotMember { .. })) => {
            refused_row(&req, &state, &actor, (&org_id, &user_id), form, err).await
        }
        Err(err) => refused(&req, &state, &actor, err),
    }
}

pub async fn remove(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (org_id, user_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&org_id]);
    let action = forms::path(REMOVE, &[&org_id, &user_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match access::remove_member(&state.dbs.ops, &org_id, &user_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, org_id, user_id, "operator removed a member from the console");
            done(&page_url, "removed")
        }
        Err(err @ (AccessError::LastAdmin | AccessError::NotMember { .. })) => {
            refused_row(&req, &state, &actor, (&org_id, &user_id), form, err).await
        }
        Err(err) => refused(&req, &state, &actor, err),
    }
}

/// The organization's page with the error in the member's row, next to their role.
async fn refused_row(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    (org_id, user_id): (&str, &str),
    form: FormData,
    err: AccessError,
) -> HttpResponse {
    let posted = Posted::refused_row(form, FieldErrors::one("role", err.to_string()), user_id);
    render_org(req, state, actor, org_id, posted).await
}

/// A refusal about the organization itself (404) or a failure on our side.
fn refused(req: &HttpRequest, state: &AppState, actor: &Actor, err: AccessError) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    match err {
        AccessError::UnknownOrg(_) => not_found(forms, &err, LIST),
        _ => server_error(forms, &err),
    }
}
