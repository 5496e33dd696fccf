//! Organizations and their members (DESIGN.md "Access model").
//!
//! A change that depends on what an organization holds (its members, its apps) first touches the
//! organization's row in its transaction: a row lock in PostgreSQL, the write lock in SQLite. So
//! two admins removing each other at once cannot leave it without an admin, and an app cannot
//! join an organization while it is being deleted.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::entities::{app_access, org_member, organization};
use super::{Db, StoreError};

/// A stored organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored membership; `role` is `admin`, `user` or `guest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub org_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// What became of a change to an organization's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    NoOrg,
    NoMember,
    /// Refused: the organization would be left without a member of the kept role.
    LastAdmin,
}

/// What became of deleting an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgDelete {
    /// Deleted; that many apps were detached from it.
    Deleted {
        detached: u64,
    },
    NotFound,
    /// Refused: it still owns that many apps.
    OwnsApps(u64),
}

fn org_from_model(m: organization::Model) -> OrgRow {
    OrgRow {
        id: m.id,
        name: m.name,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn member_from_model(m: org_member::Model) -> MemberRow {
    MemberRow {
        org_id: m.org_id,
        user_id: m.user_id,
        role: m.role,
        created_at: m.created_at,
    }
}

fn member_model(row: &MemberRow) -> org_member::ActiveModel {
    org_member::ActiveModel {
        org_id: Set(row.org_id.clone()),
        user_id: Set(row.user_id.clone()),
        role: Set(row.role.clone()),
        created_at: Set(row.created_at),
    }
}

/// Locks an organization's row for the rest of the transaction; `false` when there is none.
pub(super) async fn lock_org(db: &impl ConnectionTrait, org_id: &str) -> Result<bool, StoreError> {
    let result = organization::Entity::update_many()
        .col_expr(
            organization::Column::Name,
            Expr::col(organization::Column::Name).into(),
        )
        .filter(organization::Column::Id.eq(org_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Inserts an organization and, when given, its first member, in one transaction. A name in use
/// is `Duplicate("organization name")`.
pub async fn insert_org(
    db: &Db,
    row: &OrgRow,
    first_member: Option<&MemberRow>,
) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    organization::ActiveModel {
        id: Set(row.id.clone()),
        name: Set(row.name.clone()),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_insert(e, "organization name"))?;
    if let Some(member) = first_member {
        member_model(member).insert(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Renames an organization; `false` when there is none. A name in use is
/// `Duplicate("organization name")`.
pub async fn update_org_name(
    db: &Db,
    id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = organization::Entity::update_many()
        .col_expr(organization::Column::Name, Expr::value(name))
        .col_expr(organization::Column::UpdatedAt, Expr::value(now))
        .filter(organization::Column::Id.eq(id))
        .exec(db)
        .await
        .map_err(|e| StoreError::from_insert(e, "organization name"))?;
    Ok(result.rows_affected == 1)
}

/// Deletes an organization with its members and org-scoped grants. While it owns apps it is
/// kept, unless `force`: then its apps are detached (they keep working, in no organization).
pub async fn delete_org(
    db: &Db,
    id: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<OrgDelete, StoreError> {
    let txn = db.begin().await?;
    if !lock_org(&txn, id).await? {
        txn.rollback().await?;
        return Ok(OrgDelete::NotFound);
    }
    let owned = app_access::Entity::find()
        .filter(app_access::Column::OrgId.eq(id))
        .count(&txn)
        .await?;
    if owned > 0 && !force {
        txn.rollback().await?;
        return Ok(OrgDelete::OwnsApps(owned));
    }
    let detached = app_access::Entity::update_many()
        .col_expr(
            app_access::Column::OrgId,
            Expr::value(Option::<String>::None),
        )
        .filter(app_access::Column::OrgId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    organization::Entity::delete_by_id(id.to_owned())
        .exec(&txn)
        .await?;
    if detached > 0 {
        // The app registry carries each app's organization.
        super::apps::bump_version(&txn, now).await?;
    }
    txn.commit().await?;
    Ok(OrgDelete::Deleted { detached })
}

pub async fn find_org(db: &Db, id: &str) -> Result<Option<OrgRow>, StoreError> {
    Ok(organization::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(org_from_model))
}

/// Every organization, by name.
pub async fn find_orgs(db: &Db) -> Result<Vec<OrgRow>, StoreError> {
    Ok(organization::Entity::find()
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(org_from_model)
        .collect())
}

/// Adds a member; one already there is `Duplicate("member")`.
pub async fn insert_member(db: &Db, row: &MemberRow) -> Result<MemberChange, StoreError> {
    let txn = db.begin().await?;
    if !lock_org(&txn, &row.org_id).await? {
        txn.rollback().await?;
        return Ok(MemberChange::NoOrg);
    }
    member_model(row)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "member"))?;
    txn.commit().await?;
    Ok(MemberChange::Done)
}

/// Whether changing or removing `member` would leave its organization without `admin_role`.
async fn is_last(
    txn: &impl ConnectionTrait,
    member: &org_member::Model,
    admin_role: &str,
) -> Result<bool, StoreError> {
    if member.role != admin_role {
        return Ok(false);
    }
    let admins = org_member::Entity::find()
        .filter(org_member::Column::OrgId.eq(member.org_id.as_str()))
        .filter(org_member::Column::Role.eq(admin_role))
        .count(txn)
        .await?;
    Ok(admins <= 1)
}

/// Changes a member's role, refusing to demote the last member whose role is `admin_role`.
pub async fn update_member_role(
    db: &Db,
    org_id: &str,
    user_id: &str,
    role: &str,
    admin_role: &str,
) -> Result<MemberChange, StoreError> {
    let txn = db.begin().await?;
    if !lock_org(&txn, org_id).await? {
        txn.rollback().await?;
        return Ok(MemberChange::NoOrg);
    }
    let Some(member) = org_member::Entity::find_by_id((org_id.to_owned(), user_id.to_owned()))
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(MemberChange::NoMember);
    };
    if role != admin_role && is_last(&txn, &member, admin_role).await? {
        txn.rollback().await?;
        return Ok(MemberChange::LastAdmin);
    }
    org_member::Entity::update_many()
        .col_expr(org_member::Column::Role, Expr::value(role))
        .filter(org_member::Column::OrgId.eq(org_id))
        .filter(org_member::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(MemberChange::Done)
}

/// Removes a member, refusing to remove the last member whose role is `admin_role`.
pub async fn delete_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
    admin_role: &str,
) -> Result<MemberChange, StoreError> {
    let txn = db.begin().await?;
    if !lock_org(&txn, org_id).await? {
        txn.rollback().await?;
        return Ok(MemberChange::NoOrg);
    }
    let Some(member) = org_member::Entity::find_by_id((org_id.to_owned(), user_id.to_owned()))
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(MemberChange::NoMember);
    };
    if is_last(&txn, &member, admin_role).await? {
        txn.rollback().await?;
        return Ok(MemberChange::LastAdmin);
    }
    org_member::Entity::delete_by_id((org_id.to_owned(), user_id.to_owned()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(MemberChange::Done)
}

pub async fn find_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
) -> Result<Option<MemberRow>, StoreError> {
    Ok(
        org_member::Entity::find_by_id((org_id.to_owned(), user_id.to_owned()))
            .one(db)
            .await?
            .map(member_from_model),
    )
}

/// An organization's members, oldest first.
pub async fn find_members(db: &Db, org_id: &str) -> Result<Vec<MemberRow>, StoreError> {
    Ok(org_member::Entity::find()
        .filter(org_member::Column::OrgId.eq(org_id))
        .order_by_asc(org_member::Column::CreatedAt)
        .order_by_asc(org_member::Column::UserId)
        .all(db)
        .await?
        .into_iter()
        .map(member_from_model)
        .collect())
}

/// The organizations a user belongs to, with the membership, by organization name.
pub async fn find_memberships(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(OrgRow, MemberRow)>, StoreError> {
    let members = org_member::Entity::find()
        .filter(org_member::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let orgs = organization::Entity::find()
        .filter(organization::Column::Id.is_in(members.iter().map(|m| m.org_id.clone())))
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await?;
    let mut found = Vec::with_capacity(orgs.len());
    for org in orgs {
        if let Some(member) = members.iter().find(|m| m.org_id == org.id) {
            found.push((org_from_model(org), member_from_model(member.clone())));
        }
    }
    Ok(found)
}
