//! Form fields as the templates show them: label, hint, value and the error next to the field,
//! with the ids that tie them together for screen readers.

use super::super::texts::DashboardTexts;
use super::form::{FieldErrors, SettingsForm};
use crate::access::Permission;
use crate::apps::{GrantType, SUPPORTED_SCOPES};
use crate::crypto::keyring::SigningAlg;
use crate::http::form::described_by;
pub use crate::http::form::Field;

/// Every field of the settings form; an error about any other field is shown at the top.
pub const SETTINGS_FIELDS: &[&str] = &[
    "name",
    "logo_uri",
    "redirect_uris",
    "redirect_uri_prefixes",
    "post_logout_redirect_uris",
    "post_logout_redirect_uri_prefixes",
    "allowed_origins",
    "is_server_only",
    "allowed_ips",
    "grant_types",
    "scopes",
    "require_pkce",
    "id_token_alg",
    "access_token_ttl",
    "id_token_ttl",
    "refresh_token_ttl",
];

/// A checkbox.
pub struct Toggle {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub is_checked: bool,
    pub error: Option<String>,
}

impl Toggle {
    fn new(
        name: &'static str,
        label: &'static str,
        hint: &'static str,
        is_checked: bool,
        errors: &FieldErrors,
    ) -> Self {
        Self {
            name,
            label,
            hint,
            is_checked,
            error: errors.field(name),
        }
    }

    pub fn described_by(&self) -> String {
        described_by(self.name, self.hint, self.error.is_some())
    }
}

/// One option of a checkbox group or a select.
pub struct Choice {
    pub value: &'static str,
    pub is_checked: bool,
}

/// A checkbox group or a select.
pub struct Choices {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub options: Vec<Choice>,
    pub error: Option<String>,
}

impl Choices {
    fn new(
        name: &'static str,
        (label, hint): (&'static str, &'static str),
        values: &[&'static str],
        chosen: &[String],
        errors: &FieldErrors,
    ) -> Self {
        Self {
            name,
            label,
            hint,
            options: values
                .iter()
                .map(|&value| Choice {
                    value,
                    is_checked: chosen.iter().any(|c| c == value),
                })
                .collect(),
            error: errors.field(name),
        }
    }

    pub fn described_by(&self) -> String {
        described_by(self.name, self.hint, self.error.is_some())
    }

    /// The chosen values, for showing the choice without a form.
    pub fn chosen(&self) -> String {
        self.options
            .iter()
            .filter(|o| o.is_checked)
            .map(|o| o.value)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What the developer may do with an app, in words.
pub fn permission_label(permission: Permission, d: &'static DashboardTexts) -> &'static str {
    match permission {
        Permission::Manage => d.permission_manage,
        Permission::Modify => d.permission_modify,
        Permission::Read => d.permission_read,
        // Pages are only shown for apps the developer may read.
        Permission::None => "",
    }
}

/// The settings form of an app.
pub struct SettingsView {
    pub name: Field,
    pub logo_uri: Field,
    pub redirect_uris: Field,
    pub redirect_uri_prefixes: Field,
    pub post_logout_redirect_uris: Field,
    pub post_logout_redirect_uri_prefixes: Field,
    pub allowed_origins: Field,
    pub is_server_only: Toggle,
    pub allowed_ips: Field,
    pub grant_types: Choices,
    pub scopes: Choices,
    pub require_pkce: Toggle,
    pub id_token_alg: Choices,
    pub access_token_ttl: Field,
    pub id_token_ttl: Field,
    pub refresh_token_ttl: Field,
}

impl SettingsView {
    pub fn new(form: &SettingsForm, errors: &FieldErrors, d: &'static DashboardTexts) -> Self {
        let grants = [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ]
        .map(GrantType::as_str);
        let algs = SigningAlg::ALL.map(SigningAlg::as_str);
        let alg = [form.id_token_alg.clone()];
        Self {
            name: Field::new("name", d.name, "", &form.name, errors),
            logo_uri: Field::new(
                "logo_uri",
                d.logo_uri,
                d.logo_uri_hint,
                &form.logo_uri,
                errors,
            ),
            redirect_uris: Field::new(
                "redirect_uris",
                d.redirect_uris,
                d.redirect_uris_hint,
                &form.redirect_uris,
                errors,
            ),
            redirect_uri_prefixes: Field::new(
                "redirect_uri_prefixes",
                d.redirect_uri_prefixes,
                d.prefixes_hint,
                &form.redirect_uri_prefixes,
                errors,
            ),
            post_logout_redirect_uris: Field::new(
                "post_logout_redirect_uris",
                d.post_logout_redirect_uris,
                d.redirect_uris_hint,
                &form.post_logout_redirect_uris,
                errors,
            ),
            post_logout_redirect_uri_prefixes: Field::new(
                "post_logout_redirect_uri_prefixes",
                d.post_logout_redirect_uri_prefixes,
                d.prefixes_hint,
                &form.post_logout_redirect_uri_prefixes,
                errors,
            ),
            allowed_origins: Field::new(
                "allowed_origins",
                d.allowed_origins,
                d.allowed_origins_hint,
                &form.allowed_origins,
                errors,
            ),
            is_server_only: Toggle::new(
                "is_server_only",
                d.is_server_only,
                d.is_server_only_hint,
                form.is_server_only,
                errors,
            ),
            allowed_ips: Field::new(
                "allowed_ips",
                d.allowed_ips,
                d.allowed_ips_hint,
                &form.allowed_ips,
                errors,
            ),
            grant_types: Choices::new(
                "grant_types",
                (d.grant_types, d.grant_types_hint),
                &grants,
                &form.grant_types,
                errors,
            ),
            scopes: Choices::new(
                "scopes",
                (d.scopes, d.scopes_hint),
                SUPPORTED_SCOPES,
                &form.scopes,
                errors,
            ),
            require_pkce: Toggle::new(
                "require_pkce",
                d.require_pkce,
                d.require_pkce_hint,
                form.require_pkce,
                errors,
            ),
            id_token_alg: Choices::new("id_token_alg", (d.id_token_alg, ""), &algs, &alg, errors),
            access_token_ttl: Field::new(
                "access_token_ttl",
                d.access_token_ttl,
                d.ttl_hint,
                &form.access_token_ttl,
                errors,
            ),
            id_token_ttl: Field::new(
                "id_token_ttl",
                d.id_token_ttl,
                d.ttl_hint,
                &form.id_token_ttl,
                errors,
            ),
            refresh_token_ttl: Field::new(
                "refresh_token_ttl",
                d.refresh_token_ttl,
                d.ttl_hint,
                &form.refresh_token_ttl,
                errors,
            ),
        }
    }
}
