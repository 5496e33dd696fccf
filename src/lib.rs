//! Tessera: a standalone OpenID Connect / OAuth 2.0 identity provider.
//!
//! `main.rs` is a thin CLI over this library; integration tests use it directly.

pub mod access;
pub mod apps;
pub mod bootstrap;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod http;
pub mod identity;
pub mod oauth;
pub mod operators;
pub mod state;
pub mod store;
pub mod telemetry;
