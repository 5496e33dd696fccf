//! The admin REST API (JSON), documented with utoipa and served at `/openapi.json`.

pub mod keys;
pub mod openapi;
pub mod organizations;
pub mod users;

/// An error body: `{"error", "error_description"}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `invalid_token`, `forbidden`, `insufficient_scope`,
    /// `not_found`, `invalid_request`, `conflict`, `server_error`.
    pub error: String,
    pub error_description: String,
}
