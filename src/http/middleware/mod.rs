//! Middleware shared by both listeners.

pub mod access_log;
pub mod client_ip;
pub mod request_id;
