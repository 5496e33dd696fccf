//! Users, passwords (scrypt), personal-data protection.

mod account;
mod directory;
mod email;
mod login;
mod password;
mod pii;
mod users;

pub use account::{delete_user, disable_user, enable_user, rename_user, revoke_user_sessions};
pub use directory::{
    find_user_id_by_email, find_user_record, find_users_page, UserPage, UserRecord, UserSearch,
    MAX_PER_PAGE,
};
pub use email::{Email, EmailError};
pub use login::{
    end_session, find_live_session, find_profile, start_session, verify_credentials, Profile,
};
pub use password::{PasswordError, PasswordHasher, Verification};
pub use pii::Pii;
pub use users::{
    check_new_user, create_user, create_user_record, list_users, NewUser, UserError, UserSummary,
};
