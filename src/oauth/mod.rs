//! Protocol logic with no web framework: discovery, client authentication, grants, tokens.

pub mod authorize;
pub mod client_assertion;
pub mod client_auth;
pub mod discovery;
pub mod encrypted_token;
mod error;
pub mod flow;
pub mod grants;
pub mod housekeeping;
pub mod introspection;
pub mod resource;
pub mod tokens;
pub mod userinfo;

pub use error::OAuthError;
