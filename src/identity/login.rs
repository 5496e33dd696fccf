//! Checking a user's credentials, and login sessions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::{Email, PasswordHasher, Pii, UserError};
use crate::crypto::random;
use crate::store::sessions::{self, SessionRow};
use crate::store::users;
use crate::store::Db;

/// The user whose email and password these are, if any. Unknown emails, disabled users and wrong
/// passwords are all `None` and take the same time: a password is verified every time.
pub async fn verify_credentials(
    db: &Db,
    pii: &Pii,
    hasher: &PasswordHasher,
    email: &str,
    password: SecretString,
    now: DateTime<Utc>,
) -> Result<Option<String>, UserError> {
    let user = match email.parse::<Email>() {
        Ok(email) => users::find_by_email_index(db, &pii.email_index(&email)).await?,
        Err(_) => None,
    };
    let Some((user, hash)) = user
        .filter(|u| u.disabled_at.is_none())
        .and_then(|u| u.password_hash.clone().map(|h| (u, h)))
    else {
        hasher.verify_nothing(password).await?;
        return Ok(None);
    };
    let verification = hasher.verify(password.clone(), hash).await?;
    if !verification.is_valid {
        return Ok(None);
    }
    if verification.needs_rehash {
        // DESIGN.md "Tokens": rehashed on login when the parameters change.
        let fresh = hasher.hash(password).await?;
        users::update_password_hash(db, &user.id, &fresh, now).await?;
    }
    Ok(Some(user.id))
}

/// Starts a login session.
pub async fn start_session(
    db: &Db,
    user_id: &str,
    amr: Vec<String>,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<SessionRow, UserError> {
    let row = SessionRow {
        id: random::token::<16>(),
        user_id: user_id.to_owned(),
        auth_time: now,
        amr,
        created_at: now,
        expires_at: now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(12)),
        revoked_at: None,
    };
    sessions::insert_session(db, &row).await?;
    Ok(row)
}

/// The session if it is neither ended nor expired.
pub async fn find_live_session(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, UserError> {
    Ok(sessions::find_session(db, id)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now))
}

/// Ends a session.
pub async fn end_session(db: &Db, id: &str, now: DateTime<Utc>) -> Result<bool, UserError> {
    Ok(sessions::revoke_session(db, id, now).await?)
}

/// A user's profile claims (personal data opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub email: String,
    pub name: Option<String>,
}

pub async fn find_profile(db: &Db, pii: &Pii, user_id: &str) -> Result<Option<Profile>, UserError> {
    let Some(row) = users::find_user(db, user_id).await? else {
        return Ok(None);
    };
    let open = |field: &str, sealed: &[u8]| {
        pii.open(&row.id, field, sealed)
            .map_err(|_| UserError::Sealed(row.id.clone()))
    };
    Ok(Some(Profile {
        email: open("email", &row.email_sealed)?,
        name: row
            .name_sealed
            .as_deref()
            .map(|n| open("name", n))
            .transpose()?,
    }))
}
