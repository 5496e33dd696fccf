//! Where the identity provider's endpoints are (OIDC Discovery, or the configured URLs), the
//! HTTP client the guard shares between them, and bounded reads of their answers.

use serde::Deserialize;
use url::Url;

use crate::config::{parse_url, Config};
use crate::error::InitError;

/// Responses larger than this are refused: a JWKS or a discovery document is a few kilobytes.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The configured client, or one with the configured timeout that follows no redirect: a
/// followed `307`/`308` would resend an introspection request (token, and the client
/// credentials on the same host) to wherever it points, and let that URL answer for the issuer.
pub(crate) fn http_client(config: &Config) -> Result<reqwest::Client, InitError> {
    match &config.http_client {
        Some(client) => Ok(client.clone()),
        None => reqwest::Client::builder()
            .timeout(config.http_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(InitError::HttpClient),
    }
}

/// The endpoints the guard calls.
#[derive(Debug)]
pub(crate) struct Endpoints {
    pub(crate) jwks: Url,
    /// Set exactly when introspection is configured.
    pub(crate) introspection: Option<Url>,
}

/// The configured endpoints; whatever is not configured comes from the discovery document.
/// `ConfigBuilder::build` already demands an introspection endpoint when `jwks_url` replaces
/// discovery.
pub(crate) async fn endpoints(
    http: &reqwest::Client,
    config: &Config,
) -> Result<Endpoints, InitError> {
    let configured_introspection = config
        .introspection
        .as_ref()
        .and_then(|i| i.endpoint.clone());
    if let Some(jwks) = &config.jwks_url {
        return Ok(Endpoints {
            jwks: jwks.clone(),
            introspection: configured_introspection,
        });
    }
    let url = config.discovery_url();
    let doc = discover(http, config, &url).await?;
    let jwks = parse_url("jwks_uri", &doc.jwks_uri, config.allow_insecure_http)?;
    let introspection = match (&config.introspection, configured_introspection) {
        (None, _) => None,
        (Some(_), Some(endpoint)) => Some(endpoint),
        (Some(_), None) => {
            let Some(endpoint) = doc.introspection_endpoint else {
                return Err(InitError::Discovery {
                    url,
                    reason: "the document has no introspection_endpoint; set \
                             Introspection::endpoint"
                        .to_owned(),
                });
            };
            let endpoint = parse_url(
                "introspection_endpoint",
                &endpoint,
                config.allow_insecure_http,
            )?;
            // The guard sends its client secret and every token there, so the document may
            // only name the issuer's own origin (scheme, host and port, RFC 6454 §4); another
            // one is the operator's choice, with `Introspection::endpoint`.
            if endpoint.origin() != config.issuer_url.origin() {
                return Err(InitError::Discovery {
                    url,
                    reason: format!(
                        "its introspection_endpoint {endpoint} is not at the issuer's origin \
                         (scheme, host and port); set Introspection::endpoint to use it"
                    ),
                });
            }
            Some(endpoint)
        }
    };
    Ok(Endpoints {
        jwks,
        introspection,
    })
}

/// The parts of an OIDC Discovery §3 document the guard uses.
#[derive(Deserialize)]
struct Document {
    issuer: String,
    jwks_uri: String,
    /// RFC 8414 §2 / RFC 7662: where tokens are introspected.
    #[serde(default)]
    introspection_endpoint: Option<String>,
}

/// OIDC Discovery §4: the issuer's configuration document.
async fn discover(
    http: &reqwest::Client,
    config: &Config,
    url: &str,
) -> Result<Document, InitError> {
    let failed = |reason: String| InitError::Discovery {
        url: url.to_owned(),
        reason,
    };
    let (body, _) = get(http, url).await.map_err(failed)?;
    let doc: Document = serde_json::from_slice(&body)
        .map_err(|e| failed(format!("not a discovery document: {e}")))?;
    // OIDC Discovery §4.3: the issuer in the document must be exactly the one we asked.
    if doc.issuer != config.issuer {
        return Err(InitError::IssuerMismatch {
            expected: config.issuer.clone(),
            found: doc.issuer,
        });
    }
    Ok(doc)
}

/// GETs `url`, returning the body (bounded) and its `Cache-Control` header. Only a 2xx
/// answer from `url` itself counts.
pub(crate) async fn get(
    http: &reqwest::Client,
    url: &str,
) -> Result<(Vec<u8>, Option<String>), String> {
    let requested = Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let response = http
        .get(requested.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if let Some(reason) = redirect_refusal(&response, &requested) {
        return Err(reason);
    }
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let cache_control = response
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = read_body(response, MAX_BODY_BYTES).await?;
    Ok((body, cache_control))
}

/// Why `response` is not an answer from `requested` itself: a redirect (the default client
/// follows none), or an answer from elsewhere because a configured client followed one.
pub(crate) fn redirect_refusal(response: &reqwest::Response, requested: &Url) -> Option<String> {
    let status = response.status();
    if status.is_redirection() {
        Some(format!("HTTP {status}: redirects are not followed"))
    } else if response.url() != requested {
        Some(
            "the answer came from another URL: the configured HTTP client followed a redirect"
                .to_owned(),
        )
    } else {
        None
    }
}

/// Reads a response body of at most `max` bytes.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err("response too large".into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > max {
            return Err("response too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
