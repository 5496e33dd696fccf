//! A resource's roles, from its console page: create and delete a role, put a right of the
//! resource into a role with constraints on the right's parameters (`region=eu`), take a right
//! out. The constraints are typed as `parameter=value1,value2`, one parameter per line or
//! separated by `;`.

use actix_web::{web, HttpRequest, HttpResponse};

use super::forms::{self, Action, Forms, Posted};
use super::resources::{failed, render_resource, Catalog, ONE};
use super::{done, refuse_forged};
use crate::access::{self, AccessError, Constraints};
use crate::http::admin::auth::Actor;
use crate::http::form::{FieldErrors, FormData, Select};
use crate::state::AppState;

pub const CREATE: &str = "/resources/{id}/roles";
const DELETE: &str = "/resources/{id}/roles/{role_id}/delete";
const PUT_RIGHT: &str = "/resources/{id}/roles/{role_id}/rights";
const REMOVE_RIGHT: &str = "/resources/{id}/roles/{role_id}/rights/{right_id}/remove";

/// What the constraints field says when a constraint cannot be read.
const CONSTRAINTS_FORMAT: &str =
    "write each constraint as parameter=value1,value2, one per line or separated by ;";

/// The constraints as typed; a blank field leaves the right unconstrained.
pub fn parse_constraints(text: &str) -> Result<Constraints, &'static str> {
    let mut constraints = Constraints::new();
    for entry in text
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let (parameter, values) = entry.split_once('=').ok_or(CONSTRAINTS_FORMAT)?;
        let parameter = parameter.trim();
        if parameter.is_empty() {
            return Err(CONSTRAINTS_FORMAT);
        }
        let allowed = constraints.entry(parameter.to_owned()).or_default();
        allowed.extend(
            values
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(constraints)
}

/// Constraints as the page shows them.
pub fn show_constraints(constraints: &Constraints) -> String {
    constraints
        .iter()
        .map(|(parameter, values)| {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            format!("{parameter}={}", values.join(","))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A right in a role.
pub struct HeldRight {
    pub name: String,
    /// `region=eu` …, empty when unconstrained.
    pub constraints: String,
    pub remove: Option<Action>,
}

/// A role with its rights and the forms of its section.
pub struct RoleView {
    pub name: String,
    pub description: String,
    pub rights: Vec<HeldRight>,
    pub delete: Option<Action>,
    pub put_right: Option<Action>,
    pub right_select: Select,
    pub constraints: String,
    pub constraints_error: Option<String>,
}

/// The roles of a catalog as the resource's page shows them.
pub fn views(forms: &Forms, state: &AppState, catalog: &Catalog, posted: &Posted) -> Vec<RoleView> {
    let resource_id = catalog.resource.id.as_str();
    let right_options: Vec<(String, String)> = catalog
        .rights
        .iter()
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    catalog
        .roles
        .iter()
        .map(|(role, held, _)| {
            let ids = [resource_id, role.id.as_str()];
            let is_refused = posted.row.as_deref() == Some(role.id.as_str());
            let (chosen, typed) = if is_refused {
                (
                    posted.values.get("right_id"),
                    posted.values.get("constraints"),
                )
            } else {
                ("", "")
            };
            RoleView {
                name: role.name.clone(),
                description: role.description.clone(),
                rights: held
                    .iter()
                    .map(|h| HeldRight {
                        name: h.right.clone(),
                        constraints: show_constraints(&h.constraints),
                        remove: forms.action(
                            state,
                            REMOVE_RIGHT,
                            &[resource_id, &role.id, &h.right_id],
                        ),
                    })
                    .collect(),
                delete: forms.action(state, DELETE, &ids),
                put_right: forms.action(state, PUT_RIGHT, &ids),
                right_select: Select::new(
                    "right_id",
                    "Right",
                    right_options.clone(),
                    chosen,
                    posted.row_error(&role.id, "right_id"),
                ),
                constraints: typed.to_owned(),
                constraints_error: posted.row_error(&role.id, "constraints"),
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
    let created = access::create_role(
        &state.dbs.ops,
        &resource_id,
        form.get("role_name").trim(),
        form.get("role_description"),
    )
    .await;
    let err = match created {
        Ok(role) => {
            tracing::info!(actor = %actor.subject, resource_id, role = %role.name, "operator created a role from the console");
            return done(&page_url, "created");
        }
        Err(err) => err,
    };
    let field = match err {
        AccessError::InvalidRoleName(_) | AccessError::DuplicateRole(_) => "role_name",
        AccessError::InvalidDescription => "role_description",
        _ => return failed(&req, &state, &actor, err),
    };
    let posted = Posted::refused(form, FieldErrors::one(field, err.to_string()));
    render_resource(&req, &state, &actor, &resource_id, posted).await
}

/// Whether the role is one of the resource's (a role is changed from its resource's page only).
async fn is_resource_role(
    state: &AppState,
    resource_id: &str,
    role_id: &str,
) -> Result<bool, AccessError> {
    Ok(access::find_role(&state.dbs.ops, role_id)
        .await?
        .is_some_and(|role| role.resource_id == resource_id))
}

pub async fn delete(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (resource_id, role_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(DELETE, &[&resource_id, &role_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match is_resource_role(&state, &resource_id, &role_id).await {
        Ok(true) => {}
        Ok(false) => return failed(&req, &state, &actor, AccessError::UnknownRole(role_id)),
        Err(err) => return failed(&req, &state, &actor, err),
    }
    match access::delete_role(&state.dbs.ops, &role_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, resource_id, role_id, "operator deleted a role from the console");
            done(&page_url, "deleted")
        }
        Err(err) => failed(&req, &state, &actor, err),
    }
}

pub async fn put_right(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (resource_id, role_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(PUT_RIGHT, &[&resource_id, &role_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match is_resource_role(&state, &resource_id, &role_id).await {
        Ok(true) => {}
        Ok(false) => return failed(&req, &state, &actor, AccessError::UnknownRole(role_id)),
        Err(err) => return failed(&req, &state, &actor, err),
    }
    let constraints = match parse_constraints(form.get("constraints")) {
        Ok(constraints) => constraints,
        Err(message) => {
            let errors = FieldErrors::one("constraints", message);
            let posted = Posted::refused_row(form, errors, &role_id);
            return render_resource(&req, &state, &actor, &resource_id, posted).await;
        }
    };
    let right_id = form.get("right_id").to_owned();
    let added = access::add_role_right(&state.dbs.ops, &role_id, &right_id, constraints).await;
    let err = match added {
        Ok(held) => {
            tracing::info!(actor = %actor.subject, resource_id, role_id, right = %held.right, "operator put a right into a role from the console");
            return done(&page_url, "added");
        }
        Err(err) => err,
    };
    let field = match err {
        AccessError::UnknownRight(_)
        | AccessError::ForeignRight { .. }
        | AccessError::RightAlreadyInRole(_) => "right_id",
        AccessError::UnknownParameter { .. }
        | AccessError::EmptyConstraint(_)
        | AccessError::InvalidConstraintValue(_) => "constraints",
        _ => return failed(&req, &state, &actor, err),
    };
    let posted = Posted::refused_row(form, FieldErrors::one(field, err.to_string()), &role_id);
    render_resource(&req, &state, &actor, &resource_id, posted).await
}

pub async fn remove_right(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (resource_id, role_id, right_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&resource_id]);
    let action = forms::path(REMOVE_RIGHT, &[&resource_id, &role_id, &right_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match is_resource_role(&state, &resource_id, &role_id).await {
        Ok(true) => {}
        Ok(false) => return failed(&req, &state, &actor, AccessError::UnknownRole(role_id)),
        Err(err) => return failed(&req, &state, &actor, err),
    }
    match access::remove_role_right(&state.dbs.ops, &role_id, &right_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, resource_id, role_id, right_id, "operator took a right out of a role from the console");
            done(&page_url, "removed")
        }
        Err(err) => failed(&req, &state, &actor, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_are_read_per_line_or_semicolon() {
        let parsed = parse_constraints("region = eu, us\n\nstation=7; region=cz").unwrap();
        assert_eq!(show_constraints(&parsed), "region=cz,eu,us; station=7");
        assert!(parse_constraints("  ").unwrap().is_empty());
        assert_eq!(parse_constraints("region"), Err(CONSTRAINTS_FORMAT));
        assert_eq!(parse_constraints("=eu"), Err(CONSTRAINTS_FORMAT));
        // No value: the domain refuses it with its own words.
        assert!(parse_constraints("region=").unwrap()["region"].is_empty());
    }
}
