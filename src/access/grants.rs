//! Granting a resource's roles to users and apps, globally or for one organization.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::names::user_id;
use super::AccessError;
use crate::clock::Clock;
use crate::store::grants::{self, GrantRow};
use crate::store::{apps, organizations, resources, Db, StoreError};

/// Who a role is granted to: a user (by id), or an app acting for itself (by client id, for the
/// client-credentials grant).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Subject {
    User(String),
    App(String),
}

impl Subject {
    /// `user` or `app`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::App(_) => "app",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Self::User(id) | Self::App(id) => id,
        }
    }

    fn from_stored(kind: &str, id: String) -> Result<Self, StoreError> {
        match kind {
            "user" => Ok(Self::User(id)),
            "app" => Ok(Self::App(id)),
            other => Err(StoreError::Corrupt(format!(
                "role_grants.subject_kind `{other}`"
            ))),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind(), self.id())
    }
}

/// A role granted to a subject; `org_id` `None` means in every organization and outside any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub id: String,
    pub role_id: String,
    pub subject: Subject,
    pub org_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = AccessError;

    fn try_from(row: GrantRow) -> Result<Self, AccessError> {
        Ok(Self {
            subject: Subject::from_stored(&row.subject_kind, row.subject_id)?,
            id: row.id,
            role_id: row.role_id,
            org_id: row.org_id,
            created_at: row.created_at,
        })
    }
}

/// Grants a role to a user or an app, globally (`org_id` `None`) or for one organization.
/// The same grant twice is [`AccessError::DuplicateGrant`].
pub async fn grant_role(
    db: &Db,
    clock: &Arc<dyn Clock>,
    role_id: &str,
    subject: &Subject,
    org_id: Option<&str>,
) -> Result<Grant, AccessError> {
    match subject {
        Subject::User(id) => {
            user_id(id)?;
        }
        Subject::App(id) => {
            if apps::find_app(db, id).await?.is_none() {
                return Err(AccessError::UnknownApp(id.clone()));
            }
        }
    }
    if resources::find_role(db, role_id).await?.is_none() {
        return Err(AccessError::UnknownRole(role_id.to_owned()));
    }
    if let Some(org) = org_id {
        if organizations::find_org(db, org).await?.is_none() {
            return Err(AccessError::UnknownOrg(org.to_owned()));
        }
    }
    let row = GrantRow {
        id: uuid::Uuid::new_v4().to_string(),
        role_id: role_id.to_owned(),
        subject_kind: subject.kind().to_owned(),
        subject_id: subject.id().to_owned(),
        org_id: org_id.map(str::to_owned),
        created_at: clock.now(),
    };
    grants::insert_grant(db, &row).await.map_err(|e| match e {
        StoreError::Duplicate(_) => AccessError::DuplicateGrant,
        other => other.into(),
    })?;
    row.try_into()
}

/// Revokes a grant.
pub async fn revoke_grant(db: &Db, grant_id: &str) -> Result<(), AccessError> {
    if !grants::delete_grant(db, grant_id).await? {
        return Err(AccessError::UnknownGrant(grant_id.to_owned()));
    }
    Ok(())
}

/// The grants of a role, oldest first.
pub async fn list_role_grants(db: &Db, role_id: &str) -> Result<Vec<Grant>, AccessError> {
    if resources::find_role(db, role_id).await?.is_none() {
        return Err(AccessError::UnknownRole(role_id.to_owned()));
    }
    grants::find_role_grants(db, role_id)
        .await?
        .into_iter()
        .map(Grant::try_from)
        .collect()
}

/// The grants a user or an app holds (every resource), oldest first.
pub async fn list_subject_grants(db: &Db, subject: &Subject) -> Result<Vec<Grant>, AccessError> {
    grants::find_subject_grants(db, subject.kind(), subject.id())
        .await?
        .into_iter()
        .map(Grant::try_from)
        .collect()
}
