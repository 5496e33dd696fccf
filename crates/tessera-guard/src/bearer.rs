//! Framework-free parts of the guard middlewares (`actix`, `tower`): the per-request decision,
//! the `Authorization: Bearer` parsing and the RFC 6750 §3 answer (status, challenge, body).
#![cfg_attr(not(any(feature = "actix", feature = "tower")), allow(dead_code))]

use std::fmt;
use std::str::FromStr;

use crate::claims::AccessClaims;
use crate::error::{AuthError, Forbidden};
use crate::policy::{Decision, Method, Policy};
use crate::validate::Validator;

/// The realm of the challenges unless the middleware is given another.
pub(crate) const DEFAULT_REALM: &str = "api";

/// Why a request is refused.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    Auth(AuthError),
    Forbidden(Forbidden),
}

/// Decides one request: `Ok(Some(claims))` to pass with verified claims, `Ok(None)` to pass a
/// public route. The policy is asked first, without claims; the token is only looked at for a
/// protected route. `authorization` yields the raw values of every `Authorization` header.
pub(crate) async fn check<'a>(
    validator: &Validator,
    policy: &Policy,
    method: &str,
    path: &str,
    query: &str,
    authorization: impl Iterator<Item = &'a [u8]>,
) -> Result<Option<AccessClaims>, Refusal> {
    let Ok(method) = Method::from_str(method) else {
        return Err(Refusal::Forbidden(Forbidden::NoRoute));
    };
    match policy.decide(method, path, query, None) {
        Decision::Public => return Ok(None),
        Decision::Denied(forbidden) => return Err(Refusal::Forbidden(forbidden)),
        // `Allowed` without claims cannot happen; treat it as any protected route.
        Decision::NeedsToken | Decision::Allowed => {}
    }
    let token = bearer_token(authorization).map_err(Refusal::Auth)?;
    let claims = validator.validate(token).await.map_err(Refusal::Auth)?;
    match policy.decide(method, path, query, Some(&claims)) {
        Decision::Allowed | Decision::Public => Ok(Some(claims)),
        Decision::Denied(forbidden) => Err(Refusal::Forbidden(forbidden)),
        Decision::NeedsToken => Err(Refusal::Auth(AuthError::MissingToken)),
    }
}

/// The bearer token of the `Authorization` header values; a header that is present but not
/// one well-formed `Bearer <token>` is `Malformed` (answered as `invalid_token`).
pub(crate) fn bearer_token<'a>(
    mut values: impl Iterator<Item = &'a [u8]>,
) -> Result<&'a str, AuthError> {
    let Some(value) = values.next() else {
        return Err(AuthError::MissingToken);
    };
    if values.next().is_some() {
        return Err(AuthError::Malformed("more than one Authorization header"));
    }
    // What `HeaderValue::to_str` accepts: visible ASCII, space and tab.
    if !value
        .iter()
        .all(|&b| (b' '..=b'~').contains(&b) || b == b'\t')
    {
        return Err(AuthError::Malformed("Authorization is not ASCII"));
    }
    let value = std::str::from_utf8(value)
        .map_err(|_| AuthError::Malformed("Authorization is not ASCII"))?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Malformed(
        "Authorization is not `Bearer <token>`",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed("Authorization scheme is not Bearer"));
    }
    let token = token.trim_matches(' ');
    if token.is_empty() || token.contains(' ') {
        return Err(AuthError::Malformed(
            "Authorization is not `Bearer <token>`",
        ));
    }
    Ok(token)
}

impl Refusal {
    /// The HTTP status to answer with.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Auth(e) => e.status(),
            Self::Forbidden(e) => e.status(),
        }
    }

    /// The RFC 6750 error code, for `WWW-Authenticate` (and the body).
    pub(crate) fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::Auth(e) => e.error_code(),
            Self::Forbidden(e) => e.error_code(),
        }
    }

    pub(crate) fn description(&self) -> &'static str {
        match self {
            Self::Auth(e) => e.description(),
            Self::Forbidden(e) => e.description(),
        }
    }

    /// `Bearer realm="..", error="..", error_description=".."`; `None` for a 503 and for a
    /// 403 that is not about scope.
    pub(crate) fn challenge(&self, realm: Option<&str>) -> Option<String> {
        let status = self.status();
        let code = self.error_code();
        if status != 401 && code.is_none() {
            return None;
        }
        let mut params = Vec::new();
        if let Some(realm) = realm {
            params.push(format!("realm={}", quoted(realm)));
        }
        if let Some(code) = code {
            params.push(format!("error={}", quoted(code)));
            params.push(format!("error_description={}", quoted(self.description())));
        }
        Some(if params.is_empty() {
            "Bearer".to_owned()
        } else {
            format!("Bearer {}", params.join(", "))
        })
    }

    /// The JSON body `{"error": ..., "error_description": ...}`.
    pub(crate) fn body(&self) -> serde_json::Value {
        let error = self.error_code().unwrap_or(match self.status() {
            401 => "unauthorized",
            403 => "forbidden",
            _ => "temporarily_unavailable",
        });
        serde_json::json!({
            "error": error,
            "error_description": self.description(),
        })
    }

    /// The headers of the answer besides `Content-Type`, as (name, value) pairs:
    /// `Cache-Control: no-store`, the challenge if any, `Retry-After` for a 503.
    pub(crate) fn headers(&self, realm: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = vec![("cache-control", "no-store".to_owned())];
        if let Some(challenge) = self.challenge(realm) {
            headers.push(("www-authenticate", challenge));
        }
        if self.status() == 503 {
            headers.push(("retry-after", "5".to_owned()));
        }
        headers
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auth(e) => e.fmt(f),
            Self::Forbidden(e) => e.fmt(f),
        }
    }
}

/// An RFC 9110 quoted-string; characters a header cannot carry become `?`.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' | '\t' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn encryption_and_revocation_refusals_are_invalid_token_challenges() {
        for (error, description) in [
            (
                AuthError::EncryptionRequired,
                "the access token must be encrypted",
            ),
            (
                AuthError::Undecryptable("encrypted to another key"),
                "the access token cannot be decrypted",
            ),
            (AuthError::Revoked, "the access token is no longer active"),
        ] {
            let refusal = Refusal::Auth(error);
            assert_eq!(refusal.status(), 401);
            let headers = refusal.headers(Some("api"));
            assert_eq!(
                header(&headers, "www-authenticate"),
                Some(
                    format!(
                        "Bearer realm=\"api\", error=\"invalid_token\", \
                         error_description=\"{description}\""
                    )
                    .as_str()
                )
            );
            assert_eq!(header(&headers, "retry-after"), None);
            assert_eq!(refusal.body()["error"], "invalid_token");
        }
    }

    #[test]
    fn an_introspection_outage_is_a_503_to_retry_without_a_challenge() {
        let refusal = Refusal::Auth(AuthError::IntrospectionUnavailable);
        assert_eq!(refusal.status(), 503);
        let headers = refusal.headers(Some("api"));
        assert_eq!(header(&headers, "www-authenticate"), None);
        assert_eq!(header(&headers, "retry-after"), Some("5"));
        assert_eq!(header(&headers, "cache-control"), Some("no-store"));
        assert_eq!(refusal.body()["error"], "temporarily_unavailable");
    }
}
