//! `/apps`: the registered apps, searched by name or the beginning of a client id and paged;
//! an app's page with its settings, its organization (set here), whom it is shared with (share
//! and unshare here) and its secret keys (`app_keys.rs` takes their forms).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::directory;
use super::forms::{self, Action, Forms, Nav, Posted};
use super::paging::{Paging, PER_PAGE};
use super::{done, not_found, page, refuse_forged, server_error, when};
use crate::access::{self, AccessError, ShareAccess};
use crate::apps::{self, AppError, AppSummary, KeySummary};
use crate::http::admin::auth::Actor;
use crate::http::form::{Field, FieldErrors, FormData, Select};
use crate::state::AppState;

pub const LIST: &str = "/apps";
pub const ONE: &str = "/apps/{client_id}";
const ORGANIZATION: &str = "/apps/{client_id}/organization";
const SHARE: &str = "/apps/{client_id}/shares";
const UNSHARE: &str = "/apps/{client_id}/shares/{user_id}/remove";

/// The fields of the page's own forms (not a row's).
const PAGE_FIELDS: &[&str] = &[
    "org_id",
    "share_user",
    "share_access",
    "key_label",
    "key_expires_in",
];

/// Makes this instance serve a change to apps at once; other instances pick it up on their
/// next tick.
pub async fn refresh_registry(state: &AppState) {
    crate::http::admin::api::refresh_apps(state).await;
}

/// An app in the list.
struct AppRow {
    client_id: String,
    link: String,
    name: String,
    auth_method: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_apps.html")]
struct ListPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    q: Field,
    apps: Vec<AppRow>,
    paging: Paging,
}

pub async fn list(
    req: HttpRequest,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let forms = Forms::new(&req, &state, actor.role);
    let query = forms::query(&req);
    let q = query.get("q").trim().to_owned();
    let page_number = Paging::requested(query.get("page"));
    let mut errors = FieldErrors::default();
    let search = Some(q.as_str()).filter(|q| !q.is_empty());
    let found = apps::find_apps_page(&state.dbs.ops, search, page_number, PER_PAGE).await;
    let (found, total) = match found {
        Ok(found) => (found.apps, found.total),
        Err(err @ (AppError::InvalidSearch | AppError::InvalidPage)) => {
            errors.add("q", err.to_string());
            (Vec::new(), 0)
        }
        Err(err) => return server_error(forms, &err),
    };
    let posted = Posted::refused(FormData::default(), errors);
    let data = ListPage {
        nav: forms.nav("apps"),
        notice: forms::notice(&req),
        top_errors: posted.top_errors(&["q"]),
        q: Field::new(
            "q",
            "Search",
            "Part of an app's name, or the beginning of its App ID.",
            &q,
            &posted.errors,
        ),
        apps: found
            .into_iter()
            .map(|a| AppRow {
                link: forms::path(ONE, &[&a.client_id]),
                created: when(a.created_at),
                auth_method: a.token_endpoint_auth_method,
                name: a.settings.name,
                client_id: a.client_id,
            })
            .collect(),
        paging: Paging::new(LIST, &q, page_number, total),
    };
    page(posted.status(), &data, forms.new_cookie)
}

/// A user the app is shared with.
struct ShareRow {
    label: String,
    link: String,
    access: &'static str,
    remove: Option<Action>,
}

/// A secret key of the app, with the forms of its row.
struct KeyRow {
    key_id: String,
    label: String,
    created: String,
    expires: String,
    last_used: String,
    status: &'static str,
    rotate: Option<Action>,
    old_valid_for: String,
    error: Option<String>,
    revoke: Option<Action>,
}

#[derive(Template)]
#[template(path = "admin_app.html")]
struct AppPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    client_id: String,
    app_name: String,
    facts: Vec<(&'static str, String)>,
    owner: Option<(String, String)>,
    org: Option<(String, String)>,
    set_org: Option<Action>,
    org_select: Select,
    shares: Vec<ShareRow>,
    share: Option<Action>,
    share_user: Field,
    share_access: Select,
    /// Only an app that authenticates with a secret has keys.
    has_secrets: bool,
    keys: Vec<KeyRow>,
    create_key: Option<Action>,
    key_label: Field,
    key_expires_in: Field,
}

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    render_app(&req, &state, &actor, &path, Posted::default()).await
}

/// The settings an operator reads on the page, in words.
fn facts(app: &AppSummary) -> Vec<(&'static str, String)> {
    let s = &app.settings;
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_owned()
        } else {
            items.join(", ")
        }
    };
    let yes_no = |flag: bool| if flag { "yes" } else { "no" }.to_owned();
    vec![
        ("Authentication", app.token_endpoint_auth_method.clone()),
        ("First party (no consent screen)", yes_no(s.is_first_party)),
        ("Redirect URIs", list(&s.redirect_uris)),
        ("Redirect URI prefixes", list(&s.redirect_uri_prefixes)),
        (
            "Post-logout redirect URIs",
            list(&s.post_logout_redirect_uris),
        ),
        ("Grant types", list(&s.grant_types)),
        ("Scopes", list(&s.scopes)),
        (
            "Allowed origins (domain protection)",
            list(&s.allowed_origins),
        ),
        ("Allowed IP addresses (IP protection)", list(&s.allowed_ips)),
        ("Server only", yes_no(s.is_server_only)),
        ("Registered", when(app.created_at)),
        ("Changed", when(app.updated_at)),
    ]
}

fn key_status(key: &KeySummary, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    if key.revoked_at.is_some() {
        "revoked"
    } else if key.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else if key.expires_at.is_some() {
        "active, expiring"
    } else {
        "active"
    }
}

/// The app's page, with a refused form's values and errors when there was one.
pub async fn render_app(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    client_id: &str,
    posted: Posted,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    let app = match apps::find_app(&state.dbs.ops, client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return not_found(forms, &AppError::UnknownApp(client_id.to_owned()), LIST),
        Err(err) => return server_error(forms, &err),
    };
    let loaded = async {
        let placed = access::find_app_access(&state.dbs.ops, client_id).await?;
        let orgs = access::list_orgs(&state.dbs.ops).await?;
        let shares = access::list_shares(&state.dbs.ops, client_id).await?;
        Ok::<_, AccessError>((placed, orgs, shares))
    };
    let (placed, orgs, shares) = match loaded.await {
        Ok(loaded) => loaded,
        Err(err) => return server_error(forms, &err),
    };
    let keys = match state.apps.find(client_id).await {
        Ok(Some(registered)) => match apps::list_keys(&state.dbs.ops, &registered).await {
            Ok(keys) => keys,
            Err(err) => return server_error(forms, &err),
        },
        Ok(None) => Vec::new(),
        Err(err) => return server_error(forms, &err),
    };
    let with_pii = forms.shows_personal_data();
    let people = shares
        .iter()
        .map(|s| s.user_id.as_str())
        .chain(app.owner_id.as_deref());
    let labels = match directory::user_labels(state, people, with_pii).await {
        Ok(labels) => labels,
        Err(err) => return server_error(forms, &err),
    };
    let label = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let org_names: HashMap<&str, &str> = orgs
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    let current_org = placed.org_id.clone().unwrap_or_default();
    let mut org_options = vec![(String::new(), "No organization".to_owned())];
    org_options.extend(orgs.iter().map(|o| (o.id.clone(), o.name.clone())));
    let now = state.clock.now();
    let keys = keys
        .into_iter()
        .map(|k| {
            let status = key_status(&k, now);
            let is_usable = status.starts_with("active");
            let ids = [client_id, k.key_id.as_str()];
            let is_refused = posted.row.as_deref() == Some(k.key_id.as_str());
            KeyRow {
                rotate: is_usable
                    .then(|| forms.action(state, super::app_keys::ROTATE, &ids))
                    .flatten(),
                revoke: is_usable
                    .then(|| forms.action(state, super::app_keys::REVOKE, &ids))
                    .flatten(),
                old_valid_for: if is_refused {
                    posted.values.get("old_valid_for").to_owned()
                } else {
                    super::app_keys::OLD_KEY_DEFAULT.to_owned()
                },
                error: posted.row_error(&k.key_id, "old_valid_for"),
                created: when(k.created_at),
                expires: k.expires_at.map_or_else(|| "never".to_owned(), when),
                last_used: k.last_used_at.map_or_else(|| "never".to_owned(), when),
                status,
                label: k.label,
                key_id: k.key_id,
            }
        })
        .collect();
    let data = AppPage {
        nav: forms.nav("apps"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(PAGE_FIELDS),
        client_id: app.client_id.clone(),
        app_name: app.settings.name.clone(),
        facts: facts(&app),
        owner: app
            .owner_id
            .as_deref()
            .map(|id| (forms::path(super::users::ONE, &[id]), label(id))),
        org: placed.org_id.as_deref().map(|id| {
            let name = org_names.get(id).copied().unwrap_or(id);
            (
                forms::path(super::organizations::ONE, &[id]),
                name.to_owned(),
            )
        }),
        set_org: forms.action(state, ORGANIZATION, &[client_id]),
        org_select: posted.select("org_id", "Organization", org_options, &current_org),
        shares: shares
            .iter()
            .map(|s| ShareRow {
                label: label(&s.user_id),
                link: forms::path(super::users::ONE, &[&s.user_id]),
                access: s.access.as_str(),
                remove: forms.action(state, UNSHARE, &[client_id, &s.user_id]),
            })
            .collect(),
        share: forms.action(state, SHARE, &[client_id]),
        share_user: posted.field("share_user", "User", "Their email address or user id."),
        share_access: posted.select(
            "share_access",
            "Access",
            [ShareAccess::Read, ShareAccess::Modify]
                .map(|a| (a.as_str().to_owned(), a.as_str().to_owned()))
                .into(),
            ShareAccess::Read.as_str(),
        ),
        has_secrets: app.token_endpoint_auth_method == "client_secret_basic",
        keys,
        create_key: forms.action(state, super::app_keys::CREATE, &[client_id]),
        key_label: posted.field("key_label", "Label (optional)", ""),
        key_expires_in: posted.field(
            "key_expires_in",
            "Expires in (optional)",
            "A duration such as 90d; blank: never.",
        ),
    };
    if with_pii {
        tracing::info!(actor = %actor.subject, client_id, "operator read the emails of an app's users");
    }
    page(posted.status(), &data, forms.new_cookie)
}

pub async fn set_organization(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&client_id]);
    let action = forms::path(ORGANIZATION, &[&client_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let org_id = Some(form.get("org_id")).filter(|o| !o.is_empty());
    match access::assign_app_to_org(&state.dbs.ops, &state.clock, &client_id, org_id).await {
        Ok(()) => {
            refresh_registry(&state).await;
            tracing::info!(actor = %actor.subject, client_id, org_id, "operator moved an app from the console");
            done(&page_url, "saved")
        }
        Err(err @ AccessError::UnknownOrg(_)) => {
            let posted = Posted::refused(form, FieldErrors::one("org_id", err.to_string()));
            render_app(&req, &state, &actor, &client_id, posted).await
        }
        Err(err) => failed(&req, &state, &actor, &err),
    }
}

pub async fn share(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client_id = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&client_id]);
    let action = forms::path(SHARE, &[&client_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    let mut errors = FieldErrors::default();
    let share_access = form.get("share_access").parse::<ShareAccess>();
    if let Err(err) = &share_access {
        errors.add("share_access", err.to_string());
    }
    let user_id = match directory::user_field(&state, &form, "share_user", &mut errors).await {
        Ok(found) => found,
        Err(err) => return server_error(Forms::new(&req, &state, actor.role), &err),
    };
    let (Ok(share_access), Some(user_id)) = (share_access, user_id) else {
        return render_app(
            &req,
            &state,
            &actor,
            &client_id,
            Posted::refused(form, errors),
        )
        .await;
    };
    let shared =
        access::share_app_with_user(&state.dbs, &state.clock, &client_id, &user_id, share_access)
            .await;
    match shared {
        Ok(_) => {
            tracing::info!(actor = %actor.subject, client_id, user_id, %share_access, "operator shared an app from the console");
            done(&page_url, "added")
        }
        Err(
            err @ (AccessError::InvalidUserId
            | AccessError::UnknownUser(_)
            | AccessError::DisabledUser(_)),
        ) => {
            let posted = Posted::refused(form, FieldErrors::one("share_user", err.to_string()));
            render_app(&req, &state, &actor, &client_id, posted).await
        }
        Err(err) => failed(&req, &state, &actor, &err),
    }
}

pub async fn unshare(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (client_id, user_id) = path.into_inner();
    let form = FormData::parse(&body);
    let page_url = forms::path(ONE, &[&client_id]);
    let action = forms::path(UNSHARE, &[&client_id, &user_id]);
    if let Some(res) = refuse_forged(&req, &state, &action, &form, &page_url) {
        return res;
    }
    match access::unshare_app(&state.dbs.ops, &client_id, &user_id).await {
        Ok(()) => {
            tracing::info!(actor = %actor.subject, client_id, user_id, "operator unshared an app from the console");
            done(&page_url, "removed")
        }
        Err(err) => failed(&req, &state, &actor, &err),
    }
}

/// 404 for an app or share that does not exist, else a failure on our side.
fn failed(req: &HttpRequest, state: &AppState, actor: &Actor, err: &AccessError) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    match err {
        AccessError::UnknownApp(_) | AccessError::NotShared { .. } => not_found(forms, err, LIST),
        _ => server_error(forms, err),
    }
}
