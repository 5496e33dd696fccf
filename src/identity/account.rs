//! An operator's changes to an existing user: rename, disable and enable, end sessions, delete.
//! Users live in the accounts database and everything that names them (sessions, tokens, codes,
//! memberships, shares, grants, consents) in the ops database (DESIGN.md "Storage"), so no
//! transaction spans both: each change is ordered so a failure half-way leaves the user no more
//! able to sign in or use a token than before, and a retry finishes the job.

use chrono::{DateTime, Utc};

use super::users::check_name;
use super::{find_user_record, Pii, UserError, UserRecord};
use crate::access::OrgRole;
use crate::operators::OperatorRole;
use crate::store::user_rows::{self, EndedAccess, UserRowsDelete};
use crate::store::{sessions, users, Databases};

/// What disabling (or deleting) a user ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessEnded {
    pub sessions: u64,
    /// Refresh tokens that could still have been used (the access tokens of the same grants are
    /// revoked with them).
    pub refresh_tokens: u64,
    /// Authorization codes that could still have been redeemed.
    pub authorization_codes: u64,
}

impl From<EndedAccess> for AccessEnded {
    fn from(e: EndedAccess) -> Self {
        Self {
            sessions: e.sessions,
            refresh_tokens: e.grants.refresh_tokens,
            authorization_codes: e.grants.codes,
        }
    }
}

/// What deleting a user removed from the ops database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedUser {
    pub ended: AccessEnded,
    pub memberships: u64,
    pub shares: u64,
    pub grants: u64,
    pub consents: u64,
    /// Organizations the user was the only admin of: left without one by a forced delete.
    pub orgs_without_admin: Vec<String>,
}

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

/// Disables a user and ends their access: live sessions, refresh tokens (with the access tokens
/// of their grants) and outstanding authorization codes. The user is disabled first, so no new
/// sign-in can start a session or a grant after the rest is ended.
pub async fn disable_user_access(
    dbs: &Databases,
    id: &str,
    now: DateTime<Utc>,
) -> Result<AccessEnded, UserError> {
    if !users::update_disabled_at(&dbs.accounts, id, Some(now), now).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    Ok(user_rows::end_user_access(&dbs.ops, id, now).await?.into())
}

/// [`disable_user_access`], returning how many sessions ended.
pub async fn disable_user(dbs: &Databases, id: &str, now: DateTime<Utc>) -> Result<u64, UserError> {
    Ok(disable_user_access(dbs, id, now).await?.sessions)
}

/// Lets a disabled user sign in again. Tokens revoked when they were disabled stay revoked.
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

/// Deletes a user with everything the ops database holds about them.
///
/// The only admin of an organization is not deleted ([`UserError::SoleAdmin`], nothing
/// changed) unless `force`, which leaves those organizations without an admin for an operator
/// to fix. The last admin operator is never deleted ([`UserError::LastAdminOperator`]): nobody
/// could run the admin API after. The order, across two databases:
/// 1. the sole-admin and last-admin-operator checks (reads only), so a refusal changes nothing;
/// 2. the user is disabled (accounts): from here on no sign-in or grant can start;
/// 3. in one ops transaction: sessions ended, grants and codes revoked, memberships, shares,
///    role grants and consents removed (the sole-admin check again, under the organizations'
///    locks: losing that race leaves the user disabled, not deleted);
/// 4. the user is deleted (accounts).
///
/// A failure after 2 leaves a disabled user with nothing or everything of step 3 done, and a
/// retry completes it. The reverse order could leave grants and memberships naming a user who
/// no longer exists, which no retry could find again.
pub async fn delete_user_data(
    dbs: &Databases,
    id: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<DeletedUser, UserError> {
    let admin = OrgRole::Admin.as_str();
    if users::find_user(&dbs.accounts, id).await?.is_none() {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    let operator_admin = OperatorRole::Admin.as_str();
    if user_rows::is_last_admin_operator(&dbs.ops, id, operator_admin).await? {
        return Err(UserError::LastAdminOperator);
    }
    if !force {
        let sole = user_rows::find_sole_admin_orgs(&dbs.ops, id, admin).await?;
        if !sole.is_empty() {
            return Err(UserError::SoleAdmin(sole));
        }
    }
    if !users::update_disabled_at(&dbs.accounts, id, Some(now), now).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    let removed = match user_rows::delete_user_rows(&dbs.ops, id, admin, force, now).await? {
        UserRowsDelete::Deleted(removed) => removed,
        UserRowsDelete::SoleAdmin(orgs) => return Err(UserError::SoleAdmin(orgs)),
    };
    if !users::delete_user(&dbs.accounts, id).await? {
        return Err(UserError::UnknownUser(id.to_owned()));
    }
    Ok(DeletedUser {
        ended: removed.ended.into(),
        memberships: removed.memberships,
        shares: removed.shares,
        grants: removed.grants,
        consents: removed.consents,
        orgs_without_admin: removed.orgs_without_admin,
    })
}

/// [`delete_user_data`] without force, returning how many sessions ended.
pub async fn delete_user(dbs: &Databases, id: &str, now: DateTime<Utc>) -> Result<u64, UserError> {
    Ok(delete_user_data(dbs, id, false, now).await?.ended.sessions)
}
