//! sea-orm entities, one file per table. Private to the store: repositories hand out domain rows.

pub mod access_token;
pub mod app;
pub mod app_access;
pub mod app_secret;
pub mod app_share;
pub mod authorization_code;
pub mod authorization_request;
pub mod client_assertion;
pub mod consent;
pub mod meta;
pub mod operator;
pub mod org_member;
pub mod organization;
pub mod pending_login;
pub mod refresh_token;
pub mod resource;
pub mod revoked_token;
pub mod right;
pub mod role;
pub mod role_grant;
pub mod role_right;
pub mod session;
pub mod setup_token;
pub mod signing_key;
pub mod totp_factor;
pub mod user;
