//! The dashboard's forms as submitted: raw text kept as typed (a form shown again with errors
//! holds exactly what the developer wrote), and their conversion to the domain's `NewApp`.

use std::time::Duration;

use crate::apps::NewApp;
pub use crate::http::form::{duration, FieldErrors, FormData};

/// A textarea's entries: one per line, surrounding spaces and blank lines dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// How a duration is shown in a field, in the form the field accepts back.
pub fn show_duration(value: Option<Duration>) -> String {
    value
        .map(|d| humantime::format_duration(d).to_string())
        .unwrap_or_default()
}

/// The settings form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsForm {
    pub name: String,
    pub logo_uri: String,
    pub redirect_uris: String,
    pub redirect_uri_prefixes: String,
    pub post_logout_redirect_uris: String,
    pub post_logout_redirect_uri_prefixes: String,
    pub allowed_origins: String,
    pub is_server_only: bool,
    pub allowed_ips: String,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub require_pkce: bool,
    pub id_token_alg: String,
    pub access_token_ttl: String,
    pub id_token_ttl: String,
    pub refresh_token_ttl: String,
}

impl SettingsForm {
    /// The form filled with an app's stored settings.
    pub fn from_settings(app: &NewApp) -> Self {
        Self {
            name: app.name.clone(),
            logo_uri: app.logo_uri.clone().unwrap_or_default(),
            redirect_uris: app.redirect_uris.join("\n"),
            redirect_uri_prefixes: app.redirect_uri_prefixes.join("\n"),
            post_logout_redirect_uris: app.post_logout_redirect_uris.join("\n"),
            post_logout_redirect_uri_prefixes: app.post_logout_redirect_uri_prefixes.join("\n"),
            allowed_origins: app.allowed_origins.join("\n"),
            is_server_only: app.is_server_only,
            allowed_ips: app.allowed_ips.join("\n"),
            grant_types: app.grant_types.clone(),
            scopes: app.scopes.clone(),
            require_pkce: app.require_pkce.unwrap_or(true),
            id_token_alg: app.id_token_alg.clone().unwrap_or_else(|| "RS256".into()),
            access_token_ttl: show_duration(app.access_token_ttl),
            id_token_ttl: show_duration(app.id_token_ttl),
            refresh_token_ttl: show_duration(app.refresh_token_ttl),
        }
    }

    /// The form as posted. Fields the form does not have (first-party, how the app
    /// authenticates) are never read from it.
    pub fn from_post(form: &FormData) -> Self {
        Self {
            name: form.get("name").to_owned(),
            logo_uri: form.get("logo_uri").to_owned(),
            redirect_uris: form.get("redirect_uris").to_owned(),
            redirect_uri_prefixes: form.get("redirect_uri_prefixes").to_owned(),
            post_logout_redirect_uris: form.get("post_logout_redirect_uris").to_owned(),
            post_logout_redirect_uri_prefixes: form
                .get("post_logout_redirect_uri_prefixes")
                .to_owned(),
            allowed_origins: form.get("allowed_origins").to_owned(),
            is_server_only: form.is_ticked("is_server_only"),
            allowed_ips: form.get("allowed_ips").to_owned(),
            grant_types: form.all("grant_types"),
            scopes: form.all("scopes"),
            require_pkce: form.is_ticked("require_pkce"),
            id_token_alg: form.get("id_token_alg").to_owned(),
            access_token_ttl: form.get("access_token_ttl").to_owned(),
            id_token_ttl: form.get("id_token_ttl").to_owned(),
            refresh_token_ttl: form.get("refresh_token_ttl").to_owned(),
        }
    }

    /// The settings to save: the form's values over the stored ones. `is_first_party` (consent
    /// skip) always keeps its stored value: only an operator may set it, or any developer could
    /// skip their users' consent.
    pub fn to_settings(&self, stored: &NewApp, bad_duration: &str) -> Result<NewApp, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut lifetime = |field: &'static str, text: &str| {
            duration(text).unwrap_or_else(|_| {
                errors.add(field, bad_duration);
                None
            })
        };
        let access_token_ttl = lifetime("access_token_ttl", &self.access_token_ttl);
        let id_token_ttl = lifetime("id_token_ttl", &self.id_token_ttl);
        let refresh_token_ttl = lifetime("refresh_token_ttl", &self.refresh_token_ttl);
        if !errors.is_empty() {
            return Err(errors);
        }
        let logo_uri = Some(self.logo_uri.trim())
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        Ok(NewApp {
            name: self.name.clone(),
            redirect_uris: lines(&self.redirect_uris),
            post_logout_redirect_uris: lines(&self.post_logout_redirect_uris),
            redirect_uri_prefixes: lines(&self.redirect_uri_prefixes),
            post_logout_redirect_uri_prefixes: lines(&self.post_logout_redirect_uri_prefixes),
            grant_types: self.grant_types.clone(),
            scopes: self.scopes.clone(),
            is_public: stored.is_public,
            private_key_jwt: stored.private_key_jwt,
            jwks: stored.jwks.clone(),
            jwks_uri: stored.jwks_uri.clone(),
            id_token_alg: Some(self.id_token_alg.trim().to_owned()),
            allowed_origins: lines(&self.allowed_origins),
            allowed_ips: lines(&self.allowed_ips),
            is_server_only: self.is_server_only,
            require_pkce: Some(self.require_pkce),
            access_token_ttl,
            id_token_ttl,
            refresh_token_ttl,
            is_first_party: stored.is_first_party,
            logo_uri,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_drop_blanks_and_spaces() {
        assert_eq!(lines(" a \n\n\r\nb\r\n  "), vec!["a", "b"]);
    }

    #[test]
    fn durations_round_trip_and_blank_is_the_default() {
        assert_eq!(duration("  ").ok(), Some(None));
        assert_eq!(
            duration("90d").ok(),
            Some(Some(Duration::from_secs(90 * 86_400)))
        );
        assert!(duration("ninety days").is_err());
        let shown = show_duration(Some(Duration::from_secs(86_400)));
        assert_eq!(
            duration(&shown).ok(),
            Some(Some(Duration::from_secs(86_400)))
        );
    }

    #[test]
    fn a_posted_first_party_flag_is_ignored() {
        let form = FormData::parse(b"name=App&is_first_party=on&grant_types=a&grant_types=b");
        let stored = NewApp::default();
        let settings = SettingsForm::from_post(&form).to_settings(&stored, "bad");
        assert!(matches!(settings, Ok(s) if !s.is_first_party && s.grant_types == ["a", "b"]));
    }

    #[test]
    fn a_malformed_lifetime_names_its_field() {
        let form = FormData::parse(b"name=App&id_token_ttl=soon");
        let errors = SettingsForm::from_post(&form)
            .to_settings(&NewApp::default(), "bad")
            .unwrap_err();
        assert_eq!(errors.field("id_token_ttl").as_deref(), Some("bad"));
    }
}
