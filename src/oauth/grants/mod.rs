//! Grant types at the token endpoint, one file each (RFC 6749 §4).

mod authorization_code;
mod client_credentials;
mod issue;
mod refresh_token;

use serde::Serialize;

pub use authorization_code::authorization_code;
pub use client_credentials::client_credentials;
pub use issue::GrantContext;
pub use refresh_token::refresh_token;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}
