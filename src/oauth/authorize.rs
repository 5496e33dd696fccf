//! The authorization endpoint's rules (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636, RFC 9207,
//! RFC 9700 §2.1): what a request must be, and the response sent back to the app.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::apps::{GrantType, RegisteredApp, SUPPORTED_SCOPES};

/// Longest accepted value of any parameter, and of all of them together.
pub const MAX_PARAM_LEN: usize = 2048;
pub const MAX_TOTAL_LEN: usize = 8192;
/// The stored nonce's column size.
pub const MAX_NONCE_LEN: usize = 512;

/// How the response travels (OAuth 2.0 Multiple Response Types §2.1, Form Post Response Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    Query,
    FormPost,
}

/// A validated authorization request, stored while the user signs in or consents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// S256 challenge (RFC 7636 §4.2).
    pub code_challenge: Option<String>,
    pub prompt_none: bool,
    pub prompt_login: bool,
    pub prompt_consent: bool,
    pub max_age: Option<u64>,
    pub login_hint: Option<String>,
    /// The subject of a valid `id_token_hint`: the user the app expects (OIDC Core §3.1.2.1).
    #[serde(default)]
    pub hinted_subject: Option<String>,
    /// The preferred languages of the hosted pages (`ui_locales`, space-separated tags).
    #[serde(default)]
    pub ui_locales: Option<String>,
    /// The app is first-party: the user is not asked to consent (unless `prompt=consent`).
    #[serde(default)]
    pub skips_consent: bool,
    /// The resource (RFC 8707) the tokens are for; checked against the registered resources.
    #[serde(default)]
    pub resource: Option<String>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The app or redirect URI cannot be trusted: show an error page, never redirect
    /// (RFC 6749 §4.1.2.1).
    Untrusted(String),
    /// Tell the app, at its verified redirect URI.
    Redirect(AuthorizationResponse),
}

/// A response for the app's redirect URI: success (`code`) or error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    /// Parameters in order; always ends with `iss` (RFC 9207 §2).
    pub params: Vec<(String, String)>,
}

impl AuthorizationResponse {
    fn new(
        issuer: &str,
        redirect_uri: &str,
        mode: ResponseMode,
        state: Option<&str>,
        mut params: Vec<(String, String)>,
    ) -> Self {
        if let Some(state) = state {
            params.push(("state".into(), state.to_owned()));
        }
        params.push(("iss".into(), issuer.to_owned()));
        Self {
            redirect_uri: redirect_uri.to_owned(),
            response_mode: mode,
            params,
        }
    }

    /// A successful response carrying the code.
    pub fn code(issuer: &str, request: &AuthorizationRequest, code: &str) -> Self {
        Self::new(
            issuer,
            &request.redirect_uri,
            request.response_mode,
            request.state.as_deref(),
            vec![("code".into(), code.to_owned())],
        )
    }

    /// An error response (RFC 6749 §4.1.2.1).
    pub fn error(
        issuer: &str,
        request: &AuthorizationRequest,
        error: &str,
        description: &str,
    ) -> Self {
        Self::new(
            issuer,
            &request.redirect_uri,
            request.response_mode,
            request.state.as_deref(),
            vec![
                ("error".into(), error.to_owned()),
                ("error_description".into(), description.to_owned()),
            ],
        )
    }

    /// The redirect URI with the parameters added to its query (for `response_mode=query`).
    pub fn location(&self) -> String {
        match Url::parse(&self.redirect_uri) {
            Ok(mut url) => {
                url.query_pairs_mut().extend_pairs(&self.params);
                url.into()
            }
            Err(_) => self.redirect_uri.clone(),
        }
    }
}

/// Checks an `id_token_hint` (Tessera's signature; expiry does not matter) and returns its `sub`.
pub type HintVerifier<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Validates the parameters of an authorization request for `app` (None: unknown client).
pub fn validate(
    issuer: &str,
    params: &HashMap<String, String>,
    app: Option<&RegisteredApp>,
    hinted_subject: HintVerifier<'_>,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let untrusted = |m: &str| AuthorizeError::Untrusted(m.to_owned());
    let total: usize = params.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_TOTAL_LEN || params.values().any(|v| v.len() > MAX_PARAM_LEN) {
        return Err(untrusted("The request is too large."));
    }
    let app = app.ok_or_else(|| untrusted("The application is unknown."))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| untrusted("The request has no redirect_uri."))?;
    // RFC 9700 §2.1: exact string comparison with a registered URI, or the return-URL
    // protection's strict prefix match (DESIGN.md); never a redirect to anything else.
    if !app.allows_redirect_uri(redirect_uri) {
        return Err(untrusted(
            "The redirect_uri is not registered for this application.",
        ));
    }
    let response_mode = match params.get("response_mode").map(String::as_str) {
        None | Some("query") => ResponseMode::Query,
        Some("form_post") => ResponseMode::FormPost,
        Some(_) => ResponseMode::Query,
    };
    let mut request = AuthorizationRequest {
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        response_mode,
        scopes: Vec::new(),
        state: params.get("state").cloned(),
        nonce: params.get("nonce").cloned(),
        code_challenge: None,
        prompt_none: false,
        prompt_login: false,
        prompt_consent: false,
        max_age: None,
        login_hint: params.get("login_hint").cloned(),
        hinted_subject: None,
        ui_locales: params.get("ui_locales").cloned(),
        skips_consent: app.is_first_party,
        resource: None,
    };
    let fail = |request: &AuthorizationRequest, error: &str, description: &str| {
        AuthorizeError::Redirect(AuthorizationResponse::error(
            issuer,
            request,
            error,
            description,
        ))
    };
    if let Some(resource) = params.get("resource") {
        match super::resource::parse_resource(resource) {
            Ok(resource) => request.resource = Some(resource),
            Err(err) => return Err(fail(&request, err.code(), &err.to_string())),
        }
    }
    if let Some(mode) = params.get("response_mode") {
        if mode != "query" && mode != "form_post" {
            return Err(fail(
                &request,
                "invalid_request",
                "response_mode must be query or form_post",
            ));
        }
    }
    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        None => {
            return Err(fail(
                &request,
                "invalid_request",
                "response_type is missing",
            ))
        }
        Some(_) => {
            return Err(fail(
                &request,
                "unsupported_response_type",
                "only response_type=code is supported",
            ))
        }
    }
    if !app.allows_grant(GrantType::AuthorizationCode) {
        return Err(fail(
            &request,
            "unauthorized_client",
            "this client may not use the authorization code flow",
        ));
    }
    let mut scopes: Vec<String> = Vec::new();
    for scope in params
        .get("scope")
        .map(|s| s.split(' '))
        .into_iter()
        .flatten()
    {
        if scope.is_empty() || scopes.iter().any(|s| s == scope) {
            continue;
        }
        if !SUPPORTED_SCOPES.contains(&scope) {
            return Err(fail(
                &request,
                "invalid_scope",
                &format!("unknown scope `{scope}`"),
            ));
        }
        if !app.scopes.contains(scope) {
            return Err(fail(
                &request,
                "invalid_scope",
                &format!("this client may not ask for `{scope}`"),
            ));
        }
        scopes.push(scope.to_owned());
    }
    if scopes.is_empty() {
        // Every request names what it asks for, so the user's consent always covers it.
        return Err(fail(&request, "invalid_scope", "scope is required"));
    }
    request.scopes = scopes;
    // RFC 7636 §4.3 and RFC 9700 §2.1.1: S256 only, and a missing method never means plain.
    match (
        params.get("code_challenge"),
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(challenge), Some("S256")) => {
            let is_valid = challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !is_valid {
                return Err(fail(
                    &request,
                    "invalid_request",
                    "code_challenge must be a base64url SHA-256",
                ));
            }
            request.code_challenge = Some(challenge.clone());
        }
        (Some(_), Some("plain")) => {
            return Err(fail(
                &request,
                "invalid_request",
                "code_challenge_method plain is not allowed; use S256",
            ))
        }
        (Some(_), _) => {
            return Err(fail(
                &request,
                "invalid_request",
                "code_challenge_method must be S256",
            ))
        }
        (None, Some(_)) => {
            return Err(fail(
                &request,
                "invalid_request",
                "code_challenge is missing",
            ))
        }
        (None, None) if app.require_pkce || app.is_public => {
            return Err(fail(
                &request,
                "invalid_request",
                "PKCE is required: send code_challenge with S256",
            ))
        }
        (None, None) => {}
    }
    for value in params
        .get("prompt")
        .map(|s| s.split(' '))
        .into_iter()
        .flatten()
    {
        match value {
            "none" => request.prompt_none = true,
            "login" => request.prompt_login = true,
            "consent" => request.prompt_consent = true,
            "" => {}
            other => {
                return Err(fail(
                    &request,
                    "invalid_request",
                    &format!("prompt `{other}` is not supported"),
                ))
            }
        }
    }
    if request.prompt_none && (request.prompt_login || request.prompt_consent) {
        return Err(fail(
            &request,
            "invalid_request",
            "prompt=none cannot be combined",
        ));
    }
    if let Some(hint) = params.get("id_token_hint") {
        let subject = hinted_subject(hint).ok_or_else(|| {
            fail(
                &request,
                "invalid_request",
                "id_token_hint is not an ID token issued here",
            )
        })?;
        request.hinted_subject = Some(subject);
    }
    if request
        .nonce
        .as_ref()
        .is_some_and(|n| n.len() > MAX_NONCE_LEN)
    {
        return Err(fail(&request, "invalid_request", "nonce is too long"));
    }
    if let Some(max_age) = params.get("max_age") {
        request.max_age = Some(max_age.parse().map_err(|_| {
            fail(
                &request,
                "invalid_request",
                "max_age must be a number of seconds",
            )
        })?);
    }
    Ok(request)
}

#[cfg(test)]
mod tests;
