//! Middleware shared by both listeners.

pub mod access_log;
pub mod request_id;
