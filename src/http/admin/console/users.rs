//! `/users`: the list, searched by email (exact) or the beginning of a user id and paged, with
//! the form that creates a user; a user's page with their state and memberships, and the forms
//! that disable or enable them (ending their sessions), end their sessions, or delete them.
//! Emails and names are personal data: as in the API, only operators with the `user` role or
//! higher see them or may search by email.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

use super::forms::{self, Action, Forms, Nav, Posted};
use super::paging::{Paging, PER_PAGE};
use super::{done, error_page, not_found, page, refuse_forged, server_error, when};
use crate::access;
use crate::http::admin::auth::Actor;
use crate::http::form::{Field, FieldErrors, FormData};
use crate::identity::{self, mfa, Email, MfaError, NewUser, PasswordError, UserError, UserSearch};
use crate::state::AppState;

pub const LIST: &str = "/users";
pub const ONE: &str = "/users/{id}";
const DISABLE: &str = "/users/{id}/disable";
const ENABLE: &str = "/users/{id}/enable";
const REVOKE_SESSIONS: &str = "/users/{id}/sessions/revoke";
const DELETE: &str = "/users/{id}/delete";
const RESET_MFA: &str = "/users/{id}/mfa/reset";

/// What a guest searching by email is told.
const EMAIL_SEARCH_NEEDS_ROLE: &str =
    "Searching by email reads personal data: this needs the user operator role or higher.";

/// A user in the list; `email` and `name` only for operators who may read them.
struct UserRow {
    id: String,
    link: String,
    email: Option<String>,
    name: Option<String>,
    is_disabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    with_personal_data: bool,
    q: Field,
    users: Vec<UserRow>,
    paging: Paging,
    create: Option<Action>,
    email: Field,
    name: Field,
    password: Field,
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
    mut posted: Posted,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    let query = forms::query(req);
    let q = query.get("q").trim().to_owned();
    let page_number = Paging::requested(query.get("page"));
    let with_personal_data = forms.shows_personal_data();
    let search = match UserSearch::parse(Some(&q)) {
        Ok(search) if search.reads_personal_data() && !with_personal_data => {
            posted.errors.add("q", EMAIL_SEARCH_NEEDS_ROLE);
            UserSearch::All
        }
        Ok(search) => search,
        Err(err) => {
            posted.errors.add("q", err.to_string());
            UserSearch::All
        }
    };
    let found = if posted.errors.field("q").is_some() {
        None
    } else {
        let found = identity::find_users_page(
            &state.dbs.accounts,
            &state.pii,
            &search,
            page_number,
            PER_PAGE,
            with_personal_data,
        )
        .await;
        match found {
            Ok(found) => Some(found),
            Err(UserError::InvalidPage) => {
                posted.errors.add("q", UserError::InvalidPage.to_string());
                None
            }
            Err(err) => return server_error(forms, &err),
        }
    };
    let (users, total) = found.map_or((Vec::new(), 0), |p| (p.users, p.total));
    if with_personal_data && !users.is_empty() {
        // DESIGN.md "Audit": reads of personal data are recorded.
        tracing::info!(actor = %actor.subject, users = users.len(), "operator read users' personal data");
    }
    let users = users
        .into_iter()
        .map(|u| UserRow {
            link: forms::path(ONE, &[&u.id]),
            created: when(u.created_at),
            email: u.email,
            name: u.name,
            is_disabled: u.is_disabled,
            id: u.id,
        })
        .collect();
    let q_field = Field::new(
        "q",
        "Search",
        "An email address (exact) or the beginning of a user id.",
        &q,
        &posted.errors,
    );
    let data = ListPage {
        nav: forms.nav("users"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(&["q", "email", "name", "password"]),
        with_personal_data,
        q: q_field,
        users,
        paging: Paging::new(LIST, &q, page_number, total),
        create: forms.action(state, LIST, &[]),
        email: posted.field("email", "Email", ""),
        name: posted.field("name", "Name (optional)", ""),
        // A refused password is never sent back.
        password: Field::new("password", "Password", "", "", &posted.errors),
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
    let email = match form.get("email").parse::<Email>() {
        Ok(email) => email,
        Err(err) => {
            let errors = FieldErrors::one("email", err.to_string());
            return render_list(&req, &state, &actor, Posted::refused(form, errors)).await;
        }
    };
    let name = Some(form.get("name").trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let new = NewUser {
        email,
        name,
        password: SecretString::from(form.get("password").to_owned()),
    };
    let created = identity::create_user_record(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        &state.clock,
        new,
    )
    .await;
    let err = match created {
        Ok(user) => {
            tracing::info!(actor = %actor.subject, user_id = %user.id, "operator created a user from the console");
            return done(&forms::path(ONE, &[&user.id]), "created");
        }
        Err(err) => err,
    };
    let field = match &err {
        UserError::DuplicateEmail => "email",
        UserError::InvalidName => "name",
        UserError::Password(PasswordError::TooShort(_) | PasswordError::TooLong) => "password",
        _ => return server_error(Forms::new(&req, &state, actor.role), &err),
    };
    let errors = FieldErrors::one(field, err.to_string());
    render_list(&req, &state, &actor, Posted::refused(form, errors)).await
}

/// An organization the user belongs to.
struct MembershipRow {
    org_id: String,
    org_name: String,
    role: &'static str,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    nav: Nav,
    notice: Option<&'static str>,
    /// The page has no field of its own to show errors next to.
    top_errors: Vec<String>,
    id: String,
    email: Option<String>,
    name: Option<String>,
    is_disabled: bool,
    has_mfa: bool,
    created: String,
    updated: String,
    memberships: Vec<MembershipRow>,
    /// Disable when enabled, enable when disabled.
    switch: Option<Action>,
    revoke_sessions: Option<Action>,
    reset_mfa: Option<Action>,
    delete: Option<Action>,
}

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = path.into_inner();
    let forms = Forms::new(&req, &state, actor.role);
    let with_personal_data = forms.shows_personal_data();
    let user =
        match identity::find_user_record(&state.dbs.accounts, &state.pii, &id, with_personal_data)
            .await
        {
            Ok(user) => user,
            Err(err @ UserError::UnknownUser(_)) => return not_found(forms, &err, LIST),
            Err(err) => return server_error(forms, &err),
        };
    if with_personal_data {
        tracing::info!(actor = %actor.subject, user_id = %user.id, "operator read a user's personal data");
    }
    let memberships = match access::list_user_orgs(&state.dbs.ops, &id).await {
        Ok(list) => list,
        Err(err) => return server_error(forms, &err),
    };
    let has_mfa = match mfa::has_mfa(&state.dbs.accounts, &id).await {
        Ok(has) => has,
        Err(err) => return server_error(forms, &err),
    };
    let switch = if user.is_disabled { ENABLE } else { DISABLE };
    let data = UserPage {
        nav: forms.nav("users"),
        notice: forms::notice(&req),
        top_errors: Vec::new(),
        switch: forms.action(&state, switch, &[&id]),
        revoke_sessions: forms.action(&state, REVOKE_SESSIONS, &[&id]),
        reset_mfa: has_mfa
            .then(|| forms.action(&state, RESET_MFA, &[&id]))
            .flatten(),
        delete: forms.action(&state, DELETE, &[&id]),
        memberships: memberships
            .into_iter()
            .map(|m| MembershipRow {
                org_id: m.org.id,
                org_name: m.org.name,
                role: m.role.as_str(),
            })
            .collect(),
        created: when(user.created_at),
        updated: when(user.updated_at),
        email: user.email,
        name: user.name,
        is_disabled: user.is_disabled,
        has_mfa,
        id: user.id,
    };
    page(actix_web::http::StatusCode::OK, &data, forms.new_cookie)
}

/// What a user page's button does.
#[derive(Clone, Copy)]
enum Change {
    Disable,
    Enable,
    RevokeSessions,
    ResetMfa,
    Delete,
}

impl Change {
    fn action(self) -> &'static str {
        match self {
            Self::Disable => DISABLE,
            Self::Enable => ENABLE,
            Self::RevokeSessions => REVOKE_SESSIONS,
            Self::ResetMfa => RESET_MFA,
            Self::Delete => DELETE,
        }
    }
}

async fn change(
    req: HttpRequest,
    id: String,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
    what: Change,
) -> HttpResponse {
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&id]);
    let action = forms::path(what.action(), &[&id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let now = state.clock.now();
    let changed = match what {
        Change::Disable => identity::disable_user(&state.dbs, &id, now).await,
        Change::Enable => identity::enable_user(&state.dbs, &id, now)
            .await
            .map(|()| 0),
        Change::RevokeSessions => identity::revoke_user_sessions(&state.dbs, &id, now).await,
        Change::ResetMfa => match mfa::reset(&state.dbs, &id, now).await {
            Ok(ended) => Ok(ended),
            Err(MfaError::UnknownUser(id)) => Err(UserError::UnknownUser(id)),
            Err(err) => return server_error(Forms::new(&req, &state, actor.role), &err),
        },
        Change::Delete => identity::delete_user(&state.dbs, &id, now).await,
    };
    match changed {
        Ok(ended) => {
            let (note, to) = match what {
                Change::Disable => ("disabled", page_url.as_str()),
                Change::Enable => ("enabled", page_url.as_str()),
                Change::RevokeSessions => ("sessions", page_url.as_str()),
                Change::ResetMfa => ("mfa-reset", page_url.as_str()),
                Change::Delete => ("deleted", LIST),
            };
            tracing::info!(actor = %actor.subject, user_id = %id, change = note, revoked_sessions = ended, "operator changed a user from the console");
            done(to, note)
        }
        Err(err @ UserError::UnknownUser(_)) => {
            not_found(Forms::new(&req, &state, actor.role), &err, LIST)
        }
        Err(err @ (UserError::SoleAdmin(_) | UserError::LastAdminOperator)) => {
            let forms = Forms::new(&req, &state, actor.role);
            error_page(
                forms,
                actix_web::http::StatusCode::CONFLICT,
                err.to_string(),
                &page_url,
            )
        }
        Err(err) => server_error(Forms::new(&req, &state, actor.role), &err),
    }
}

pub async fn disable(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    change(req, path.into_inner(), body, actor, state, Change::Disable).await
}

pub async fn enable(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    change(req, path.into_inner(), body, actor, state, Change::Enable).await
}

pub async fn revoke_sessions(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = path.into_inner();
    change(req, id, body, actor, state, Change::RevokeSessions).await
}

pub async fn reset_mfa(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    change(req, path.into_inner(), body, actor, state, Change::ResetMfa).await
}

pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    change(req, path.into_inner(), body, actor, state, Change::Delete).await
}
