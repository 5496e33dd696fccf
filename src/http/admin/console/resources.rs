//! `/resources`: the registered resources (APIs) with the form that registers one, and a
//! resource's page: its catalog of rights (add with parameter names, delete), its roles and the
//! rights each holds with their constraints (`roles.rs`), and whom each role is granted to
//! (`grants.rs`). Registering grants nothing to anybody (DESIGN.md "Access model").

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::{self, Action, Forms, Nav, Posted};
use super::grants::{self, GrantRow};
use super::roles::{self, RoleView};
use super::{directory, done, not_found, page, refuse_forged, server_error, when};
use crate::access::{self, AccessError, Grant, Resource, Right, Role, RoleRight};
use crate::http::admin::auth::Actor;
use crate::http::form::{Field, FieldErrors, FormData, Select};
use crate::state::AppState;

pub const LIST: &str = "/resources";
pub const ONE: &str = "/resources/{id}";
const DELETE: &str = "/resources/{id}/delete";
const ADD_RIGHT: &str = "/resources/{id}/rights";
const DELETE_RIGHT: &str = "/resources/{id}/rights/{right_id}/delete";

/// The fields of the page's own forms (not a row's): their errors are shown next to them.
const PAGE_FIELDS: &[&str] = &[
    "right_name",
    "right_description",
    "right_parameters",
    "role_name",
    "role_description",
    "grant_role",
    "grant_user",
    "grant_org",
];

/// A resource in the list.
struct ResourceRow {
    id: String,
    identifier: String,
    name: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_resources.html")]
struct ListPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    resources: Vec<ResourceRow>,
    create: Option<Action>,
    identifier: Field,
    name: Field,
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
    let resources = match access::list_resources(&state.dbs.ops).await {
        Ok(list) => list,
        Err(err) => return server_error(forms, &err),
    };
    let data = ListPage {
        nav: forms.nav("resources"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(&["identifier", "name"]),
        resources: resources
            .into_iter()
            .map(|r| ResourceRow {
                created: when(r.created_at),
                id: r.id,
                identifier: r.identifier,
                name: r.name,
            })
            .collect(),
        create: forms.action(state, LIST, &[]),
        identifier: posted.field(
            "identifier",
            "Identifier",
            "The audience of its tokens: an https URL or a URN (e.g. https://api.example.com).",
        ),
        name: posted.field("name", "Name", ""),
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
    let registered = access::register_resource_at(
        &state.dbs.ops,
        &state.clock,
        &state.settings.issuer,
        form.get("identifier").trim(),
        form.get("name"),
        access::ResourceTokenSettings::default(),
    )
    .await;
    let err = match registered {
        Ok(resource) => {
            tracing::info!(actor = %actor.subject, resource_id = %resource.id, "operator registered a resource from the console");
            return done(&forms::path(ONE, &[&resource.id]), "created");
        }
        Err(err) => err,
    };
    let field = match err {
        AccessError::InvalidResourceIdentifier(_) | AccessError::DuplicateResource(_) => {
            "identifier"
        }
        AccessError::InvalidResourceName => "name",
        _ => return failed(&req, &state, &actor, err),
    };
    let posted = Posted::refused(form, FieldErrors::one(field, err.to_string()));
    render_list(&req, &state, &actor, posted).await
}

/// Everything a resource's page shows, as the domain has it.
pub struct Catalog {
    pub resource: Resource,
    pub rights: Vec<Right>,
    /// Each role with the rights it holds and its grants.
    pub roles: Vec<(Role, Vec<RoleRight>, Vec<Grant>)>,
}

impl Catalog {
    /// The resource's catalog, `None` when there is no such resource.
    pub async fn load(state: &AppState, resource_id: &str) -> Result<Option<Self>, AccessError> {
        let db = &state.dbs.ops;
        let Some(resource) = access::find_resource(db, resource_id).await? else {
            return Ok(None);
        };
        let rights = access::list_rights(db, resource_id).await?;
        let mut roles = Vec::new();
        for role in access::list_roles(db, resource_id).await? {
            let held = access::list_role_rights(db, &role.id).await?;
            let granted = access::list_role_grants(db, &role.id).await?;
            roles.push((role, held, granted));
        }
        Ok(Some(Self {
            resource,
            rights,
            roles,
        }))
    }

    pub fn has_right(&self, right_id: &str) -> bool {
        self.rights.iter().any(|r| r.id == right_id)
    }

    pub fn has_grant(&self, grant_id: &str) -> bool {
        self.roles
            .iter()
            .any(|(_, _, granted)| granted.iter().any(|g| g.id == grant_id))
    }
}

/// A right of the catalog as its table shows it.
struct RightRow {
    name: String,
    description: String,
    parameters: String,
    delete: Option<Action>,
}

#[derive(Template)]
#[template(path = "admin_resource.html")]
struct ResourcePage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    id: String,
    identifier: String,
    resource_name: String,
    created: String,
    /// The key its tokens are encrypted to (`alg`, and `kid` when it has one); set through the
    /// admin API.
    token_encryption: Option<String>,
    server_client_id: Option<String>,
    delete: Option<Action>,
    rights: Vec<RightRow>,
    add_right: Option<Action>,
    right_name: Field,
    right_description: Field,
    right_parameters: Field,
    roles: Vec<RoleView>,
    create_role: Option<Action>,
    role_name: Field,
    role_description: Field,
    grants: Vec<GrantRow>,
    grant: Option<Action>,
    grant_role: Select,
    grant_user: Field,
    grant_org: Select,
}

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    render_resource(&req, &state, &actor, &path, Posted::default()).await
}

/// The resource's page, with a refused form's values and errors when there was one.
pub async fn render_resource(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    resource_id: &str,
    posted: Posted,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    let catalog = match Catalog::load(state, resource_id).await {
        Ok(Some(catalog)) => catalog,
        Ok(None) => {
            let err = AccessError::UnknownResource(resource_id.to_owned());
            return not_found(forms, &err, LIST);
        }
        Err(err) => return server_error(forms, &err),
    };
    let orgs = match access::list_orgs(&state.dbs.ops).await {
        Ok(orgs) => orgs,
        Err(err) => return server_error(forms, &err),
    };
    let org_names: HashMap<String, String> = orgs
        .iter()
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect();
    let subjects = catalog
        .roles
        .iter()
        .flat_map(|(_, _, granted)| granted.iter().map(|g| g.subject.id()));
    let with_pii = forms.shows_personal_data();
    let labels = match directory::user_labels(state, subjects, with_pii).await {
        Ok(labels) => labels,
        Err(err) => return server_error(forms, &err),
    };
    let rights = catalog
        .rights
        .iter()
        .map(|r| RightRow {
            name: r.name.clone(),
            description: r.description.clone(),
            parameters: r.parameters.iter().cloned().collect::<Vec<_>>().join(", "),
            delete: forms.action(state, DELETE_RIGHT, &[resource_id, &r.id]),
        })
        .collect();
    let role_options: Vec<(String, String)> = catalog
        .roles
        .iter()
        .map(|(r, _, _)| (r.id.clone(), r.name.clone()))
        .collect();
    let mut org_options = vec![(String::new(), "Every organization".to_owned())];
    org_options.extend(orgs.into_iter().map(|o| (o.id, o.name)));
    let grants = grants::rows(&forms, state, &catalog, &labels, &org_names);
    let roles = roles::views(&forms, state, &catalog, &posted);
    let resource = catalog.resource;
    let data = ResourcePage {
        nav: forms.nav("resources"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(PAGE_FIELDS),
        delete: forms.action(state, DELETE, &[resource_id]),
        rights,
        add_right: forms.action(state, ADD_RIGHT, &[resource_id]),
        right_name: posted.field("right_name", "Right name", "e.g. reports:read"),
        right_description: posted.field(
            "right_description",
            "Description of the right (optional)",
            "",
        ),
        right_parameters: posted.field(
            "right_parameters",
            "Parameters (optional)",
            "Names a role may constrain this right by, separated by commas (e.g. region).",
        ),
        roles,
        create_role: forms.action(state, roles::CREATE, &[resource_id]),
        role_name: posted.field("role_name", "Role name", "e.g. analyst"),
        role_description: posted.field(
            "role_description",
            "Description of the role (optional)",
            "",
        ),
        grants,
        grant: forms.action(state, grants::CREATE, &[resource_id]),
        grant_role: posted.select("grant_role", "Role", role_options, ""),
        grant_user: posted.field("grant_user", "User", "Their email address or user id."),
        grant_org: posted.select("grant_org", "In", org_options, ""),
        id: resource.id,
        identifier: resource.identifier,
        resource_name: resource.name,
        created: when(resource.created_at),
        token_encryption: resource
            .token_encryption_key
            .as_ref()
            .map(|key| match key.kid() {
                Some(kid) => format!("{} (kid {kid})", key.alg()),
                None => key.alg().to_owned(),
            }),
        server_client_id: resource.server_client_id,
    };
    page(posted.status(), &data, forms.new_cookie)
}

pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let resource_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(DELETE, &[&resource_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match access::delete_resource(&state.dbs.ops, &resource_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, resource_id, "operator deleted a resource from the console");
            done(LIST, "deleted")
        }
        Err(err) => failed(&req, &state, &actor, err),
    }
}

pub async fn add_right(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let resource_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(ADD_RIGHT, &[&resource_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let parameters: Vec<String> = form
        .get("right_parameters")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let added = access::add_right(
        &state.dbs.ops,
        &resource_id,
        form.get("right_name").trim(),
        form.get("right_description"),
        &parameters,
    )
    .await;
    let err = match added {
        Ok(right) => {
            tracing::info!(actor = %actor.subject, resource_id, right = %right.name, "operator added a right from the console");
            return done(&page_url, "added");
        }
        Err(err) => err,
    };
    let field = match err {
        AccessError::InvalidRightName(_) | AccessError::DuplicateRight(_) => "right_name",
        AccessError::InvalidDescription => "right_description",
        AccessError::InvalidParameterName(_) => "right_parameters",
        _ => return failed(&req, &state, &actor, err),
    };
    let posted = Posted::refused(form, FieldErrors::one(field, err.to_string()));
    render_resource(&req, &state, &actor, &resource_id, posted).await
}

pub async fn delete_right(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (resource_id, right_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(DELETE_RIGHT, &[&resource_id, &right_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    // Only a right of this resource is deleted from its page.
    match Catalog::load(&state, &resource_id).await {
        Ok(Some(catalog)) if catalog.has_right(&right_id) => {}
        Ok(_) => return failed(&req, &state, &actor, AccessError::UnknownRight(right_id)),
        Err(err) => return failed(&req, &state, &actor, err),
    }
    match access::delete_right(&state.dbs.ops, &right_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, resource_id, right_id, "operator deleted a right from the console");
            done(&page_url, "deleted")
        }
        Err(err) => failed(&req, &state, &actor, err),
    }
}

/// An error no field takes: 404 for what does not exist, else a failure on our side.
pub fn failed(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    err: AccessError,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    match err {
        AccessError::UnknownResource(_)
        | AccessError::UnknownRight(_)
        | AccessError::UnknownRole(_)
        | AccessError::UnknownGrant(_)
        | AccessError::RightNotInRole(_) => not_found(forms, &err, LIST),
        _ => server_error(forms, &err),
    }
}
