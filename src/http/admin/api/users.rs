//! `GET /api/users`: users with paging and search. Email and name are personal data: only
//! operators with the `user` or `admin` role get them (and may search by email).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::ErrorBody;
use crate::http::admin::auth::Actor;
use crate::http::error::{admin_error, user_error};
use crate::identity::{self, UserRecord, UserSearch};
use crate::state::AppState;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Page number, 1 to 1,000,000 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Users per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u64>,
    /// An email address (exact; needs the `user` role) or the beginning of a user id.
    q: Option<String>,
}

/// A user; `email` and `name` only for operators allowed to read personal data.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserBody {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    is_disabled: bool,
}

impl From<UserRecord> for UserBody {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            created_at: u.created_at,
            updated_at: u.updated_at,
            is_disabled: u.is_disabled,
        }
    }
}

/// One page of users.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserPageBody {
    users: Vec<UserBody>,
    page: u64,
    per_page: u64,
    /// How many users match in all.
    total: u64,
}

#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    params(UsersQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPageBody),
        (status = 400, description = "Bad paging or search", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator, or a guest searching by email", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(
    query: web::Query<UsersQuery>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let search = match UserSearch::parse(query.q.as_deref()) {
        Ok(search) => search,
        Err(err) => return user_error(&err),
    };
    let with_personal_data = actor.role.reads_personal_data();
    if search.reads_personal_data() && !with_personal_data {
        return admin_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "searching by email reads personal data: this needs the user operator role or higher",
        );
    }
    let page = identity::find_users_page(
        &state.dbs.accounts,
        &state.pii,
        &search,
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(50),
        with_personal_data,
    )
    .await;
    match page {
        Ok(page) => {
            if with_personal_data {
                // DESIGN.md "Audit": reads of personal data are recorded (the audit log will
                // take these; until then they are logged).
                tracing::info!(actor = %actor.subject, users = page.users.len(), "operator read users' personal data");
            }
            HttpResponse::Ok().json(UserPageBody {
                users: page.users.into_iter().map(Into::into).collect(),
                page: page.page,
                per_page: page.per_page,
                total: page.total,
            })
        }
        Err(err) => user_error(&err),
    }
}
