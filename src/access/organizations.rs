//! Organizations and their members (DESIGN.md "Access model"): an org admin manages the
//! members and all the organization's apps; every organization keeps at least one admin.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::names::user_id;
use super::{AccessError, OrgName};
use crate::clock::Clock;
use crate::store::organizations::{self, MemberChange, MemberRow, OrgDelete, OrgRow};
use crate::store::{Db, StoreError};

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgRole {
    /// Manages the members and every app of the organization.
    Admin,
    /// Modifies the apps shared with them for modify; reads those shared for read.
    User,
    /// Reads the apps shared with them, whatever the share says.
    Guest,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::User => "user",
            Self::Guest => "guest",
        }
    }
}

impl FromStr for OrgRole {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        match text {
            "admin" => Ok(Self::Admin),
            "user" => Ok(Self::User),
            "guest" => Ok(Self::Guest),
            other => Err(AccessError::UnknownOrgRole(other.to_owned())),
        }
    }
}

impl fmt::Display for OrgRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgRow> for Organization {
    fn from(row: OrgRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A user's membership of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub org_id: String,
    pub user_id: String,
    pub role: OrgRole,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<MemberRow> for Member {
    type Error = AccessError;

    fn try_from(row: MemberRow) -> Result<Self, AccessError> {
        let role = row
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("org_members.role `{}`", row.role)))?;
        Ok(Self {
            org_id: row.org_id,
            user_id: row.user_id,
            role,
            created_at: row.created_at,
        })
    }
}

/// An organization a user belongs to, with their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub org: Organization,
    pub role: OrgRole,
}

/// Creates an organization; `first_admin` (the user creating it, usually) becomes its admin.
pub async fn create_org(
    db: &Db,
    clock: &Arc<dyn Clock>,
    name: &str,
    first_admin: Option<&str>,
) -> Result<Organization, AccessError> {
    let name: OrgName = name.parse()?;
    let admin = first_admin.map(user_id).transpose()?;
    let now = clock.now();
    let row = OrgRow {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into_string(),
        created_at: now,
        updated_at: now,
    };
    let member = admin.map(|user| MemberRow {
        org_id: row.id.clone(),
        user_id: user.to_owned(),
        role: OrgRole::Admin.as_str().to_owned(),
        created_at: now,
    });
    organizations::insert_org(db, &row, member.as_ref())
        .await
        .map_err(|e| duplicate_name(e, &row.name))?;
    Ok(row.into())
}

fn duplicate_name(err: StoreError, name: &str) -> AccessError {
    match err {
        StoreError::Duplicate(_) => AccessError::DuplicateOrgName(name.to_owned()),
        other => other.into(),
    }
}

/// Renames an organization.
pub async fn rename_org(
    db: &Db,
    clock: &Arc<dyn Clock>,
    org_id: &str,
    name: &str,
) -> Result<Organization, AccessError> {
    let name: OrgName = name.parse()?;
    if !organizations::update_org_name(db, org_id, name.as_str(), clock.now())
        .await
        .map_err(|e| duplicate_name(e, name.as_str()))?
    {
        return Err(AccessError::UnknownOrg(org_id.to_owned()));
    }
    find_org(db, org_id)
        .await?
        .ok_or_else(|| AccessError::UnknownOrg(org_id.to_owned()))
}

/// Deletes an organization, its memberships and its org-scoped grants. It is refused with
/// [`AccessError::OrgOwnsApps`] while apps belong to it, unless `force`: then the apps are
/// detached (they keep working, in no organization). Returns how many apps were detached.
pub async fn delete_org(
    db: &Db,
    clock: &Arc<dyn Clock>,
    org_id: &str,
    force: bool,
) -> Result<u64, AccessError> {
    match organizations::delete_org(db, org_id, force, clock.now()).await? {
        OrgDelete::Deleted { detached } => Ok(detached),
        OrgDelete::NotFound => Err(AccessError::UnknownOrg(org_id.to_owned())),
        OrgDelete::OwnsApps(n) => Err(AccessError::OrgOwnsApps(n)),
    }
}

pub async fn find_org(db: &Db, org_id: &str) -> Result<Option<Organization>, AccessError> {
    Ok(organizations::find_org(db, org_id).await?.map(Into::into))
}

/// Every organization, by name.
pub async fn list_orgs(db: &Db) -> Result<Vec<Organization>, AccessError> {
    Ok(organizations::find_orgs(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

fn member_error(change: MemberChange, org_id: &str, user: &str) -> Result<(), AccessError> {
    match change {
        MemberChange::Done => Ok(()),
        MemberChange::NoOrg => Err(AccessError::UnknownOrg(org_id.to_owned())),
        MemberChange::NoMember => Err(AccessError::NotMember {
            org: org_id.to_owned(),
            user: user.to_owned(),
        }),
        MemberChange::LastAdmin => Err(AccessError::LastAdmin),
    }
}

/// Adds a user to an organization with a role.
pub async fn add_member(
    db: &Db,
    clock: &Arc<dyn Clock>,
    org_id: &str,
    user: &str,
    role: OrgRole,
) -> Result<Member, AccessError> {
    let user = user_id(user)?;
    let row = MemberRow {
        org_id: org_id.to_owned(),
        user_id: user.to_owned(),
        role: role.as_str().to_owned(),
        created_at: clock.now(),
    };
    let change = organizations::insert_member(db, &row)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AccessError::AlreadyMember(user.to_owned()),
            other => other.into(),
        })?;
    member_error(change, org_id, user)?;
    row.try_into()
}

/// Changes a member's role; the last admin cannot be demoted.
pub async fn update_member(
    db: &Db,
    org_id: &str,
    user: &str,
    role: OrgRole,
) -> Result<Member, AccessError> {
    let change =
        organizations::update_member_role(db, org_id, user, role.as_str(), OrgRole::Admin.as_str())
            .await?;
    member_error(change, org_id, user)?;
    organizations::find_member(db, org_id, user)
        .await?
        .ok_or_else(|| AccessError::NotMember {
            org: org_id.to_owned(),
            user: user.to_owned(),
        })?
        .try_into()
}

/// Adds a user to an organization with a role, or changes the role of a member; `true` when
/// the user was added. Demoting the last admin is refused as in [`update_member`].
pub async fn set_member(
    db: &Db,
    clock: &Arc<dyn Clock>,
    org_id: &str,
    user: &str,
    role: OrgRole,
) -> Result<(Member, bool), AccessError> {
    let user = user_id(user)?;
    if organizations::find_member(db, org_id, user)
        .await?
        .is_none()
    {
        match add_member(db, clock, org_id, user, role).await {
            Ok(member) => return Ok((member, true)),
            // Added meanwhile by another request: change it as if it had been there.
            Err(AccessError::AlreadyMember(_)) => {}
            Err(err) => return Err(err),
        }
    }
    Ok((update_member(db, org_id, user, role).await?, false))
}

/// Removes a member; the last admin cannot be removed.
pub async fn remove_member(db: &Db, org_id: &str, user: &str) -> Result<(), AccessError> {
    let change = organizations::delete_member(db, org_id, user, OrgRole::Admin.as_str()).await?;
    member_error(change, org_id, user)
}

/// A user's membership of an organization, if any.
pub async fn find_member(db: &Db, org_id: &str, user: &str) -> Result<Option<Member>, AccessError> {
    organizations::find_member(db, org_id, user)
        .await?
        .map(Member::try_from)
        .transpose()
}

/// An organization's members, oldest first.
pub async fn list_members(db: &Db, org_id: &str) -> Result<Vec<Member>, AccessError> {
    if organizations::find_org(db, org_id).await?.is_none() {
        return Err(AccessError::UnknownOrg(org_id.to_owned()));
    }
    organizations::find_members(db, org_id)
        .await?
        .into_iter()
        .map(Member::try_from)
        .collect()
}

/// The organizations a user belongs to, by name.
pub async fn list_user_orgs(db: &Db, user: &str) -> Result<Vec<Membership>, AccessError> {
    organizations::find_memberships(db, user)
        .await?
        .into_iter()
        .map(|(org, member)| {
            Ok(Membership {
                org: org.into(),
                role: Member::try_from(member)?.role,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_roles_round_trip_their_names() {
        for role in [OrgRole::Admin, OrgRole::User, OrgRole::Guest] {
            assert_eq!(role.as_str().parse::<OrgRole>().unwrap(), role);
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::from(role.as_str())
            );
        }
        assert!(matches!(
            "owner".parse::<OrgRole>(),
            Err(AccessError::UnknownOrgRole(r)) if r == "owner"
        ));
    }
}
