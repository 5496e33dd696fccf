//! Protocol logic with no web framework: discovery, client authentication, grants, tokens.

pub mod client_auth;
pub mod discovery;
mod error;
pub mod grants;
pub mod introspection;
pub mod tokens;

pub use error::OAuthError;
