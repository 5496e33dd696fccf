//! What the token, introspection and revocation endpoints share: a size-limited form body with
//! no repeated parameters, and client authentication (RFC 6749 §2.3, §3.2).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::{web, HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::protect;
use crate::apps::{AuthMethod, RegisteredApp};
use crate::oauth::client_assertion;
use crate::oauth::client_auth::{self, Presented};
use crate::oauth::OAuthError;
use crate::state::AppState;

/// Largest accepted request body (these requests are a few hundred bytes).
pub const MAX_BODY: usize = 16 * 1024;

/// An authenticated client's form request.
pub struct ClientRequest {
    pub app: Arc<RegisteredApp>,
    pub params: HashMap<String, String>,
}

/// Reads the form and authenticates the client.
pub async fn authenticate(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<ClientRequest, OAuthError> {
    let body = match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return Err(OAuthError::InvalidRequest(
                "the request body could not be read".into(),
            ))
        }
        Err(_) => {
            return Err(OAuthError::InvalidRequest(format!(
                "the request body is larger than {} KiB",
                MAX_BODY / 1024
            )))
        }
    };
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded".into(),
        ));
    }
    let params = parse_form(&body)?;
    let presented = presented_credentials(req, &params)?;
    let app = state
        .apps
        .find(presented.client_id())
        .await
        .map_err(OAuthError::internal)?
        .ok_or_else(client_auth::failed)?;
    // Before authentication, which may consume an assertion's `jti`: a refused request changes
    // nothing.
    protect::check_back_channel(req, &app)?;
    match &presented {
        Presented::Assertion { assertion, .. } if app.auth_method == AuthMethod::PrivateKeyJwt => {
            client_assertion::authenticate(
                &app,
                assertion,
                &state.client_keys,
                &state.dbs.ops,
                &state.settings.issuer,
                state.clock.now(),
            )
            .await?
        }
        _ => {
            let now = state.clock.now();
            if let Some(secret_id) = client_auth::authenticate(&app, &presented, now)? {
                state.key_usage.record(secret_id, now);
            }
        }
    }
    Ok(ClientRequest { app, params })
}

/// Form parameters; a repeated one is an error (RFC 6749 §3.2), an empty one counts as absent.
fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if value.is_empty() {
            continue;
        }
        if params.insert(key.to_string(), value.into_owned()).is_some() {
            return Err(OAuthError::InvalidRequest(format!(
                "parameter `{key}` is repeated"
            )));
        }
    }
    Ok(params)
}

/// The client's credentials: HTTP Basic or the form, never both (RFC 6749 §2.3).
fn presented_credentials(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<Presented, OAuthError> {
    let form_id = params.get("client_id");
    let form_secret = params.get("client_secret");
    if let Some(kind) = params.get("client_assertion_type") {
        if kind != client_assertion::JWT_BEARER {
            return Err(OAuthError::InvalidRequest(
                "unsupported client_assertion_type".into(),
            ));
        }
        if req.headers().contains_key(AUTHORIZATION) || form_secret.is_some() {
            return Err(OAuthError::InvalidRequest(
                "use one client authentication method only".into(),
            ));
        }
        let assertion = params
            .get("client_assertion")
            .ok_or_else(|| OAuthError::InvalidRequest("client_assertion is missing".into()))?;
        let client_id = form_id
            .cloned()
            .or_else(|| client_assertion::claimed_client(assertion))
            .ok_or_else(client_auth::failed)?;
        return Ok(Presented::Assertion {
            client_id,
            assertion: assertion.clone(),
        });
    }
    if let Some(header) = req.headers().get(AUTHORIZATION) {
        let (client_id, secret) = parse_basic(header.to_str().unwrap_or_default())
            .ok_or_else(|| OAuthError::InvalidClient("malformed Basic credentials".into()))?;
        if form_secret.is_some() {
            return Err(OAuthError::InvalidRequest(
                "use one client authentication method only".into(),
            ));
        }
        if form_id.is_some_and(|id| *id != client_id) {
            return Err(OAuthError::InvalidRequest(
                "client_id differs from the authenticated client".into(),
            ));
        }
        return Ok(Presented::Basic { client_id, secret });
    }
    let client_id = form_id
        .cloned()
        .ok_or_else(|| OAuthError::InvalidClient("client authentication is missing".into()))?;
    Ok(match form_secret {
        Some(secret) => Presented::Post {
            client_id,
            secret: secret.clone(),
        },
        None => Presented::IdOnly { client_id },
    })
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%3Aid:s%2Bcr+et"));
        assert_eq!(
            parse_basic(&header),
            Some(("my:id".into(), "s+cr et".into()))
        );
        assert_eq!(parse_basic("Bearer abc"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
        assert_eq!(
            parse_basic(&format!("Basic {}", STANDARD.encode("no-colon"))),
            None
        );
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(parse_form(b"grant_type=a&grant_type=b").is_err());
        let params = parse_form(b"grant_type=client_credentials&scope=").unwrap();
        assert_eq!(params.len(), 1);
    }
}
