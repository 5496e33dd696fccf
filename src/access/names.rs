//! Validated names and identifiers of the access model (STYLE.md rule 5): once parsed, trusted.

use std::fmt;
use std::str::FromStr;

use super::AccessError;
use crate::config::is_loopback_host;

/// Longest resource identifier (the `resources.identifier` column).
const MAX_IDENTIFIER: usize = 2048;

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// An organization's name: 1 to 200 characters, no control characters, trimmed.
    OrgName
);
text_newtype!(
    /// A right's name, e.g. `reports:read`: `[a-z0-9][a-z0-9_.:-]{0,99}`.
    RightName
);
text_newtype!(
    /// A role's name, e.g. `analyst`: the same alphabet as rights.
    RoleName
);
text_newtype!(
    /// A parameter a right may be constrained by, e.g. `region`: `[a-z][a-z0-9_]{0,63}`.
    ParameterName
);
text_newtype!(
    /// A resource's identifier, the `aud` of its tokens (RFC 8707 §2: an absolute URI without
    /// a fragment): an https URI, an http URI on a loopback host, or a `urn:`. Kept as given,
    /// since audiences are compared as exact strings.
    ResourceIdentifier
);

/// Whether `text` is 1 to 200 characters without control characters.
fn is_display_text(text: &str) -> bool {
    let count = text.chars().count();
    (1..=200).contains(&count) && !text.chars().any(char::is_control)
}

/// `[a-z0-9][a-z0-9_.:-]{0,99}`
fn is_access_name(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() <= 100
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.:-".contains(c))
}

impl FromStr for OrgName {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        let name = text.trim();
        if !is_display_text(name) {
            return Err(AccessError::InvalidOrgName);
        }
        Ok(Self(name.to_owned()))
    }
}

impl FromStr for RightName {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        if !is_access_name(text) {
            return Err(AccessError::InvalidRightName(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }
}

impl FromStr for RoleName {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        if !is_access_name(text) {
            return Err(AccessError::InvalidRoleName(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }
}

impl FromStr for ParameterName {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        let mut chars = text.chars();
        let is_valid = text.len() <= 64
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !is_valid {
            return Err(AccessError::InvalidParameterName(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }
}

impl FromStr for ResourceIdentifier {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        let bad = AccessError::InvalidResourceIdentifier;
        if text.is_empty() || text.len() > MAX_IDENTIFIER {
            return Err(bad("must be 1 to 2048 characters"));
        }
        // RFC 3986 §2: a URI is ASCII without spaces; anything else would be silently re-encoded.
        if !text.chars().all(|c| c.is_ascii_graphic()) {
            return Err(bad("must be ASCII without spaces or control characters"));
        }
        if text.contains('#') {
            return Err(bad("must not have a fragment (RFC 8707 §2)"));
        }
        if let Some(rest) = text.strip_prefix("urn:") {
            // RFC 8141 §2: urn:<NID>:<NSS>, the NID being 2 to 32 letters, digits or hyphens.
            let (nid, nss) = rest.split_once(':').unwrap_or((rest, ""));
            let is_nid = (2..=32).contains(&nid.len())
                && nid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !nid.starts_with('-');
            if !is_nid || nss.is_empty() {
                return Err(bad("must be a URN of the form urn:<namespace>:<name>"));
            }
            return Ok(Self(text.to_owned()));
        }
        let url = url::Url::parse(text).map_err(|_| {
            bad("must be an absolute https URI, an http URI on a loopback host, or a urn:")
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry user information"));
        }
        match url.scheme() {
            "https" if url.host().is_some() => Ok(Self(text.to_owned())),
            "http" if is_loopback_host(&url) => Ok(Self(text.to_owned())),
            "http" => Err(bad(
                "must use https (http is allowed on loopback hosts only)",
            )),
            _ => Err(bad(
                "must be an absolute https URI, an http URI on a loopback host, or a urn:",
            )),
        }
    }
}

/// A resource's display name: 1 to 200 characters without control characters, trimmed.
pub(super) fn resource_name(text: &str) -> Result<String, AccessError> {
    let name = text.trim();
    if !is_display_text(name) {
        return Err(AccessError::InvalidResourceName);
    }
    Ok(name.to_owned())
}

/// A description: at most 1000 characters; line breaks and tabs are the only control characters.
pub(super) fn description(text: &str) -> Result<String, AccessError> {
    let text = text.trim();
    let is_valid = text.chars().count() <= 1000
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if !is_valid {
        return Err(AccessError::InvalidDescription);
    }
    Ok(text.to_owned())
}

/// A user id (users live in the accounts database, so only its shape is checked here).
pub(super) fn user_id(text: &str) -> Result<&str, AccessError> {
    if text.is_empty() || text.len() > 64 || !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AccessError::InvalidUserId);
    }
    Ok(text)
}

/// A value a constraint allows: 1 to 200 characters without control characters.
pub(super) fn is_constraint_value(text: &str) -> bool {
    is_display_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_and_role_names_follow_the_alphabet() {
        for good in [
            "reports:read",
            "a",
            "0",
            "station.list_v2",
            "x-y",
            &"a".repeat(100),
        ] {
            assert!(good.parse::<RightName>().is_ok(), "{good}");
            assert!(good.parse::<RoleName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            ":read",
            "_x",
            "-x",
            "Reports:read",
            "reports read",
            "reports/read",
            "réports",
            &"a".repeat(101),
        ] {
            assert!(
                matches!(
                    bad.parse::<RightName>(),
                    Err(AccessError::InvalidRightName(_))
                ),
                "{bad}"
            );
            assert!(
                matches!(
                    bad.parse::<RoleName>(),
                    Err(AccessError::InvalidRoleName(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn org_names_are_trimmed_and_bounded() {
        assert_eq!(
            "  Acme s.r.o. ".parse::<OrgName>().unwrap().as_str(),
            "Acme s.r.o."
        );
        assert!("Žluťoučký kůň".parse::<OrgName>().is_ok());
        assert!(
            "é".repeat(200).parse::<OrgName>().is_ok(),
            "counted in characters"
        );
        for bad in ["", "   ", "a\u{7}b", "line\nbreak", &"x".repeat(201)] {
            assert!(
                matches!(bad.parse::<OrgName>(), Err(AccessError::InvalidOrgName)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn parameter_names_are_lowercase_identifiers() {
        for good in ["region", "station_id", "a1"] {
            assert!(good.parse::<ParameterName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "1st",
            "_x",
            "Region",
            "station-id",
            "a:b",
            &"a".repeat(65),
        ] {
            assert!(bad.parse::<ParameterName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn resource_identifiers_are_https_loopback_http_or_urns() {
        for good in [
            "https://api.example.com",
            "https://api.example.com/reports/",
            "https://api.example.com:8443/v1?tenant=x",
            "http://localhost:9000/api",
            "http://127.0.0.1/api",
            "http://[::1]:8080",
            "urn:example:reports",
            "urn:ietf:params:oauth:token-type:jwt",
        ] {
            assert!(good.parse::<ResourceIdentifier>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "api.example.com",
            "/reports",
            "http://api.example.com",
            "ftp://api.example.com",
            "https://api.example.com/#frag",
            "https://user:pw@api.example.com",
            "https://api.example.com/a b",
            "https://api.example.com/é",
            "urn:",
            "urn:x:abc",
            "urn:example",
            "urn:example:",
            "urn:-ex:abc",
            "https:",
        ] {
            assert!(
                matches!(
                    bad.parse::<ResourceIdentifier>(),
                    Err(AccessError::InvalidResourceIdentifier(_))
                ),
                "{bad}"
            );
        }
        let long = format!("https://api.example.com/{}", "a".repeat(2048));
        assert!(long.parse::<ResourceIdentifier>().is_err());
    }

    #[test]
    fn descriptions_user_ids_and_values_are_bounded() {
        assert_eq!(description(" Read reports.\n ").unwrap(), "Read reports.");
        assert!(description("").is_ok());
        assert!(description("a\u{0}b").is_err());
        assert!(description(&"a".repeat(1001)).is_err());
        assert!(user_id("3f0c7a52-1b7e-4cf1-9a8e-0d8e5f6f7a10").is_ok());
        for bad in ["", "a b", &"a".repeat(65), "é"] {
            assert!(user_id(bad).is_err(), "{bad}");
        }
        assert!(is_constraint_value("eu"));
        assert!(!is_constraint_value(""));
        assert!(!is_constraint_value(&"v".repeat(201)));
        assert!(!is_constraint_value("a\tb"));
    }
}
