//! Memberships, shares and grants an operator makes for a user named by id. Users live in the
//! accounts database (DESIGN.md "Storage"), the access model in the ops database, so no foreign
//! key can check the id: these entry points look the user up first, and an unknown id is
//! [`AccessError::UnknownUser`] with nothing written. A disabled user is refused too
//! ([`AccessError::DisabledUser`]): deleting a user disables them before it removes their
//! memberships, shares and grants, so nothing can be written for them in between.

use std::sync::Arc;

use super::names::user_id;
use super::{
    create_org, grant_role, set_member, share_app, AccessError, Grant, Member, OrgName, OrgRole,
    Organization, Share, ShareAccess, Subject,
};
use crate::clock::Clock;
use crate::store::{users, Databases, Db};

/// Checks that `id` is a well-formed user id (else [`AccessError::InvalidUserId`]) of a user
/// who exists (else [`AccessError::UnknownUser`]) and is not disabled (else
/// [`AccessError::DisabledUser`]).
pub async fn require_user(accounts: &Db, id: &str) -> Result<(), AccessError> {
    let id = user_id(id)?;
    match users::find_user(accounts, id).await? {
        None => Err(AccessError::UnknownUser(id.to_owned())),
        Some(user) if user.disabled_at.is_some() => Err(AccessError::DisabledUser(id.to_owned())),
        Some(_) => Ok(()),
    }
}

/// [`set_member`] for an existing user.
pub async fn set_user_member(
    dbs: &Databases,
    clock: &Arc<dyn Clock>,
    org_id: &str,
    user: &str,
    role: OrgRole,
) -> Result<(Member, bool), AccessError> {
    require_user(&dbs.accounts, user).await?;
    set_member(&dbs.ops, clock, org_id, user, role).await
}

/// [`share_app`] with an existing user.
pub async fn share_app_with_user(
    dbs: &Databases,
    clock: &Arc<dyn Clock>,
    client_id: &str,
    user: &str,
    access: ShareAccess,
) -> Result<Share, AccessError> {
    require_user(&dbs.accounts, user).await?;
    share_app(&dbs.ops, clock, client_id, user, access).await
}

/// [`grant_role`], to an existing user when the subject is a user.
pub async fn grant_role_to(
    dbs: &Databases,
    clock: &Arc<dyn Clock>,
    role_id: &str,
    subject: &Subject,
    org_id: Option<&str>,
) -> Result<Grant, AccessError> {
    if let Subject::User(id) = subject {
        require_user(&dbs.accounts, id).await?;
    }
    grant_role(&dbs.ops, clock, role_id, subject, org_id).await
}

/// [`create_org`] with an existing user, when given, as its first admin. The name is checked
/// first, so a bad name is reported whatever the user.
pub async fn create_org_with_admin(
    dbs: &Databases,
    clock: &Arc<dyn Clock>,
    name: &str,
    first_admin: Option<&str>,
) -> Result<Organization, AccessError> {
    name.parse::<OrgName>()?;
    if let Some(user) = first_admin {
        require_user(&dbs.accounts, user).await?;
    }
    create_org(&dbs.ops, clock, name, first_admin).await
}
