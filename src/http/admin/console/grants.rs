//! Whom a resource's roles are granted to, from its console page: grant a role to a user (by
//! email or id), in every organization or only in one; revoke a grant. Only a grant puts a
//! role's rights in tokens.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};

use super::directory;
use super::forms::{self, Action, Forms, Posted};
use super::resources::{failed, render_resource, Catalog, ONE};
use super::{done, refuse_forged, server_error, when};
use crate::access::{self, AccessError, Subject};
use crate::http::admin::auth::Actor;
use crate::http::form::{FieldErrors, FormData};
use crate::state::AppState;

pub const CREATE: &str = "/resources/{id}/grants";
const DELETE: &str = "/resources/{id}/grants/{grant_id}/delete";

/// A grant as the page's table shows it.
pub struct GrantRow {
    pub role: String,
    /// `user` or `app`.
    pub kind: &'static str,
    /// A user's email for operators who may read it, else the subject's id.
    pub subject: String,
    pub link: String,
    /// The organization it applies in, or "every organization".
    pub org: String,
    pub created: String,
    pub delete: Option<Action>,
}

/// Every grant of the catalog's roles, role by role.
pub fn rows(
    forms: &Forms,
    state: &AppState,
    catalog: &Catalog,
    labels: &HashMap<String, String>,
    org_names: &HashMap<String, String>,
) -> Vec<GrantRow> {
    let resource_id = catalog.resource.id.as_str();
    catalog
        .roles
        .iter()
        .flat_map(|(role, _, granted)| granted.iter().map(move |g| (role, g)))
        .map(|(role, grant)| {
            let id = grant.subject.id();
            let link = match &grant.subject {
                Subject::User(id) => forms::path(super::users::ONE, &[id]),
                Subject::App(id) => forms::path(super::apps::ONE, &[id]),
            };
            GrantRow {
                role: role.name.clone(),
                kind: grant.subject.kind(),
                subject: labels.get(id).cloned().unwrap_or_else(|| id.to_owned()),
                link,
                org: grant.org_id.as_ref().map_or_else(
                    || "every organization".to_owned(),
                    |org| org_names.get(org).cloned().unwrap_or_else(|| org.clone()),
                ),
                created: when(grant.created_at),
                delete: forms.action(state, DELETE, &[resource_id, &grant.id]),
            }
        })
        .collect()
}

pub async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let resource_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(CREATE, &[&resource_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let mut errors = FieldErrors::default();
    let role_id = form.get("grant_role").to_owned();
    match access::find_role(&state.dbs.ops, &role_id).await {
        Ok(Some(role)) if role.resource_id == resource_id => {}
        Ok(_) => errors.add("grant_role", "Choose one of this resource's roles."),
        Err(err) => return failed(&req, &state, &actor, err),
    }
    let user_id = match directory::user_field(&state, &form, "grant_user", &mut errors).await {
        Ok(found) => found,
        Err(err) => return server_error(Forms::new(&req, &state, actor.role), &err),
    };
    let (Some(user_id), true) = (user_id, errors.is_empty()) else {
        let posted = Posted::refused(form, errors);
        return render_resource(&req, &state, &actor, &resource_id, posted).await;
    };
    let org_id = Some(form.get("grant_org")).filter(|o| !o.is_empty());
    let subject = Subject::User(user_id);
    let granted = access::grant_role_to(&state.dbs, &state.clock, &role_id, &subject, org_id).await;
    let err = match granted {
        Ok(grant) => {
            tracing::info!(actor = %actor.subject, resource_id, role_id, grant_id = %grant.id, %subject, "operator granted a role from the console");
            return done(&page_url, "granted");
        }
        Err(err) => err,
    };
    let field = match err {
        AccessError::UnknownOrg(_) => "grant_org",
        AccessError::DuplicateGrant
        | AccessError::InvalidUserId
        | AccessError::UnknownUser(_)
        | AccessError::DisabledUser(_) => "grant_user",
        AccessError::UnknownRole(_) => "grant_role",
        _ => return failed(&req, &state, &actor, err),
    };
    let posted = Posted::refused(form, FieldErrors::one(field, err.to_string()));
    render_resource(&req, &state, &actor, &resource_id, posted).await
}

pub async fn delete(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (resource_id, grant_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(DELETE, &[&resource_id, &grant_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    // Only a grant of one of this resource's roles is revoked from its page.
    match Catalog::load(&state, &resource_id).await {
        Ok(Some(catalog)) if catalog.has_grant(&grant_id) => {}
        Ok(_) => return failed(&req, &state, &actor, AccessError::UnknownGrant(grant_id)),
        Err(err) => return failed(&req, &state, &actor, err),
    }
    match access::revoke_grant(&state.dbs.ops, &grant_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, resource_id, grant_id, "operator revoked a grant from the console");
            done(&page_url, "revoked")
        }
        Err(err) => failed(&req, &state, &actor, err),
    }
}
