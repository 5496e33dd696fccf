//! Middleware shared by both listeners.

pub mod request_id;
