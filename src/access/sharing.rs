//! Sharing an app with single users, and what a user may do with an app.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::names::user_id;
use super::{AccessError, OrgRole};
use crate::clock::Clock;
use crate::store::app_access::{self, ShareRow};
use crate::store::{apps, organizations, Db, StoreError};

/// What a share lets its user do with the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareAccess {
    Read,
    Modify,
}

impl ShareAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Modify => "modify",
        }
    }
}

impl FromStr for ShareAccess {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        match text {
            "read" => Ok(Self::Read),
            "modify" => Ok(Self::Modify),
            other => Err(AccessError::UnknownShareAccess(other.to_owned())),
        }
    }
}

impl fmt::Display for ShareAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a user may do with an app; each level includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// The app is not theirs to see.
    None,
    /// See its settings.
    Read,
    /// Change its settings and keys.
    Modify,
    /// Also share it, move it, delete it.
    Manage,
}

impl Permission {
    pub fn can_read(self) -> bool {
        self >= Self::Read
    }

    pub fn can_modify(self) -> bool {
        self >= Self::Modify
    }

    pub fn can_manage(self) -> bool {
        self >= Self::Manage
    }
}

/// An app shared with a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub client_id: String,
    pub user_id: String,
    pub access: ShareAccess,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<ShareRow> for Share {
    type Error = AccessError;

    fn try_from(row: ShareRow) -> Result<Self, AccessError> {
        let access = row
            .access
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("app_shares.access `{}`", row.access)))?;
        Ok(Self {
            client_id: row.app_id,
            user_id: row.user_id,
            access,
            created_at: row.created_at,
        })
    }
}

/// Shares an app with a user; sharing it again replaces the access.
pub async fn share_app(
    db: &Db,
    clock: &Arc<dyn Clock>,
    client_id: &str,
    user: &str,
    access: ShareAccess,
) -> Result<Share, AccessError> {
    let user = user_id(user)?;
    let row = ShareRow {
        app_id: client_id.to_owned(),
        user_id: user.to_owned(),
        access: access.as_str().to_owned(),
        created_at: clock.now(),
    };
    if !app_access::insert_share(db, &row).await? {
        return Err(AccessError::UnknownApp(client_id.to_owned()));
    }
    app_access::find_share(db, client_id, user)
        .await?
        .ok_or_else(|| AccessError::UnknownApp(client_id.to_owned()))?
        .try_into()
}

/// Stops sharing an app with a user.
pub async fn unshare_app(db: &Db, client_id: &str, user: &str) -> Result<(), AccessError> {
    if !app_access::delete_share(db, client_id, user).await? {
        return Err(AccessError::NotShared {
            app: client_id.to_owned(),
            user: user.to_owned(),
        });
    }
    Ok(())
}

/// The users an app is shared with, oldest share first.
pub async fn list_shares(db: &Db, client_id: &str) -> Result<Vec<Share>, AccessError> {
    if apps::find_app(db, client_id).await?.is_none() {
        return Err(AccessError::UnknownApp(client_id.to_owned()));
    }
    app_access::find_shares(db, client_id)
        .await?
        .into_iter()
        .map(Share::try_from)
        .collect()
}

/// The apps shared with a user, oldest share first.
pub async fn list_user_shares(db: &Db, user: &str) -> Result<Vec<Share>, AccessError> {
    app_access::find_user_shares(db, user)
        .await?
        .into_iter()
        .map(Share::try_from)
        .collect()
}

/// What `user` may do with the app `client_id`; an unknown app is [`Permission::None`].
///
/// The rule, first match wins:
/// 1. the app's owner (who created it on the dashboard): `Manage`;
/// 2. an `admin` of the organization the app belongs to: `Manage`;
/// 3. no share with the user: `None` (org `user`s and `guest`s see only what is shared);
/// 4. a `read` share: `Read`;
/// 5. a `modify` share: `Modify` for a `user` of the app's organization, or for anyone when the
///    app belongs to no organization; `Read` for a `guest` of the app's organization — a guest
///    never gets more than `Read` — and for someone outside it, who is no more than a guest.
pub async fn app_permission(
    db: &Db,
    user: &str,
    client_id: &str,
) -> Result<Permission, AccessError> {
    let Some(app) = apps::find_app(db, client_id).await? else {
        return Ok(Permission::None);
    };
    let org_id = app_access::find_app_access(db, client_id).await?.org_id;
    let org_role = match &org_id {
        Some(org) => organizations::find_member(db, org, user)
            .await?
            .map(|m| {
                m.role
                    .parse::<OrgRole>()
                    .map_err(|_| StoreError::Corrupt(format!("org_members.role `{}`", m.role)))
            })
            .transpose()?,
        None => None,
    };
    let share = app_access::find_share(db, client_id, user)
        .await?
        .map(Share::try_from)
        .transpose()?
        .map(|s| s.access);
    Ok(permission(
        app.owner_id.as_deref() == Some(user),
        org_id.is_some(),
        org_role,
        share,
    ))
}

/// [`app_permission`]'s rule over the facts it gathered.
fn permission(
    is_owner: bool,
    has_org: bool,
    org_role: Option<OrgRole>,
    share: Option<ShareAccess>,
) -> Permission {
    if is_owner || org_role == Some(OrgRole::Admin) {
        return Permission::Manage;
    }
    match (share, org_role) {
        (None, _) => Permission::None,
        (Some(ShareAccess::Read), _) => Permission::Read,
        (Some(ShareAccess::Modify), Some(OrgRole::User)) => Permission::Modify,
        (Some(ShareAccess::Modify), None) if !has_org => Permission::Modify,
        (Some(ShareAccess::Modify), _) => Permission::Read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use OrgRole::{Admin, Guest, User};
    use ShareAccess::{Modify, Read};

    #[test]
    fn owners_and_org_admins_manage() {
        assert_eq!(permission(true, false, None, None), Permission::Manage);
        assert_eq!(
            permission(true, true, Some(Guest), None),
            Permission::Manage
        );
        assert_eq!(
            permission(false, true, Some(Admin), None),
            Permission::Manage
        );
        assert_eq!(
            permission(false, true, Some(Admin), Some(Read)),
            Permission::Manage
        );
    }

    #[test]
    fn members_get_what_is_shared_and_guests_at_most_read() {
        assert_eq!(permission(false, true, Some(User), None), Permission::None);
        assert_eq!(permission(false, true, Some(Guest), None), Permission::None);
        assert_eq!(
            permission(false, true, Some(User), Some(Read)),
            Permission::Read
        );
        assert_eq!(
            permission(false, true, Some(User), Some(Modify)),
            Permission::Modify
        );
        assert_eq!(
            permission(false, true, Some(Guest), Some(Read)),
            Permission::Read
        );
        assert_eq!(
            permission(false, true, Some(Guest), Some(Modify)),
            Permission::Read
        );
    }

    #[test]
    fn outsiders_are_no_more_than_guests_of_an_org_app() {
        assert_eq!(permission(false, true, None, None), Permission::None);
        assert_eq!(
            permission(false, true, None, Some(Modify)),
            Permission::Read
        );
        assert_eq!(
            permission(false, false, None, Some(Modify)),
            Permission::Modify
        );
        assert_eq!(permission(false, false, None, Some(Read)), Permission::Read);
        assert_eq!(permission(false, false, None, None), Permission::None);
    }

    #[test]
    fn permissions_are_ordered() {
        assert!(Permission::Manage.can_modify() && Permission::Manage.can_read());
        assert!(Permission::Modify.can_read() && !Permission::Modify.can_manage());
        assert!(Permission::Read.can_read() && !Permission::Read.can_modify());
        assert!(!Permission::None.can_read());
        assert_eq!("modify".parse::<ShareAccess>().unwrap(), Modify);
        assert!("write".parse::<ShareAccess>().is_err());
    }
}
