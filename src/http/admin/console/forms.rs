//! The console's forms. Each posts to one action URL with a CSRF token made for that URL, so a
//! token taken from one organization's page cannot change another. A page offers a form only
//! when the operator's role passes the rule-table rule of its action, so a page never shows a
//! form whose POST would be refused. A refused form comes back with what was typed and its
//! errors next to the fields.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::super::auth;
use super::super::rules::{Access, Verb, RULES};
use crate::http::form::{Field, FieldErrors, FormData, Select};
use crate::operators::OperatorRole;
use crate::state::AppState;

/// What stays literal in a path segment we build: RFC 3986's unreserved characters but `.`
/// (a segment of dots would be read as a dot-segment).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

/// The CSRF purpose of the sign-out form (the sign-in page's module checks it).
pub const LOGOUT_PURPOSE: &str = "admin-logout";

/// `pattern` (a rule's path) with its `{…}` segments replaced by `ids`, in order, each
/// percent-encoded.
pub fn path(pattern: &str, ids: &[&str]) -> String {
    let mut ids = ids.iter();
    pattern
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                ids.next()
                    .map(|id| utf8_percent_encode(id, SEGMENT).to_string())
                    .unwrap_or_default()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `role` passes the rule of `verb pattern`; a route without a rule passes nobody.
pub fn may(role: OperatorRole, verb: Verb, pattern: &str) -> bool {
    RULES
        .iter()
        .find(|r| r.verb == verb && r.path == pattern)
        .is_some_and(|rule| match rule.access {
            Access::Open => true,
            Access::Api(needed) | Access::Page(needed) => role.covers(needed),
        })
}

fn purpose(url: &str) -> String {
    format!("admin-console:{url}")
}

/// A form on a page: where it posts, with the token for that.
pub struct Action {
    pub url: String,
    pub token: String,
}

/// The forms of one page, from the browser's CSRF cookie (made now if it had none: the page
/// sets it) and the operator's role.
pub struct Forms {
    cookie: String,
    pub new_cookie: Option<Cookie<'static>>,
    pub role: OperatorRole,
    logout_token: String,
}

impl Forms {
    pub fn new(req: &HttpRequest, state: &AppState, role: OperatorRole) -> Self {
        let (cookie, new_cookie) = auth::csrf_cookie(req);
        let logout_token = state.csrf.token(&cookie, LOGOUT_PURPOSE);
        Self {
            cookie,
            new_cookie,
            role,
            logout_token,
        }
    }

    /// The form posting to the POST rule `pattern` filled with `ids`, if the role may use it.
    pub fn action(&self, state: &AppState, pattern: &str, ids: &[&str]) -> Option<Action> {
        if !may(self.role, Verb::Post, pattern) {
            return None;
        }
        let url = path(pattern, ids);
        let token = state.csrf.token(&self.cookie, &purpose(&url));
        Some(Action { url, token })
    }

    /// Whether personal data (email, name) may be shown to this operator.
    pub fn shows_personal_data(&self) -> bool {
        self.role.reads_personal_data()
    }

    /// The navigation bar, with `section` marked as the current one.
    pub fn nav(&self, section: &'static str) -> Nav {
        Nav {
            section,
            role: self.role.as_str(),
            logout_token: self.logout_token.clone(),
        }
    }
}

/// Whether a POST to `url` carries a token made for this browser and this action.
pub fn is_valid(req: &HttpRequest, state: &AppState, url: &str, token: &str) -> bool {
    let (cookie, _) = auth::csrf_cookie(req);
    state.csrf.is_valid(&cookie, &purpose(url), token)
}

/// What every console page's header shows (`admin_base.html`).
pub struct Nav {
    /// `home`, `users`, `organizations`, `apps`, `resources` or `keys`.
    pub section: &'static str,
    pub role: &'static str,
    pub logout_token: String,
}

/// A page's query string (`?q=…&page=…`) read leniently: an odd parameter is ignored.
pub fn query(req: &HttpRequest) -> FormData {
    FormData::parse(req.query_string().as_bytes())
}

/// A refused form brought back to its page: what was typed, the errors, and for a form
/// repeated on every row of a table, which row. The default is a plain GET.
#[derive(Debug, Default)]
pub struct Posted {
    pub values: FormData,
    pub errors: FieldErrors,
    pub row: Option<String>,
}

impl Posted {
    pub fn refused(values: FormData, errors: FieldErrors) -> Self {
        Self {
            values,
            errors,
            row: None,
        }
    }

    /// A refused form of the row `row`.
    pub fn refused_row(values: FormData, errors: FieldErrors, row: &str) -> Self {
        Self {
            values,
            errors,
            row: Some(row.to_owned()),
        }
    }

    /// 422 when a form was refused, else 200.
    pub fn status(&self) -> StatusCode {
        if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// A text field holding what was typed (empty on a plain GET) and its error.
    pub fn field(&self, name: &'static str, label: &'static str, hint: &'static str) -> Field {
        Field::new(name, label, hint, self.values.get(name), &self.errors)
    }

    /// A field that starts with a value (a rename form holds the current name) unless its
    /// form was the one refused.
    pub fn field_or(&self, name: &'static str, label: &'static str, current: &str) -> Field {
        let value = if self.values.has(name) {
            self.values.get(name)
        } else {
            current
        };
        Field::new(name, label, "", value, &self.errors)
    }

    /// A select of `options` (value, label) with what was chosen in the refused form, else
    /// `default`.
    pub fn select(
        &self,
        name: &'static str,
        label: &'static str,
        options: Vec<(String, String)>,
        default: &str,
    ) -> Select {
        let chosen = if self.values.has(name) {
            self.values.get(name)
        } else {
            default
        };
        Select::new(name, label, options, chosen, self.errors.field(name))
    }

    /// Whether a checkbox was ticked in the refused form.
    pub fn is_ticked(&self, name: &str) -> bool {
        self.values.is_ticked(name)
    }

    /// The error of `field` in the form of row `row`.
    pub fn row_error(&self, row: &str, field: &str) -> Option<String> {
        (self.row.as_deref() == Some(row))
            .then(|| self.errors.field(field))
            .flatten()
    }

    /// The messages no field on the page shows.
    pub fn top_errors(&self, shown: &[&str]) -> Vec<String> {
        if self.row.is_some() {
            // A row form's field errors are shown in its row.
            return self.errors.top.clone();
        }
        self.errors.others(shown)
    }
}

/// The short note above a page after a change that redirected back to it (`?done=…`).
pub fn notice(req: &HttpRequest) -> Option<&'static str> {
    let text = match query(req).get("done") {
        "created" => "Created.",
        "saved" => "Saved.",
        "renamed" => "Renamed.",
        "deleted" => "Deleted.",
        "added" => "Added.",
        "removed" => "Removed.",
        "granted" => "Granted.",
        "revoked" => "Revoked.",
        "disabled" => "The user is disabled and their sessions have ended.",
        "enabled" => "The user is enabled.",
        "sessions" => "The user's sessions have ended.",
        "mfa-reset" => "Two-step verification is off and the user's sessions have ended.",
        "rotated" => "Rotated.",
        "expired" => "The form had expired, so nothing was changed: please try again.",
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_placeholders_with_encoded_ids() {
        assert_eq!(
            path(
                "/organizations/{id}/members/{user_id}/role",
                &["o1", "a b/c.d"]
            ),
            "/organizations/o1/members/a%20b%2Fc%2Ed/role"
        );
        assert_eq!(path("/users", &[]), "/users");
    }

    #[test]
    fn a_row_error_shows_only_in_its_row() {
        let posted = Posted::refused_row(
            FormData::parse(b"role=admin"),
            FieldErrors::one("role", "no"),
            "u1",
        );
        assert_eq!(posted.row_error("u1", "role").as_deref(), Some("no"));
        assert_eq!(posted.row_error("u2", "role"), None);
        assert!(posted.top_errors(&[]).is_empty());
        assert_eq!(posted.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
