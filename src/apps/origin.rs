//! Origins an app allows for domain protection, compared against the browser's `Origin` header.
//!
//! Stored values are the ASCII serialization of an origin (RFC 6454 §6.2), which is exactly what
//! a browser sends (RFC 6454 §7), so the check at request time is a plain string comparison.

use url::Url;

use crate::config::is_loopback_host;

/// A canonical origin such as `https://app.example.com` or `http://localhost:3000`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedOrigin(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OriginError {
    #[error("`*` is not allowed; list each origin as scheme://host[:port]")]
    Wildcard,
    #[error("`null` is an opaque origin (RFC 6454 §7.3) and cannot be allowed")]
    Null,
    #[error("`{0}` is not an origin of the form scheme://host[:port]")]
    NotAnOrigin(String),
    #[error("`{0}` contains user information; an origin is only scheme://host[:port]")]
    UserInfo(String),
    #[error("`{0}` has a path; an origin is only scheme://host[:port]")]
    Path(String),
    #[error("`{0}` has a query; an origin is only scheme://host[:port]")]
    Query(String),
    #[error("`{0}` has a fragment; an origin is only scheme://host[:port]")]
    Fragment(String),
    #[error("`{0}` uses http on a non-loopback host; use https")]
    InsecureHttp(String),
    #[error("`{0}` must use https (or http on a loopback host)")]
    Scheme(String),
}

impl AllowedOrigin {
    /// Validates an origin at registration and stores its canonical serialization.
    pub fn parse(raw: &str) -> Result<Self, OriginError> {
        match raw {
            "*" => return Err(OriginError::Wildcard),
            "null" => return Err(OriginError::Null),
            _ => {}
        }
        // The URL parser silently drops tabs, newlines and edge spaces; a value relying on that
        // is a typo or a trick, not an origin.
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(OriginError::NotAnOrigin(raw.to_owned()));
        }
        let url = Url::parse(raw).map_err(|_| OriginError::NotAnOrigin(raw.to_owned()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&url) => {}
            "http" => return Err(OriginError::InsecureHttp(raw.to_owned())),
            _ => return Err(OriginError::Scheme(raw.to_owned())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OriginError::UserInfo(raw.to_owned()));
        }
        if url.fragment().is_some() {
            return Err(OriginError::Fragment(raw.to_owned()));
        }
        if url.query().is_some() {
            return Err(OriginError::Query(raw.to_owned()));
        }
        // Only `scheme://host[:port]` or the same with one trailing `/` (which the parser adds
        // anyway); `https://host//` or `https://host/.` normalise to `/` but are not origins.
        let Some((_, rest)) = raw.split_once("://") else {
            return Err(OriginError::NotAnOrigin(raw.to_owned()));
        };
        let raw_path = rest.find(['/', '\\']).map_or("", |start| &rest[start..]);
        if url.path() != "/" || !(raw_path.is_empty() || raw_path == "/") {
            return Err(OriginError::Path(raw.to_owned()));
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the browser's `Origin` header is one of the stored canonical origins.
pub fn is_listed(origin_header: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|origin| origin == origin_header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_canonicalises_origins() {
        for (raw, canonical) in [
            ("https://app.example.com", "https://app.example.com"),
            ("https://app.example.com/", "https://app.example.com"),
            ("https://app.example.com:443", "https://app.example.com"),
            ("https://APP.Example.COM", "https://app.example.com"),
            ("HTTPS://app.example.com", "https://app.example.com"),
            (
                "https://app.example.com:8443",
                "https://app.example.com:8443",
            ),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
        ] {
            let origin = AllowedOrigin::parse(raw).unwrap();
            assert_eq!(origin.as_str(), canonical, "{raw}");
        }
    }

    /// Recognises the error variant a case expects.
    type IsExpected = fn(&OriginError) -> bool;

    #[test]
    fn refuses_values_that_are_not_secure_origins() {
        use OriginError as E;
        let cases: &[(&str, IsExpected)] = &[
            ("*", |e| matches!(e, E::Wildcard)),
            ("null", |e| matches!(e, E::Null)),
            ("", |e| matches!(e, E::NotAnOrigin(_))),
            ("app.example.com", |e| matches!(e, E::NotAnOrigin(_))),
            (" https://app.example.com", |e| {
                matches!(e, E::NotAnOrigin(_))
            }),
            ("https://app.exa\tmple.com", |e| {
                matches!(e, E::NotAnOrigin(_))
            }),
            ("https://app.example.com/path", |e| matches!(e, E::Path(_))),
            ("https://app.example.com//", |e| matches!(e, E::Path(_))),
            ("https://app.example.com/.", |e| matches!(e, E::Path(_))),
            ("https://app.example.com\\", |e| matches!(e, E::Path(_))),
            ("https:app.example.com", |e| matches!(e, E::NotAnOrigin(_))),
            ("https://app.example.com?", |e| matches!(e, E::Query(_))),
            ("https://app.example.com/?a=1", |e| matches!(e, E::Query(_))),
            ("https://app.example.com#x", |e| matches!(e, E::Fragment(_))),
            ("http://app.example.com", |e| {
                matches!(e, E::InsecureHttp(_))
            }),
            ("ftp://app.example.com", |e| matches!(e, E::Scheme(_))),
            ("file:///etc", |e| matches!(e, E::Scheme(_))),
            ("https://user@app.example.com", |e| {
                matches!(e, E::UserInfo(_))
            }),
            ("https://u:p@app.example.com", |e| {
                matches!(e, E::UserInfo(_))
            }),
        ];
        for (raw, is_expected) in cases {
            let err = AllowedOrigin::parse(raw).unwrap_err();
            assert!(is_expected(&err), "{raw}: {err:?}");
        }
    }

    #[test]
    fn error_names_the_bad_value() {
        let err = AllowedOrigin::parse("https://app.example.com/path").unwrap_err();
        assert!(err.to_string().contains("https://app.example.com/path"));
    }

    #[test]
    fn listed_origins_compare_exactly() {
        let allowed = vec![
            AllowedOrigin::parse("https://app.example.com:443/")
                .unwrap()
                .as_str()
                .to_owned(),
            "http://localhost:3000".to_owned(),
        ];
        assert!(is_listed("https://app.example.com", &allowed));
        assert!(is_listed("http://localhost:3000", &allowed));
        for refused in [
            "https://app.example.com/",
            "https://app.example.com:443",
            "https://APP.example.com",
            "http://app.example.com",
            "https://app.example.com.evil.com",
            "http://localhost:3001",
            "null",
            "",
        ] {
            assert!(!is_listed(refused, &allowed), "{refused}");
        }
    }
}
