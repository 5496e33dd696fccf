//! The page of one app: its settings, its secret keys and whom it is shared with. Forms appear
//! only for what the developer may do (settings and keys: modify; sharing: manage); a reader sees
//! the same facts without a form. Shown after a GET, and again with the typed values and errors
//! when a form on it was refused.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use super::super::browser::{page, texts};
use super::super::texts::{DashboardTexts, Texts};
use super::access::{registered, server_error, FormTokens, OpenedApp, Purpose};
use super::form::{FieldErrors, SettingsForm};
use super::sharing::{self, ShareForm, ShareRow, SHARE_FIELDS};
use super::view::{permission_label, Field, SettingsView, SETTINGS_FIELDS};
use crate::apps::{self, AppSummary, KeySummary};
use crate::state::AppState;

/// The default of the rotation form: a day for every server to pick up the new key.
const ROTATE_DEFAULT: &str = "1d";

/// A short note above the page after a change that redirected back here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Saved,
    KeyRevoked,
    Shared,
    Unshared,
}

impl Notice {
    /// From the `?done=` of the redirect after a change.
    pub fn from_query(query: &str) -> Option<Self> {
        url::form_urlencoded::parse(query.as_bytes()).find_map(|(k, v)| {
            match (k.as_ref(), v.as_ref()) {
                ("done", "saved") => Some(Self::Saved),
                ("done", "revoked") => Some(Self::KeyRevoked),
                ("done", "shared") => Some(Self::Shared),
                ("done", "unshared") => Some(Self::Unshared),
                _ => None,
            }
        })
    }

    fn text(self, d: &DashboardTexts) -> &'static str {
        match self {
            Self::Saved => d.saved,
            Self::KeyRevoked => d.key_revoked,
            Self::Shared => d.shared,
            Self::Unshared => d.unshared,
        }
    }
}

/// The key forms as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyForm {
    pub label: String,
    pub expires_in: String,
    pub old_valid_for: String,
}

impl Default for KeyForm {
    fn default() -> Self {
        Self {
            label: String::new(),
            expires_in: String::new(),
            old_valid_for: ROTATE_DEFAULT.into(),
        }
    }
}

/// What a refused form brings back to the page; the default is a plain GET.
#[derive(Debug, Default)]
pub struct Posted {
    pub settings: Option<SettingsForm>,
    pub keys: KeyForm,
    pub share: ShareForm,
    pub errors: FieldErrors,
    pub notice: Option<Notice>,
}

/// A key as the table shows it.
pub struct KeyRow {
    pub key_id: String,
    pub label: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub status: &'static str,
    pub is_revocable: bool,
}

#[derive(Template)]
#[template(path = "dashboard_app.html")]
struct AppPage {
    t: &'static Texts,
    d: &'static DashboardTexts,
    logout_token: String,
    client_id: String,
    app_name: String,
    auth_method: &'static str,
    is_first_party: bool,
    permission: &'static str,
    notice: Option<&'static str>,
    has_errors: bool,
    top_errors: Vec<String>,
    settings: SettingsView,
    /// `None` (and no form) unless the developer may modify the app; likewise below.
    settings_token: Option<String>,
    has_secrets: bool,
    keys: Vec<KeyRow>,
    keys_token: Option<String>,
    key_label: Field,
    expires_in: Field,
    old_valid_for: Field,
    shares: Vec<ShareRow>,
    shares_token: Option<String>,
    share_user: Field,
    is_modify_share: bool,
    share_access_error: Option<String>,
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn key_row(key: KeySummary, now: DateTime<Utc>, d: &'static DashboardTexts) -> KeyRow {
    let status = match (key.revoked_at, key.expires_at) {
        (Some(_), _) => d.revoked,
        (None, Some(at)) if at <= now => d.expired,
        _ => d.active,
    };
    KeyRow {
        created: time(key.created_at),
        expires: key.expires_at.map(time).unwrap_or_else(|| d.never.into()),
        last_used: key.last_used_at.map(time).unwrap_or_else(|| d.never.into()),
        is_revocable: status == d.active,
        status,
        key_id: key.key_id,
        label: key.label,
    }
}

/// Only apps that authenticate with a secret have keys to manage.
pub fn has_secrets(app: &AppSummary) -> bool {
    app.token_endpoint_auth_method.starts_with("client_secret")
}

/// Renders the app's page.
pub async fn render(
    req: &HttpRequest,
    state: &AppState,
    opened: &OpenedApp,
    status: StatusCode,
    posted: Posted,
) -> HttpResponse {
    let t = texts(req, None);
    let d = t.dashboard;
    let (app, permission) = (&opened.app, opened.permission);
    let has_secrets = has_secrets(app);
    let keys = if has_secrets {
        let registered = match registered(req, state, &app.client_id).await {
            Ok(r) => r,
            Err(res) => return res,
        };
        match apps::list_keys(&state.dbs.ops, &registered).await {
            Ok(keys) => keys,
            Err(err) => return server_error(req, &err),
        }
    } else {
        Vec::new()
    };
    // Whom the app is shared with is for those who may change it.
    let shares = if permission.can_manage() {
        match sharing::rows(req, state, &app.client_id).await {
            Ok(rows) => rows,
            Err(res) => return res,
        }
    } else {
        Vec::new()
    };
    let now = state.clock.now();
    let errors = posted.errors;
    let key_fields = ["label", "expires_in", "old_valid_for"];
    let top_errors = errors
        .top
        .iter()
        .cloned()
        .chain(
            errors
                .fields
                .iter()
                .filter(|(f, _)| {
                    !SETTINGS_FIELDS.contains(f)
                        && !key_fields.contains(f)
                        && !SHARE_FIELDS.contains(f)
                })
                .map(|(_, m)| m.clone()),
        )
        .collect();
    let settings = posted
        .settings
        .unwrap_or_else(|| SettingsForm::from_settings(&app.settings));
    let tokens = FormTokens::new(req, state);
    let token = |purpose: Purpose<'_>| tokens.token_if_allowed(state, &purpose, permission);
    let data = AppPage {
        t,
        d,
        logout_token: tokens.token(state, &Purpose::Logout),
        settings_token: token(Purpose::Settings(&app.client_id)),
        keys_token: token(Purpose::Keys(&app.client_id)),
        shares_token: token(Purpose::Shares(&app.client_id)),
        client_id: app.client_id.clone(),
        app_name: app.settings.name.clone(),
        auth_method: match app.token_endpoint_auth_method.as_str() {
            "none" => d.auth_none,
            "private_key_jwt" => d.auth_private_key_jwt,
            _ => d.auth_secret,
        },
        is_first_party: app.settings.is_first_party,
        permission: permission_label(permission, d),
        notice: posted.notice.map(|n| n.text(d)),
        has_errors: !errors.is_empty(),
        top_errors,
        settings: SettingsView::new(&settings, &errors, d),
        has_secrets,
        keys: keys.into_iter().map(|k| key_row(k, now, d)).collect(),
        key_label: Field::new("label", d.key_label, "", &posted.keys.label, &errors),
        expires_in: Field::new(
            "expires_in",
            d.expires_in,
            d.expires_in_hint,
            &posted.keys.expires_in,
            &errors,
        ),
        old_valid_for: Field::new(
            "old_valid_for",
            d.old_valid_for,
            d.old_valid_for_hint,
            &posted.keys.old_valid_for,
            &errors,
        ),
        shares,
        share_user: Field::new(
            "share_user",
            d.share_user,
            d.share_user_hint,
            &posted.share.user,
            &errors,
        ),
        is_modify_share: posted.share.access == "modify",
        share_access_error: errors.field("share_access"),
    };
    page(status, &data, tokens.new_cookie)
}
