//! An operator's changes to an existing user: rename, disable and enable, end sessions, delete.
//! Users live in the accounts database and sessions in the ops database (DESIGN.md "Storage"),
//! so no transaction spans both: each change is ordered so a failure half-way leaves the user
//! no more able to sign in than before, and a retry finishes the job.

use chrono::{DateTime, Utc};

use super::users::check_name;
use super::{find_user_record, Pii, UserError, UserRecord};
use crate::store::{sessions, users, Databases};

/// Sets (or with `None` clears) a user's name; returns the user.
pub async fn rename_user(
    dbs: &Databases,
    pii: &Pii,
    id: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<UserRecord, UserError> {
    let name = name.map(check_name).transpose()?;
    let sealed = name
        .as_deref()
        .map(|n| pii.seal(id, "name", n))
        .transpose()
        .map_err(|_| UserError::Sealed(id.to_owned()))?;
    if !users::update_name(&dbs.accounts, id, sealed, now).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    find_user_record(&dbs.accounts, pii, id, true).await
}

/// Disables a user and ends all their live sessions; returns how many sessions ended. The user is
/// disabled first, so no new sign-in can start a session after the sessions are ended.
pub async fn disable_user(dbs: &Databases, id: &str, now: DateTime<Utc>) -> Result<u64, UserError> {
    if !users::update_disabled_at(&dbs.accounts, id, Some(now), now).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    Ok(sessions::revoke_user_sessions(&dbs.ops, id, now).await?)
}

/// Lets a disabled user sign in again.
pub async fn enable_user(dbs: &Databases, id: &str, now: DateTime<Utc>) -> Result<(), UserError> {
    if !users::update_disabled_at(&dbs.accounts, id, None, now).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    Ok(())
}

/// Ends every live session of a user; returns how many.
pub async fn revoke_user_sessions(
    dbs: &Databases,
    id: &str,
    now: DateTime<Utc>,
) -> Result<u64, UserError> {
    if users::find_user(&dbs.accounts, id).await?.is_none() {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    Ok(sessions::revoke_user_sessions(&dbs.ops, id, now).await?)
}

/// Deletes a user after disabling them and ending their sessions; returns how many sessions
/// ended. A failure before the delete leaves the user disabled, and a retry completes it.
pub async fn delete_user(dbs: &Databases, id: &str, now: DateTime<Utc>) -> Result<u64, UserError> {
    let ended = disable_user(dbs, id, now).await?;
    if !users::delete_user(&dbs.accounts, id).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    Ok(ended)
}
