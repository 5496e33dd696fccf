//! The admin REST API (JSON), documented with utoipa and served at `/openapi.json`.

pub mod app_access;
pub mod app_keys;
pub mod app_settings;
pub mod apps;
pub mod grants;
pub mod keys;
pub mod members;
pub mod mfa;
pub mod openapi;
pub mod organizations;
pub mod resources;
pub mod roles;
pub mod shares;
pub mod users;

use crate::state::AppState;

/// An error body: `{"error", "error_description"}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `invalid_token`, `forbidden`, `insufficient_scope`,
    /// `not_found`, `invalid_request`, `conflict`, `server_error`.
    pub error: String,
    pub error_description: String,
}

/// Makes this instance serve a change to apps at once; other instances pick it up on their
/// next tick, so a failed refresh is only logged.
pub async fn refresh_apps(state: &AppState) {
    if let Err(err) = state.apps.refresh_if_changed().await {
        tracing::warn!(error = %err, "the app registry could not be refreshed after a change");
    }
}
