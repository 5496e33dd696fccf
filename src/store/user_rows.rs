//! The ops database's rows that name a user. Users live in the accounts database (DESIGN.md
//! "Storage"), so nothing cascades from them: these rows are ended when the user is disabled and
//! removed when the user is deleted, each time in one ops transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};

use super::entities::{
    app_share, consent, operator, org_member, pending_login, role_grant, session,
};
use super::issued_tokens::{self, GrantHolder, RevokedGrants};
use super::organizations::lock_org;
use super::{Db, StoreError};

/// What ending a user's access did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndedAccess {
    pub sessions: u64,
    pub grants: RevokedGrants,
}

/// What deleting a user's rows did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemovedRows {
    pub ended: EndedAccess,
    pub memberships: u64,
    pub shares: u64,
    pub grants: u64,
    pub consents: u64,
    /// Organizations the user was the only admin of (a forced delete leaves them without one).
    pub orgs_without_admin: Vec<String>,
}

/// What became of deleting a user's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRowsDelete {
    Deleted(RemovedRows),
    /// Refused (nothing changed): the user is the only admin of these organizations.
    SoleAdmin(Vec<String>),
}

/// Ends the user's live sessions, revokes their grants and drops their pending sign-ins. The first statement is a write, so
/// the transaction holds the write lock before it reads (SQLite; see `app_access::has_app`).
async fn end_access(
    db: &impl ConnectionTrait,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<EndedAccess, StoreError> {
    let sessions = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    let grants = issued_tokens::revoke_grants(db, GrantHolder::User(user_id), now).await?;
    // A sign-in waiting for its second factor would not become a session anyway (the user is
    // checked again); dropping it says so at once.
    pending_login::Entity::delete_many()
        .filter(pending_login::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(EndedAccess { sessions, grants })
}

/// Ends a disabled user's live sessions, revokes their refresh tokens (with the access tokens of
/// the same grants) and their outstanding authorization codes, in one transaction.
pub async fn end_user_access(
    db: &Db,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<EndedAccess, StoreError> {
    let txn = db.begin().await?;
    let ended = end_access(&txn, user_id, now).await?;
    txn.commit().await?;
    Ok(ended)
}

/// Whether the user is an operator with `admin_role` and no other operator has it.
pub async fn is_last_admin_operator(
    db: &impl ConnectionTrait,
    user_id: &str,
    admin_role: &str,
) -> Result<bool, StoreError> {
    let admins = operator::Entity::find()
        .filter(operator::Column::Role.eq(admin_role))
        .all(db)
        .await?;
    Ok(admins.len() == 1 && admins[0].subject_kind == "user" && admins[0].subject_id == user_id)
}

/// The organizations in which the user is the only member with `admin_role`.
pub async fn find_sole_admin_orgs(
    db: &impl ConnectionTrait,
    user_id: &str,
    admin_role: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sole = Vec::new();
    for membership in org_member::Entity::find()
        .filter(org_member::Column::UserId.eq(user_id))
        .filter(org_member::Column::Role.eq(admin_role))
        .all(db)
        .await?
    {
        let admins = org_member::Entity::find()
            .filter(org_member::Column::OrgId.eq(membership.org_id.as_str()))
            .filter(org_member::Column::Role.eq(admin_role))
            .all(db)
            .await?;
        if admins.iter().all(|a| a.user_id == user_id) {
            sole.push(membership.org_id);
        }
    }
    sole.sort();
    Ok(sole)
}

/// Removes a user's memberships, app shares, role grants, consents and operator role, ends their sessions and
/// revokes their grants, in one transaction. While the user is the only admin of an organization
/// nothing is changed, unless `force`: then the organization is left without an admin (an
/// operator still manages it). The organizations are locked as `access` locks them for member
/// changes, so two admins deleted at once cannot both pass the check.
pub async fn delete_user_rows(
    db: &Db,
    user_id: &str,
    admin_role: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<UserRowsDelete, StoreError> {
    let txn = db.begin().await?;
    let ended = end_access(&txn, user_id, now).await?;
    let admin_of: Vec<String> = org_member::Entity::find()
        .filter(org_member::Column::UserId.eq(user_id))
        .filter(org_member::Column::Role.eq(admin_role))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.org_id)
        .collect();
    for org in &admin_of {
        lock_org(&txn, org).await?;
    }
    let sole = find_sole_admin_orgs(&txn, user_id, admin_role).await?;
    if !sole.is_empty() && !force {
        txn.rollback().await?;
        return Ok(UserRowsDelete::SoleAdmin(sole));
    }
    let memberships = org_member::Entity::delete_many()
        .filter(org_member::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    let shares = app_share::Entity::delete_many()
        .filter(app_share::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    let grants = role_grant::Entity::delete_many()
        .filter(role_grant::Column::SubjectKind.eq("user"))
        .filter(role_grant::Column::SubjectId.eq(user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    let consents = consent::Entity::delete_many()
        .filter(consent::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    operator::Entity::delete_many()
        .filter(operator::Column::SubjectKind.eq("user"))
        .filter(operator::Column::SubjectId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(UserRowsDelete::Deleted(RemovedRows {
        ended,
        memberships,
        shares,
        grants,
        consents,
        orgs_without_admin: sole,
    }))
}
