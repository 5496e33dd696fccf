//! Role grants: a role given to a user or an app, globally (`org_id` NULL) or for one
//! organization.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::entities::{role, role_grant};
use super::resources::{role_from_model, RoleRow};
use super::{Db, StoreError};

/// A stored grant; `subject_kind` is `user` or `app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub id: String,
    pub role_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub org_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn grant_from_model(m: role_grant::Model) -> GrantRow {
    GrantRow {
        id: m.id,
        role_id: m.role_id,
        subject_kind: m.subject_kind,
        subject_id: m.subject_id,
        org_id: m.org_id,
        created_at: m.created_at,
    }
}

/// `org_id = ?`, or `org_id IS NULL` for a global grant.
fn same_org(org_id: Option<&str>) -> Condition {
    match org_id {
        Some(org) => Condition::all().add(role_grant::Column::OrgId.eq(org)),
        None => Condition::all().add(role_grant::Column::OrgId.is_null()),
    }
}

async fn count_same(db: &impl ConnectionTrait, row: &GrantRow) -> Result<u64, StoreError> {
    Ok(role_grant::Entity::find()
        .filter(role_grant::Column::RoleId.eq(row.role_id.as_str()))
        .filter(role_grant::Column::SubjectKind.eq(row.subject_kind.as_str()))
        .filter(role_grant::Column::SubjectId.eq(row.subject_id.as_str()))
        .filter(same_org(row.org_id.as_deref()))
        .count(db)
        .await?)
}

/// Grants a role; the same grant twice is `Duplicate("grant")`. Unique indexes treat NULLs as
/// distinct, so global grants are also checked here (and by a partial index).
pub async fn insert_grant(db: &Db, row: &GrantRow) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    if count_same(&txn, row).await? > 0 {
        txn.rollback().await?;
        return Err(StoreError::Duplicate("grant"));
    }
    role_grant::ActiveModel {
        id: Set(row.id.clone()),
        role_id: Set(row.role_id.clone()),
        subject_kind: Set(row.subject_kind.clone()),
        subject_id: Set(row.subject_id.clone()),
        org_id: Set(row.org_id.clone()),
        created_at: Set(row.created_at),
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_insert(e, "grant"))?;
    txn.commit().await?;
    Ok(())
}

/// Revokes a grant; `false` when there was none.
pub async fn delete_grant(db: &Db, id: &str) -> Result<bool, StoreError> {
    let result = role_grant::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find_grant(db: &Db, id: &str) -> Result<Option<GrantRow>, StoreError> {
    Ok(role_grant::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(grant_from_model))
}

/// The grants of a role, oldest first.
pub async fn find_role_grants(db: &Db, role_id: &str) -> Result<Vec<GrantRow>, StoreError> {
    Ok(role_grant::Entity::find()
        .filter(role_grant::Column::RoleId.eq(role_id))
        .order_by_asc(role_grant::Column::CreatedAt)
        .order_by_asc(role_grant::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(grant_from_model)
        .collect())
}

/// The grants a user or an app holds, oldest first.
pub async fn find_subject_grants(
    db: &Db,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Vec<GrantRow>, StoreError> {
    Ok(role_grant::Entity::find()
        .filter(role_grant::Column::SubjectKind.eq(subject_kind))
        .filter(role_grant::Column::SubjectId.eq(subject_id))
        .order_by_asc(role_grant::Column::CreatedAt)
        .order_by_asc(role_grant::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(grant_from_model)
        .collect())
}

/// The roles of a resource granted to a subject globally or, when `org_id` is given, for that
/// organization; by name.
pub async fn find_granted_roles(
    db: &Db,
    resource_id: &str,
    subject_kind: &str,
    subject_id: &str,
    org_id: Option<&str>,
) -> Result<Vec<RoleRow>, StoreError> {
    let mut scope = Condition::any().add(role_grant::Column::OrgId.is_null());
    if let Some(org) = org_id {
        scope = scope.add(role_grant::Column::OrgId.eq(org));
    }
    let granted = Query::select()
        .column(role_grant::Column::RoleId)
        .from(role_grant::Entity)
        .cond_where(
            Condition::all()
                .add(role_grant::Column::SubjectKind.eq(subject_kind))
                .add(role_grant::Column::SubjectId.eq(subject_id))
                .add(scope),
        )
        .to_owned();
    Ok(role::Entity::find()
        .filter(role::Column::ResourceId.eq(resource_id))
        .filter(role::Column::Id.in_subquery(granted))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(role_from_model)
        .collect())
}
