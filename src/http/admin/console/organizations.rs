//! `/organizations`: the list (paged) with the form that creates one, and an organization's
//! page: rename, delete (refused while it owns apps unless forced), its apps, and its members
//! (`members.rs` takes their forms).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::directory::{self, NO_SUCH_USER};
use super::forms::{self, Action, Forms, Nav, Posted};
use super::paging::Paging;
use super::{done, not_found, page, refuse_forged, server_error, when};
use crate::access::{self, AccessError, OrgRole};
use crate::http::admin::auth::Actor;
use crate::http::form::{Field, FieldErrors, FormData, Select};
use crate::state::AppState;

pub const LIST: &str = "/organizations";
pub const ONE: &str = "/organizations/{id}";
const RENAME: &str = "/organizations/{id}/rename";
const DELETE: &str = "/organizations/{id}/delete";

/// An organization in the list.
struct OrgRow {
    id: String,
    name: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct ListPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    orgs: Vec<OrgRow>,
    paging: Paging,
    create: Option<Action>,
    name: Field,
    first_admin: Field,
}

pub async fn list(
    req: HttpRequest,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    render_list(&req, &state, &actor, Posted::default()).await
}

async fn render_list(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    posted: Posted,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    let orgs = match access::list_orgs(&state.dbs.ops).await {
        Ok(orgs) => orgs,
        Err(err) => return server_error(forms, &err),
    };
    let page_number = Paging::requested(forms::query(req).get("page"));
    let paging = Paging::new(LIST, "", page_number, orgs.len() as u64);
    let orgs = Paging::slice(orgs, page_number)
        .into_iter()
        .map(|o| OrgRow {
            created: when(o.created_at),
            id: o.id,
            name: o.name,
        })
        .collect();
    let data = ListPage {
        nav: forms.nav("organizations"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(&["name", "first_admin"]),
        orgs,
        paging,
        create: forms.action(state, LIST, &[]),
        name: posted.field("name", "Name", ""),
        first_admin: posted.field(
            "first_admin",
            "First admin (optional)",
            "The email address or user id of a user who becomes the organization's admin.",
        ),
    };
    page(posted.status(), &data, forms.new_cookie)
}

pub async fn create(
    req: HttpRequest,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = FormData::parse(&body);
    if let Some(res) = refuse_forged(&req, &state, LIST, &form, LIST) {
        return res;
    }
    let admin_text = form.get("first_admin").trim().to_owned();
    let first_admin = if admin_text.is_empty() {
        None
    } else {
        match directory::find_user_id(&state, &admin_text).await {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                let errors = FieldErrors::one("first_admin", NO_SUCH_USER);
                return render_list(&req, &state, &actor, Posted::refused(form, errors)).await;
            }
            Err(err) => return server_error(Forms::new(&req, &state, actor.role), &err),
        }
    };
    let created = access::create_org_with_admin(
        &state.dbs,
        &state.clock,
        form.get("name"),
        first_admin.as_deref(),
    )
    .await;
    match created {
        Ok(org) => {
            tracing::info!(actor = %actor.subject, org_id = %org.id, "operator created an organization from the console");
            done(&forms::path(ONE, &[&org.id]), "created")
        }
        Err(err @ (AccessError::InvalidOrgName | AccessError::DuplicateOrgName(_))) => {
            let errors = FieldErrors::one("name", err.to_string());
            render_list(&req, &state, &actor, Posted::refused(form, errors)).await
        }
        Err(
            err @ (AccessError::InvalidUserId
            | AccessError::UnknownUser(_)
            | AccessError::DisabledUser(_)),
        ) => {
            let errors = FieldErrors::one("first_admin", err.to_string());
            render_list(&req, &state, &actor, Posted::refused(form, errors)).await
        }
        Err(err) => server_error(Forms::new(&req, &state, actor.role), &err),
    }
}

/// A member as the organization's page shows them, with the forms of their row.
struct MemberRow {
    /// Their page.
    link: String,
    /// Their email for operators who may read it, else their id.
    label: String,
    role: &'static str,
    change: Option<Action>,
    roles: Select,
    remove: Option<Action>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_organization.html")]
struct OrgPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    id: String,
    org_name: String,
    created: String,
    rename: Option<Action>,
    name: Field,
    delete: Option<Action>,
    is_forced: bool,
    force_error: Option<String>,
    apps: Vec<String>,
    members: Vec<MemberRow>,
    add_member: Option<Action>,
    member_user: Field,
    member_role: Select,
}

/// The roles an organization's member may have, as select options.
fn org_roles() -> Vec<(String, String)> {
    [OrgRole::Admin, OrgRole::User, OrgRole::Guest]
        .map(|r| (r.as_str().to_owned(), r.as_str().to_owned()))
        .into()
}

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    render_org(&req, &state, &actor, &path, Posted::default()).await
}

/// The organization's page, with a refused form's values and errors when there was one.
pub async fn render_org(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    org_id: &str,
    posted: Posted,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    let org = match access::find_org(&state.dbs.ops, org_id).await {
        Ok(Some(org)) => org,
        Ok(None) => return not_found(forms, &AccessError::UnknownOrg(org_id.to_owned()), LIST),
        Err(err) => return server_error(forms, &err),
    };
    let (apps, members) = match (
        access::list_org_apps(&state.dbs.ops, org_id).await,
        access::list_members(&state.dbs.ops, org_id).await,
    ) {
        (Ok(apps), Ok(members)) => (apps, members),
        (Err(err), _) | (_, Err(err)) => return server_error(forms, &err),
    };
    let with_pii = forms.shows_personal_data();
    let labels =
        match directory::user_labels(state, members.iter().map(|m| m.user_id.as_str()), with_pii)
            .await
        {
            Ok(labels) => labels,
            Err(err) => return server_error(forms, &err),
        };
    if with_pii && !members.is_empty() {
        tracing::info!(actor = %actor.subject, org_id, "operator read members' emails");
    }
    let members = members
        .into_iter()
        .map(|m| {
            let ids = [org_id, m.user_id.as_str()];
            let is_refused_row = posted.row.as_deref() == Some(m.user_id.as_str());
            let chosen = if is_refused_row {
                posted.values.get("role")
            } else {
                m.role.as_str()
            };
            MemberRow {
                label: labels
                    .get(&m.user_id)
                    .cloned()
                    .unwrap_or_else(|| m.user_id.clone()),
                role: m.role.as_str(),
                change: forms.action(state, super::members::ROLE, &ids),
                roles: Select::new("role", "Role", org_roles(), chosen, None),
                remove: forms.action(state, super::members::REMOVE, &ids),
                error: posted.row_error(&m.user_id, "role"),
                link: forms::path(super::users::ONE, &[&m.user_id]),
            }
        })
        .collect();
    let data = OrgPage {
        nav: forms.nav("organizations"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(&["name", "force", "member_user", "member_role"]),
        id: org.id.clone(),
        created: when(org.created_at),
        rename: forms.action(state, RENAME, &[org_id]),
        name: posted.field_or("name", "Name", &org.name),
        org_name: org.name,
        delete: forms.action(state, DELETE, &[org_id]),
        is_forced: posted.is_ticked("force"),
        force_error: posted.errors.field("force"),
        apps,
        members,
        add_member: forms.action(state, super::members::ADD, &[org_id]),
        member_user: posted.field("member_user", "User", "Their email address or user id."),
        member_role: posted.select("member_role", "Role", org_roles(), "user"),
    };
    page(posted.status(), &data, forms.new_cookie)
}

pub async fn rename(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let org_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&org_id]);
    let action = forms::path(RENAME, &[&org_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match access::rename_org(&state.dbs.ops, &state.clock, &org_id, form.get("name")).await {
        Ok(_) => {
            tracing::info!(actor = %actor.subject, org_id, "operator renamed an organization from the console");
            done(&page_url, "renamed")
        }
        Err(err @ (AccessError::InvalidOrgName | AccessError::DuplicateOrgName(_))) => {
            let errors = FieldErrors::one("name", err.to_string());
            render_org(&req, &state, &actor, &org_id, Posted::refused(form, errors)).await
        }
        Err(err @ AccessError::UnknownOrg(_)) => {
            not_found(Forms::new(&req, &state, actor.role), &err, LIST)
        }
        Err(err) => server_error(Forms::new(&req, &state, actor.role), &err),
    }
}

pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let org_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&org_id]);
    let action = forms::path(DELETE, &[&org_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let force = form.is_ticked("force");
    match access::delete_org(&state.dbs.ops, &state.clock, &org_id, force).await {
        Ok(detached) => {
            if detached > 0 {
                super::apps::refresh_registry(&state).await;
            }
            tracing::info!(actor = %actor.subject, org_id, detached, "operator deleted an organization from the console");
            done(LIST, "deleted")
        }
        Err(err @ AccessError::OrgOwnsApps(_)) => {
            let errors = FieldErrors::one("force", err.to_string());
            render_org(&req, &state, &actor, &org_id, Posted::refused(form, errors)).await
        }
        Err(err @ AccessError::UnknownOrg(_)) => {
            not_found(Forms::new(&req, &state, actor.role), &err, LIST)
        }
        Err(err) => server_error(Forms::new(&req, &state, actor.role), &err),
    }
}
