//! The protections an app's owner switches on (DESIGN.md "Apps and API keys: the four
//! protections"), checked against what a request shows about its caller. Return-URL
//! protection lives with the redirect URIs (`return_url.rs`).
//!
//! Where each applies: the back-channel endpoints (token, introspection, revocation, userinfo)
//! are called by the app itself, so all three checks below apply there. At the front-channel
//! endpoints (authorize, end_session) the caller is the end user's browser on a top-level
//! navigation: only the `Origin` check applies, when the browser sends one; an IP allow-list of
//! the app's servers there would lock out every user, and the code it yields is worthless
//! without the IP-checked token request.

use std::net::IpAddr;

use super::RegisteredApp;

/// What a request shows about where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The browser's `Origin` header.
    pub origin: Option<&'a str>,
    /// `X-Origin`: a server-side caller names its origin.
    pub x_origin: Option<&'a str>,
    /// The client IP (the socket peer, or the forwarded address behind a trusted proxy).
    pub ip: IpAddr,
}

/// Which protection refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    Domain,
    ServerOnly,
    Ip,
}

impl Protection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Domain => "domain",
            Self::ServerOnly => "server-only",
            Self::Ip => "ip",
        }
    }
}

/// A refusal; the text is safe to show the caller (it only repeats what the caller sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("domain protection: origin `{0}` is not allowed for this app")]
    Origin(String),
    #[error(
        "domain protection: this app requires an X-Origin header naming one of its allowed origins"
    )]
    MissingXOrigin,
    #[error("domain protection: X-Origin `{0}` is not allowed for this app")]
    XOrigin(String),
    #[error("server-only protection: this app cannot be used from a browser")]
    ServerOnly,
    #[error("IP protection: requests from {0} are not allowed for this app")]
    Ip(IpAddr),
}

impl Refusal {
    pub fn protection(&self) -> Protection {
        match self {
            Self::Origin(_) | Self::MissingXOrigin | Self::XOrigin(_) => Protection::Domain,
            Self::ServerOnly => Protection::ServerOnly,
            Self::Ip(_) => Protection::Ip,
        }
    }
}

impl RegisteredApp {
    /// Every protection, for a request the app itself makes (back channel).
    pub fn check_caller(&self, caller: &Caller<'_>) -> Result<(), Refusal> {
        if self.is_server_only && caller.origin.is_some() {
            return Err(Refusal::ServerOnly);
        }
        if !self.allowed_origins.is_empty() {
            match (caller.origin, caller.x_origin) {
                (Some(origin), _) if !self.allows_origin(origin) => {
                    return Err(Refusal::Origin(shown(origin)))
                }
                (Some(_), _) => {}
                (None, None) => return Err(Refusal::MissingXOrigin),
                (None, Some(x)) if !self.allows_origin(x) => {
                    return Err(Refusal::XOrigin(shown(x)))
                }
                (None, Some(_)) => {}
            }
        }
        if !self.allowed_ips.is_empty() && !self.allowed_ips.contains(caller.ip) {
            return Err(Refusal::Ip(caller.ip.to_canonical()));
        }
        Ok(())
    }

    /// The domain check for a front-channel request: an `Origin`, when the browser sends one,
    /// must be allowed.
    pub fn check_browser_origin(&self, origin: Option<&str>) -> Result<(), Refusal> {
        match origin {
            Some(o) if !self.allowed_origins.is_empty() && !self.allows_origin(o) => {
                Err(Refusal::Origin(shown(o)))
            }
            _ => Ok(()),
        }
    }

    /// Whether CORS answers this origin for this app.
    pub fn allows_origin(&self, origin: &str) -> bool {
        super::is_listed(origin, &self.allowed_origins)
    }
}

/// A header value as it may be echoed back: at most 200 characters, printable ASCII only.
fn shown(value: &str) -> String {
    value
        .chars()
        .take(200)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}
