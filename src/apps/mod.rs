//! Apps (OAuth clients): registration with validated settings, their secrets, and the four
//! protections (DESIGN.md "Apps and API keys").

mod client_keys;
mod error;
mod grant;
mod ip_allow;
mod key_usage;
mod keys;
mod origin;
mod protection;
mod redirect_uri;
mod register;
mod registry;
mod return_url;
mod scope;
mod settings;

pub use client_keys::{check_jwks, check_jwks_uri, ClientKeys, KeysError};
pub use error::AppError;
pub use grant::{GrantType, UnknownGrant};
pub use ip_allow::{IpAllowList, IpEntryError};
pub use key_usage::KeyUsage;
pub use keys::{
    create_key, list_keys, revoke_key, rotate_key, rotate_keys, CreatedKey, KeySummary,
};
pub use origin::{is_listed, AllowedOrigin, OriginError};
pub use protection::{Caller, Protection, Refusal};
pub use redirect_uri::{RedirectUri, RedirectUriError};
pub use register::{
    change_app, check_id_token_alg, create_app, delete_app, find_app, find_apps_page, list_apps,
    list_owned_apps, register_app, update_app, AppPage, AppRemoval, AppSummary, CreatedApp,
    MAX_APPS_PER_PAGE,
};
pub use registry::{AppRegistry, AuthMethod, RegisteredApp, SecretHash};
pub use return_url::{is_allowed_return_url, RedirectPrefix};
pub use scope::{Scope, ScopeError, APP_ONLY_SCOPES, SUPPORTED_SCOPES};
pub use settings::{NewApp, ValidApp};
