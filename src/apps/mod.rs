//! Apps (OAuth clients): registration with validated settings, and their secrets.

mod client_keys;
mod grant;
mod redirect_uri;
mod register;
mod registry;
mod scope;

pub use client_keys::{check_jwks, check_jwks_uri, ClientKeys, KeysError};
pub use grant::{GrantType, UnknownGrant};
pub use redirect_uri::{RedirectUri, RedirectUriError};
pub use register::{create_app, list_apps, AppError, AppSummary, CreatedApp, NewApp, ValidApp};
pub use registry::{AppRegistry, AuthMethod, RegisteredApp, SecretHash};
pub use scope::{Scope, ScopeError, SUPPORTED_SCOPES};
