//! `POST /token` (RFC 6749 §3.2): parses the form and the client's credentials, then hands over
//! to the grant.

use std::collections::HashMap;

use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::http::error::token_error;
use crate::oauth::client_auth::{self, Presented};
use crate::oauth::{grants, OAuthError};
use crate::state::AppState;

/// Largest accepted request body (a token request is a few hundred bytes).
pub const MAX_BODY: usize = 16 * 1024;

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return token_error(&OAuthError::InvalidRequest(
                "the request body could not be read".into(),
            ))
        }
        Err(_) => {
            return token_error(&OAuthError::InvalidRequest(format!(
                "the request body is larger than {} KiB",
                MAX_BODY / 1024
            )))
        }
    };
    match handle(&req, &body, &state).await {
        Ok(response) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"))
            .json(response),
        Err(err) => token_error(&err),
    }
}

async fn handle(
    req: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<grants::TokenResponse, OAuthError> {
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !is_form {
        return Err(OAuthError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded".into(),
        ));
    }
    let params = parse_form(body)?;
    let presented = presented_credentials(req, &params)?;
    let now = state.clock.now();
    let app = state
        .apps
        .find(presented.client_id())
        .await
        .map_err(OAuthError::internal)?
        .ok_or_else(client_auth::failed)?;
    client_auth::authenticate(&app, &presented, now)?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::InvalidRequest("grant_type is missing".into()))?;
    match grant_type.as_str() {
        "client_credentials" => grants::client_credentials(
            &state.settings.issuer,
            &state.keys,
            &state.settings.tokens,
            &app,
            params.get("scope").map(String::as_str),
            now,
        ),
        other => Err(OAuthError::UnsupportedGrantType(format!(
            "grant_type `{other}` is not supported"
        ))),
    }
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
