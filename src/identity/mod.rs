//! Users, passwords (scrypt), personal-data protection, TOTP second factors.

mod account;
mod directory;
mod email;
mod login;
pub mod mfa;
mod password;
mod pii;
mod second_factor;
mod users;

pub use account::{
    delete_user, delete_user_data, disable_user, disable_user_access, enable_user, rename_user,
    revoke_user_sessions, AccessEnded, DeletedUser,
};
pub use directory::{
    find_user_id_by_email, find_user_record, find_users_page, UserPage, UserRecord, UserSearch,
    MAX_PER_PAGE,
};
pub use email::{Email, EmailError};
pub use login::{
    end_session, find_live_session, find_profile, start_session, verify_credentials, Profile,
};
pub use mfa::{has_mfa, MfaError};
pub use password::{PasswordError, PasswordHasher, Verification};
pub use pii::Pii;
pub use second_factor::{
    find_pending_login, finish_pending_login, start_pending_login, CodeOutcome, PendingLogin,
    PENDING_LOGIN_TTL, WRONG_CODES_PER_LOGIN,
};
pub use users::{
    check_new_user, create_user, create_user_record, list_users, NewUser, UserError, UserSummary,
};
