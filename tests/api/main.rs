//! Integration tests: one binary (link time), each test isolated by `spawn_app()`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod access;
mod admin_access;
mod admin_api;
mod admin_apps;
mod admin_console;
mod admin_setup;
mod admin_users;
mod authorize;
mod cli;
mod client_assertion;
mod config;
mod dashboard;
mod discovery;
mod first_run;
mod flow;
mod flow_errors;
mod guard;
mod health;
mod introspection;
mod jwks;
mod key_rotation;
mod keys;
mod master_key;
mod mfa;
mod migrations;
mod protections;
mod resource_encryption;
mod resource_tokens;
mod return_url;
mod token;
