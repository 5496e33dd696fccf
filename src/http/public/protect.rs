//! An app's protections applied to a request (DESIGN.md "Apps and API keys"): what the request
//! shows about its caller, and the refusal's log line (it carries the request id of its span).

use actix_web::{HttpMessage, HttpRequest};

use crate::apps::{Caller, Refusal, RegisteredApp};
use crate::http::middleware::client_ip::ClientIp;
use crate::oauth::OAuthError;

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The request's `Origin` header (a browser sends it on cross-origin requests and on POSTs).
pub fn origin(req: &HttpRequest) -> Option<&str> {
    header(req, "origin")
}

fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.extensions()
        .get::<ClientIp>()
        .map(|ip| ip.0)
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn log(app: &RegisteredApp, refusal: &Refusal, req: &HttpRequest) {
    tracing::warn!(
        client_id = %app.client_id,
        protection = refusal.protection().as_str(),
        client_ip = %client_ip(req),
        reason = %refusal,
        "request refused by an app protection"
    );
}

/// Every protection, for a request the app makes itself (token, introspection, revocation,
/// userinfo): a refusal is `access_denied`, answered with 403.
pub fn check_back_channel(req: &HttpRequest, app: &RegisteredApp) -> Result<(), OAuthError> {
    let caller = Caller {
        origin: origin(req),
        x_origin: header(req, "x-origin"),
        ip: client_ip(req),
    };
    app.check_caller(&caller).map_err(|refusal| {
        log(app, &refusal, req);
        OAuthError::AccessDenied(refusal.to_string())
    })
}

/// The domain check for the end user's browser (authorize, end_session): the text for the error
/// page when refused.
pub fn check_front_channel(req: &HttpRequest, app: &RegisteredApp) -> Result<(), String> {
    app.check_browser_origin(origin(req)).map_err(|refusal| {
        log(app, &refusal, req);
        format!("This request was refused by the application's {}", refusal)
    })
}
