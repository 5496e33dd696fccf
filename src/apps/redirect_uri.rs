//! Registered redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §2.1 and §4.1).
//!
//! A registered URI is stored in canonical form, so the exact-match comparison at the
//! authorization endpoint is a plain string comparison.

use std::fmt;

use url::Url;

use crate::config::is_loopback_host;

/// A redirect URI that may be registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedirectUriError {
    #[error("`{0}` is not an absolute URI")]
    NotAbsolute(String),
    #[error("`{uri}` is not in canonical form; register it as `{canonical}`")]
    NotCanonical { uri: String, canonical: String },
    #[error("`{0}` has a fragment (RFC 6749 §3.1.2)")]
    Fragment(String),
    #[error("`{0}` contains user information")]
    UserInfo(String),
    #[error("`{0}` uses http on a non-loopback host; use https (RFC 9700 §2.6)")]
    InsecureHttp(String),
    #[error("`{0}` has a scheme allowed only for public native apps with a reverse-domain scheme (RFC 8252 §7.1)")]
    Scheme(String),
    #[error("redirect prefix `{0}` must use https (or http on a loopback host)")]
    PrefixScheme(String),
    #[error("redirect prefix `{0}` must end with `/`, so that it only covers paths below it")]
    PrefixWithoutSlash(String),
    #[error("redirect prefix `{0}` has a query; register the prefix without one (requests may add a query)")]
    PrefixWithQuery(String),
    #[error("redirect prefix `{0}` has a dot-segment or a percent-encoded character in its path")]
    PrefixPath(String),
}

impl RedirectUri {
    /// Validates a URI for an app; private-use schemes (`com.example.app:/cb`) only for public apps.
    pub fn parse(raw: &str, is_public: bool) -> Result<Self, RedirectUriError> {
        let url = Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute(raw.to_owned()))?;
        if url.fragment().is_some() || raw.contains('#') {
            return Err(RedirectUriError::Fragment(raw.to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RedirectUriError::UserInfo(raw.to_owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&url) => {}
            "http" => return Err(RedirectUriError::InsecureHttp(raw.to_owned())),
            scheme if is_public && scheme.contains('.') => {}
            _ => return Err(RedirectUriError::Scheme(raw.to_owned())),
        }
        if url.as_str() != raw {
            return Err(RedirectUriError::NotCanonical {
                uri: raw.to_owned(),
                canonical: url.as_str().to_owned(),
            });
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_loopback_http_and_native_schemes_for_public_apps() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com/cb?tenant=1",
            "http://127.0.0.1:9000/cb",
            "http://[::1]:9000/cb",
            "http://localhost:3000/cb",
        ] {
            assert!(RedirectUri::parse(ok, false).is_ok(), "{ok}");
        }
        assert!(RedirectUri::parse("com.example.app:/oauth", true).is_ok());
    }

    #[test]
    fn refuses_unsafe_or_ambiguous_uris() {
        let cases: &[(&str, bool)] = &[
            ("not a uri", false),
            ("/relative/cb", false),
            ("https://app.example.com/cb#frag", false),
            ("https://user@app.example.com/cb", false),
            ("http://app.example.com/cb", false),
            ("com.example.app:/oauth", false),
            ("javascript:alert(1)", true),
            ("https://app.example.com/a/../cb", false),
            ("https://APP.example.com/cb", false),
            ("https://app.example.com", false),
        ];
        for (bad, is_public) in cases {
            assert!(RedirectUri::parse(bad, *is_public).is_err(), "{bad}");
        }
    }
}
