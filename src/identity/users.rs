//! Creating and listing users.

use std::sync::Arc;

use secrecy::SecretString;

use super::{Email, PasswordError, PasswordHasher, Pii};
use crate::clock::Clock;
use crate::store::users::{self, UserRow};
use crate::store::{Db, StoreError};

/// A user to create. The password is checked against the policy before anything is written.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub name: Option<String>,
    pub password: SecretString,
}

/// A user as listings show them (personal data opened).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub is_disabled: bool,
}

/// Why a user could not be created or read.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user with this email already exists")]
    DuplicateEmail,
    #[error("the name must be 1 to 200 characters without control characters")]
    InvalidName,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("search by an email address or the beginning of a user id")]
    InvalidSearch,
    #[error("page must be 1 to 1000000 and per_page 1 to 200")]
    InvalidPage,
    #[error("no user {0}")]
    UnknownUser(String),
    #[error("the user is the only admin of organization(s) {}: make another member admin first, or delete with force to leave them without an admin", .0.join(", "))]
    SoleAdmin(Vec<String>),
    #[error("the user is the only admin operator: make another operator admin first")]
    LastAdminOperator,
    #[error("personal data of user {0} cannot be decrypted (wrong master key?)")]
    Sealed(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(_) => Self::DuplicateEmail,
            other => Self::Store(other),
        }
    }
}

pub(super) fn check_name(name: &str) -> Result<String, UserError> {
    let name = name.trim();
    let count = name.chars().count();
    if count == 0 || count > 200 || name.chars().any(char::is_control) {
        return Err(UserError::InvalidName);
    }
    Ok(name.to_owned())
}

/// Checks a new user's name and password against the policy, writing nothing.
pub fn check_new_user(new: &NewUser, hasher: &PasswordHasher) -> Result<(), UserError> {
    new.name.as_deref().map(check_name).transpose()?;
    hasher.check_policy(&new.password)?;
    Ok(())
}

/// Creates a user with a password; returns the new user's id.
pub async fn create_user(
    db: &Db,
    pii: &Pii,
    hasher: &PasswordHasher,
    clock: &Arc<dyn Clock>,
    new: NewUser,
) -> Result<String, UserError> {
    check_new_user(&new, hasher)?;
    let name = new.name.as_deref().map(check_name).transpose()?;
    let id = uuid::Uuid::new_v4().to_string();
    let sealed = |field: &str, value: &str| {
        pii.seal(&id, field, value)
            .map_err(|_| UserError::Sealed(id.clone()))
    };
    let email_sealed = sealed("email", new.email.as_str())?;
    let name_sealed = name.as_deref().map(|n| sealed("name", n)).transpose()?;
    let password_hash = hasher.hash(new.password).await?;
    let now = clock.now();
    users::insert_user(
        db,
        &UserRow {
            id: id.clone(),
            email_index: pii.email_index(&new.email),
            email_sealed,
            name_sealed,
            password_hash: Some(password_hash),
            created_at: now,
            updated_at: now,
            disabled_at: None,
        },
    )
    .await?;
    Ok(id)
}

/// Creates a user with a password; returns the new user with personal data opened.
pub async fn create_user_record(
    db: &Db,
    pii: &Pii,
    hasher: &PasswordHasher,
    clock: &Arc<dyn Clock>,
    new: NewUser,
) -> Result<super::UserRecord, UserError> {
    let id = create_user(db, pii, hasher, clock, new).await?;
    super::find_user_record(db, pii, &id, true).await
}

/// Every user with personal data opened.
pub async fn list_users(db: &Db, pii: &Pii) -> Result<Vec<UserSummary>, UserError> {
    users::find_all(db)
        .await?
        .into_iter()
        .map(|row| {
            let open = |field: &str, sealed: &[u8]| {
                pii.open(&row.id, field, sealed)
                    .map_err(|_| UserError::Sealed(row.id.clone()))
            };
            Ok(UserSummary {
                email: open("email", &row.email_sealed)?,
                name: row
                    .name_sealed
                    .as_deref()
                    .map(|n| open("name", n))
                    .transpose()?,
                created_at: row.created_at,
                is_disabled: row.disabled_at.is_some(),
                id: row.id.clone(),
            })
        })
        .collect()
}
