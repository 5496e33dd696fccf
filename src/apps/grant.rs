//! Grant types an app may use (RFC 6749 §4). No implicit and no password grant (RFC 9700 §2.1.2,
//! §2.4).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

/// A grant type Tessera does not offer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown grant type `{0}` (allowed: authorization_code, refresh_token, client_credentials)"
)]
pub struct UnknownGrant(pub String);

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

impl FromStr for GrantType {
    type Err = UnknownGrant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::AuthorizationCode,
            Self::RefreshToken,
            Self::ClientCredentials,
        ]
        .into_iter()
        .find(|g| g.as_str() == s)
        .ok_or_else(|| UnknownGrant(s.to_owned()))
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
