//! sea-orm entities, one file per table. Private to the store: repositories hand out domain rows.

pub mod app;
pub mod app_secret;
pub mod meta;
pub mod revoked_token;
pub mod session;
pub mod signing_key;
pub mod user;
