//! Return-URL protection: a requested redirect URI is allowed only if it equals a registered URI
//! or lies strictly below a registered prefix (RFC 9700 §4.1.3, RFC 6749 §3.1.2.2).
//!
//! RFC 9700 §2.1 asks for exact matching; prefixes are a deliberate, narrow exception, so the
//! matcher refuses anything a browser, proxy or app server could read differently from us:
//! dot-segments, encoded separators, backslashes, userinfo and non-canonical spellings.
//! The same rules apply to `post_logout_redirect_uri` (OpenID Connect RP-Initiated Logout §3).

use url::Url;

use super::redirect_uri::RedirectUriError;
use crate::config::is_loopback_host;

/// A registered redirect prefix such as `https://example.org/callback/`, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectPrefix(String);

impl RedirectPrefix {
    /// Validates a prefix at registration time.
    pub fn parse(raw: &str) -> Result<Self, RedirectUriError> {
        let url = Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute(raw.to_owned()))?;
        if url.fragment().is_some() || raw.contains('#') {
            return Err(RedirectUriError::Fragment(raw.to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() || has_raw_userinfo(raw) {
            return Err(RedirectUriError::UserInfo(raw.to_owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&url) => {}
            "http" => return Err(RedirectUriError::InsecureHttp(raw.to_owned())),
            _ => return Err(RedirectUriError::PrefixScheme(raw.to_owned())),
        }
        if url.query().is_some() || raw.contains('?') {
            return Err(RedirectUriError::PrefixWithQuery(raw.to_owned()));
        }
        // Checked on the raw text before canonicalisation, so `/a/../b/` gets the clearer message.
        let path = raw_path(raw);
        if path.contains('%') || has_dot_segment(path) {
            return Err(RedirectUriError::PrefixPath(raw.to_owned()));
        }
        if url.as_str() != raw {
            return Err(RedirectUriError::NotCanonical {
                uri: raw.to_owned(),
                canonical: url.as_str().to_owned(),
            });
        }
        // Without the slash, `https://example.org/callback` would also cover `/callbackX`.
        if !url.path().ends_with('/') {
            return Err(RedirectUriError::PrefixWithoutSlash(raw.to_owned()));
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `requested` is the prefix itself or a canonical URI below it.
    ///
    /// Both the raw text and the parsed URL are checked: the parser normalises some tricks away,
    /// but the app server receiving the redirect may not.
    pub fn matches(&self, requested: &str) -> bool {
        if !is_plain_text(requested)
            || has_forbidden_escape(requested)
            || has_raw_userinfo(requested)
            || has_dot_segment(raw_path(requested))
        {
            return false;
        }
        let (Ok(prefix), Ok(url)) = (Url::parse(&self.0), Url::parse(requested)) else {
            return false;
        };
        url.as_str() == requested
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none()
            && url.scheme() == prefix.scheme()
            && url.host_str().is_some()
            && url.host_str() == prefix.host_str()
            && url.port_or_known_default() == prefix.port_or_known_default()
            && url.path().starts_with(prefix.path())
            && requested.starts_with(&self.0)
    }
}

/// Whether `requested` equals a registered URI or lies below a registered prefix.
pub fn is_allowed_return_url(requested: &str, exact: &[String], prefixes: &[String]) -> bool {
    exact.iter().any(|uri| uri == requested)
        || prefixes.iter().any(|raw| {
            // A stored prefix that no longer validates matches nothing rather than everything.
            RedirectPrefix::parse(raw).is_ok_and(|prefix| prefix.matches(requested))
        })
}

/// No fragment marker, backslash (read as `/` by browsers, WHATWG URL §4.4), control character or
/// whitespace (which the URL parser silently strips).
fn is_plain_text(raw: &str) -> bool {
    !raw.chars()
        .any(|c| c == '#' || c == '\\' || c.is_control() || c.is_whitespace())
}

/// Percent-encoded `.`, `/`, `\` or `%`, which a second decoding could turn into a path change.
fn has_forbidden_escape(raw: &str) -> bool {
    const FORBIDDEN: [&[u8; 2]; 4] = [b"2e", b"2f", b"5c", b"25"];
    raw.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && FORBIDDEN
                .iter()
                .any(|f| w[1].to_ascii_lowercase() == f[0] && w[2].to_ascii_lowercase() == f[1])
    })
}

/// The authority part of `scheme://authority/...`, or `""` when there is none.
fn raw_authority(raw: &str) -> &str {
    let Some((_, rest)) = raw.split_once("://") else {
        return "";
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    &rest[..end]
}

fn has_raw_userinfo(raw: &str) -> bool {
    raw_authority(raw).contains('@')
}

/// The path of the raw text: after the authority, before any query or fragment.
fn raw_path(raw: &str) -> &str {
    let Some((_, rest)) = raw.split_once("://") else {
        return "";
    };
    let authority_len = raw_authority(raw).len();
    let after = &rest[authority_len..];
    let end = after.find(['?', '#']).unwrap_or(after.len());
    &after[..end]
}

/// RFC 3986 §5.2.4: a `.` or `..` segment anywhere in the path.
fn has_dot_segment(path: &str) -> bool {
    path.split(['/', '\\']).any(|s| s == "." || s == "..")
}

#[cfg(test)]
mod tests;
