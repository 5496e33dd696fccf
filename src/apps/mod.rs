//! Apps (OAuth clients): registration with validated settings, and their secrets.

mod client_keys;
mod grant;
mod keys;
mod redirect_uri;
mod register;
mod registry;
mod scope;

pub use client_keys::{check_jwks, check_jwks_uri, ClientKeys, KeysError};
pub use grant::{GrantType, UnknownGrant};
pub use keys::{create_key, list_keys, revoke_key, rotate_keys, CreatedKey, KeySummary};
pub use redirect_uri::{RedirectUri, RedirectUriError};
pub use register::{create_app, list_apps, AppError, AppSummary, CreatedApp, NewApp, ValidApp};
pub use registry::{AppRegistry, AuthMethod, RegisteredApp, SecretHash};
pub use scope::{Scope, ScopeError, SUPPORTED_SCOPES};
