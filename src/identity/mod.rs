//! Users, passwords (scrypt), personal-data protection.

mod email;
mod password;
mod pii;
mod users;

pub use email::{Email, EmailError};
pub use password::{PasswordError, PasswordHasher, Verification};
pub use pii::Pii;
pub use users::{check_new_user, create_user, list_users, NewUser, UserError, UserSummary};
