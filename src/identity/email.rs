//! Email addresses: validated (RFC 5321 lengths, `email_address` syntax) and normalised.

use std::fmt;
use std::str::FromStr;

/// A valid email address, trimmed and lower-cased (the form used for uniqueness and lookup).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an email address was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a valid email address")]
pub struct EmailError(pub String);

impl FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        // RFC 5321 §4.5.3.1: at most 254 characters in a usable path.
        let is_valid = trimmed.len() <= 254
            && email_address::EmailAddress::from_str(trimmed)
                .is_ok_and(|a| a.domain().contains('.') && !a.domain().starts_with('['));
        if !is_valid {
            return Err(EmailError(s.to_owned()));
        }
        Ok(Self(trimmed.to_lowercase()))
    }
}

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let e: Email = "  Alice@Example.COM ".parse().unwrap();
        assert_eq!(e.as_str(), "alice@example.com");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a b@example.com",
            "alice@localhost",
            "alice@[127.0.0.1]",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(long.parse::<Email>().is_err());
    }
}
