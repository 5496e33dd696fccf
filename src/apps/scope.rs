//! Scope values (RFC 6749 §3.3).

use std::fmt;
use std::str::FromStr;

/// The scopes users consent to (advertised in discovery).
pub const SUPPORTED_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// Scopes an app may be registered with and ask for in the client credentials grant only:
/// `tessera:admin` lets an app that is an operator call the admin API.
pub const APP_ONLY_SCOPES: &[&str] = &["tessera:admin"];

/// One known scope value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error("`{0}` is not a valid scope token (RFC 6749 §3.3)")]
    Syntax(String),
    #[error("unknown scope `{0}` (supported: openid, profile, email, offline_access, and tessera:admin for client credentials)")]
    Unknown(String),
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        let is_token = !s.is_empty()
            && s.bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
        if !is_token {
            return Err(ScopeError::Syntax(s.to_owned()));
        }
        if !SUPPORTED_SCOPES.contains(&s) && !APP_ONLY_SCOPES.contains(&s) {
            return Err(ScopeError::Unknown(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }
}

impl Scope {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
