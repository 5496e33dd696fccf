//! `/api/roles/{id}/grants` and `/api/grants`: roles granted to users and apps, globally or
//! for one organization. Only a grant puts a role's rights in tokens.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::ErrorBody;
use crate::access::{self, Grant, Subject};
use crate::http::error::access_error;
use crate::state::AppState;

/// Who a role is granted to.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// A user, by id.
    User,
    /// An app acting for itself (client credentials), by client id.
    App,
}

/// A role granted to a user or an app.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct GrantBody {
    id: String,
    role_id: String,
    subject_kind: SubjectKind,
    subject_id: String,
    /// The organization it applies in; `null`: in every organization and outside any.
    org_id: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<Grant> for GrantBody {
    fn from(g: Grant) -> Self {
        let (subject_kind, subject_id) = match g.subject {
            Subject::User(id) => (SubjectKind::User, id),
            Subject::App(id) => (SubjectKind::App, id),
        };
        Self {
            id: g.id,
            role_id: g.role_id,
            subject_kind,
            subject_id,
            org_id: g.org_id,
            created_at: g.created_at,
        }
    }
}

/// A role's grants, oldest first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct GrantListBody {
    grants: Vec<GrantBody>,
}

/// A grant to make.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewGrantBody {
    subject_kind: SubjectKind,
    /// A user id (1 to 64 printable ASCII characters), or an app's client id.
    #[schema(min_length = 1)]
    subject_id: String,
    /// Only in this organization; absent or `null`: globally.
    #[serde(default)]
    org_id: Option<String>,
}

#[utoipa::path(
    get, path = "/api/roles/{id}/grants", tag = "roles",
    params(("id" = String, Path, description = "The role's id")),
    responses(
        (status = 200, description = "The role's grants, oldest first", body = GrantListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No such role", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::list_role_grants(&state.dbs.ops, &id).await {
        Ok(grants) => HttpResponse::Ok().json(GrantListBody {
            grants: grants.into_iter().map(Into::into).collect(),
        }),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    post, path = "/api/roles/{id}/grants", tag = "roles",
    params(("id" = String, Path, description = "The role's id")),
    request_body = NewGrantBody,
    responses(
        (status = 201, description = "Granted", body = GrantBody),
        (status = 400, description = "Bad subject", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such role, user, app or organization", body = ErrorBody),
        (status = 409, description = "The same grant exists, or the user is disabled", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn create(
    id: web::Path<String>,
    body: web::Json<NewGrantBody>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = body.into_inner();
    let subject = match body.subject_kind {
        SubjectKind::User => Subject::User(body.subject_id),
        SubjectKind::App => Subject::App(body.subject_id),
    };
    let org_id = body.org_id.as_deref();
    match access::grant_role_to(&state.dbs, &state.clock, &id, &subject, org_id).await {
        Ok(grant) => HttpResponse::Created().json(GrantBody::from(grant)),
        Err(err) => access_error(&err),
    }
}

#[utoipa::path(
    delete, path = "/api/grants/{id}", tag = "roles",
    params(("id" = String, Path, description = "The grant's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
        (status = 404, description = "No such grant", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn delete(id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match access::revoke_grant(&state.dbs.ops, &id).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(err) => access_error(&err),
    }
}
