//! OAuth errors with their RFC wire codes (RFC 6749 §5.2, §4.1.2.1).

use std::fmt;

/// An OAuth error. The text is the `error_description`: safe to show the client, never an
/// internal cause (those go to the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidClient(String),
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    #[error("{0}")]
    InvalidScope(String),
    /// RFC 8707 §2: the resource is unknown or not the one granted.
    #[error("{0}")]
    InvalidTarget(String),
    /// One of the app's protections refused the request (answered with 403).
    #[error("{0}")]
    AccessDenied(String),
    #[error("the server could not complete the request")]
    ServerError,
}

impl OAuthError {
    /// The RFC 6749 `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::AccessDenied(_) => "access_denied",
            Self::InvalidTarget(_) => "invalid_target",
            Self::ServerError => "server_error",
        }
    }

    /// Logs an internal cause and returns the opaque `server_error`.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::ServerError
    }
}
