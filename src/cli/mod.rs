//! What each CLI command does. `main.rs` parses arguments and calls these; errors carry the
//! process exit code (2: bad input or configuration, 1: anything else).

mod client_args;
mod commands;
mod operators;

pub use client_args::{clear, AppSettingsArgs, Clearable, ClientCreate, ClientUpdate};
pub use commands::*;
pub use operators::{admin_add_app, admin_create, admin_list, print_setup_link};

use crate::apps::AppError;
use crate::bootstrap::StartError;
use crate::config::ConfigError;
use crate::identity::{EmailError, UserError};

/// A command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: exit 2, nothing written.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Input(_) | Self::Config(_) => 2,
            Self::Start(_) | Self::Failed(_) => 1,
        }
    }
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Store(err) => Self::Failed(err.to_string()),
            other => Self::Input(other.to_string()),
        }
    }
}

impl From<UserError> for CliError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Store(err) => Self::Failed(err.to_string()),
            UserError::Sealed(_) => Self::Failed(e.to_string()),
            UserError::Password(crate::identity::PasswordError::Hash(_)) => {
                Self::Failed(e.to_string())
            }
            other => Self::Input(other.to_string()),
        }
    }
}

impl From<EmailError> for CliError {
    fn from(e: EmailError) -> Self {
        Self::Input(e.to_string())
    }
}
