//! What the hosted forms of both listeners share (the developer dashboard and the admin
//! console): a posted body kept as typed, the errors found in it by field, and a field as the
//! templates show it (`templates/form_macros.html`), with the ids that tie label, hint and error
//! together for screen readers.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::apps::AppError;

/// A urlencoded form body. Checkbox groups repeat a name, which serde's flat structs cannot hold.
#[derive(Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of a field, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether a checkbox was ticked: browsers send nothing for an unticked one.
    pub fn is_ticked(&self, name: &str) -> bool {
        self.has(name)
    }

    /// Whether the form had this field at all.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// A duration field: blank means "not given"; anything else must parse (`90d`, `10m`).
pub fn duration(text: &str) -> Result<Option<Duration>, humantime::DurationError> {
    match text.trim() {
        "" => Ok(None),
        t => humantime::parse_duration(t).map(Some),
    }
}

/// Messages by form field name, plus those about no single field.
#[derive(Debug, Default)]
pub struct FieldErrors {
    pub top: Vec<String>,
    pub fields: BTreeMap<&'static str, String>,
}

impl FieldErrors {
    /// One message next to one field.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.fields.is_empty()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.entry(field).or_insert_with(|| message.into());
    }

    /// A domain error, next to the field it names or else at the top.
    pub fn from_app_error(err: &AppError) -> Self {
        let mut errors = Self::default();
        match err.field() {
            Some(field) => errors.add(field, err.to_string()),
            None => errors.top.push(err.to_string()),
        }
        errors
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    /// The messages a page shows at the top: those about no field, and those about a field
    /// that is not among `shown` (so no message is ever lost).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.top
            .iter()
            .cloned()
            .chain(
                self.fields
                    .iter()
                    .filter(|(f, _)| !shown.contains(f))
                    .map(|(_, m)| m.clone()),
            )
            .collect()
    }
}

/// A text field or textarea.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn new(
        name: &'static str,
        label: &'static str,
        hint: &'static str,
        value: &str,
        errors: &FieldErrors,
    ) -> Self {
        Self {
            name,
            label,
            hint,
            value: value.to_owned(),
            error: errors.field(name),
        }
    }

    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        described_by(self.name, self.hint, self.error.is_some())
    }

    /// The value's lines, for showing a textarea's entries without a form.
    pub fn lines(&self) -> Vec<&str> {
        self.value
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// One option of a [`Select`]: what is sent, and what is shown.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub is_selected: bool,
}

/// A select whose options are data (organizations, roles…), each shown by its label.
pub struct Select {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub options: Vec<SelectOption>,
    pub error: Option<String>,
}

impl Select {
    /// `options` as (value, label); the one whose value is `chosen` is selected.
    pub fn new(
        name: &'static str,
        label: &'static str,
        options: Vec<(String, String)>,
        chosen: &str,
        error: Option<String>,
    ) -> Self {
        Self {
            name,
            label,
            hint: "",
            options: options
                .into_iter()
                .map(|(value, label)| SelectOption {
                    is_selected: value == chosen,
                    value,
                    label,
                })
                .collect(),
            error,
        }
    }

    pub fn described_by(&self) -> String {
        described_by(self.name, self.hint, self.error.is_some())
    }
}

/// The ids of a field's hint and error, space separated, for `aria-describedby`.
pub fn described_by(name: &str, hint: &str, has_error: bool) -> String {
    let mut ids = Vec::new();
    if !hint.is_empty() {
        ids.push(format!("{name}-hint"));
    }
    if has_error {
        ids.push(format!("{name}-error"));
    }
    ids.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_and_checkboxes_are_kept() {
        let form = FormData::parse(b"a=1&b=x&b=y&tick=on");
        assert_eq!(form.get("a"), "1");
        assert_eq!(form.get("missing"), "");
        assert_eq!(form.all("b"), vec!["x", "y"]);
        assert!(form.is_ticked("tick") && !form.is_ticked("untick"));
    }

    #[test]
    fn errors_about_unshown_fields_go_to_the_top() {
        let mut errors = FieldErrors::one("name", "bad name");
        errors.add("name", "second message is dropped");
        errors.add("other", "bad other");
        errors.top.push("general".into());
        assert_eq!(errors.field("name").as_deref(), Some("bad name"));
        assert_eq!(errors.others(&["name"]), vec!["general", "bad other"]);
        assert_eq!(described_by("name", "", true), "name-error");
        assert_eq!(described_by("name", "h", true), "name-hint name-error");
    }
}
