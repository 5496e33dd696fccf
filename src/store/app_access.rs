//! Which organization an app belongs to, its default resource, and the users it is shared with.
//! Kept in `app_access` and `app_shares`, beside the `apps` table.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::entities::{app, app_access, app_share};
use super::organizations::lock_org;
use super::{Db, StoreError};

/// An app's organization and default resource (both optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppAccessRow {
    pub app_id: String,
    pub org_id: Option<String>,
    pub default_resource: Option<String>,
}

/// An app shared with a user; `access` is `read` or `modify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRow {
    pub app_id: String,
    pub user_id: String,
    pub access: String,
    pub created_at: DateTime<Utc>,
}

/// What became of setting an app's organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppOrgChange {
    Done,
    NoApp,
    NoOrg,
}

fn share_from_model(m: app_share::Model) -> ShareRow {
    ShareRow {
        app_id: m.app_id,
        user_id: m.user_id,
        access: m.access,
        created_at: m.created_at,
    }
}

/// Whether the app exists, asked with a write that changes nothing: the transaction takes the
/// write lock at its first statement. A read first would have to be upgraded to a write later,
/// which SQLite refuses at once (`SQLITE_BUSY_SNAPSHOT`, no waiting) when another writer committed
/// in between; PostgreSQL locks the app's row for the rest of the transaction.
async fn has_app(db: &impl ConnectionTrait, app_id: &str) -> Result<bool, StoreError> {
    let result = app::Entity::update_many()
        .col_expr(
            app::Column::UpdatedAt,
            Expr::col(app::Column::UpdatedAt).into(),
        )
        .filter(app::Column::Id.eq(app_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Writes one column of an app's `app_access` row, creating the row when missing.
async fn upsert(
    db: &impl ConnectionTrait,
    row: app_access::ActiveModel,
    column: app_access::Column,
) -> Result<(), StoreError> {
    app_access::Entity::insert(row)
        .on_conflict(
            OnConflict::column(app_access::Column::AppId)
                .update_column(column)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// An app's access settings (the defaults when none were ever set).
pub async fn find_app_access(db: &Db, app_id: &str) -> Result<AppAccessRow, StoreError> {
    Ok(app_access::Entity::find_by_id(app_id.to_owned())
        .one(db)
        .await?
        .map(|m| AppAccessRow {
            app_id: m.app_id,
            org_id: m.org_id,
            default_resource: m.default_resource,
        })
        .unwrap_or_else(|| AppAccessRow {
            app_id: app_id.to_owned(),
            ..AppAccessRow::default()
        }))
}

/// Puts an app in an organization, or in none.
pub async fn update_app_org(
    db: &Db,
    app_id: &str,
    org_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AppOrgChange, StoreError> {
    let txn = db.begin().await?;
    if let Some(org_id) = org_id {
        if !lock_org(&txn, org_id).await? {
            txn.rollback().await?;
            return Ok(AppOrgChange::NoOrg);
        }
    }
    if !has_app(&txn, app_id).await? {
        txn.rollback().await?;
        return Ok(AppOrgChange::NoApp);
    }
    let row = app_access::ActiveModel {
        app_id: Set(app_id.to_owned()),
        org_id: Set(org_id.map(str::to_owned)),
        default_resource: Set(None),
    };
    upsert(&txn, row, app_access::Column::OrgId).await?;
    // The app registry carries the organization: it reloads on this.
    super::apps::bump_version(&txn, now).await?;
    txn.commit().await?;
    Ok(AppOrgChange::Done)
}

/// Sets or clears an app's default resource; `false` when there is no such app.
pub async fn update_app_default_resource(
    db: &Db,
    app_id: &str,
    resource: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    if !has_app(&txn, app_id).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    let row = app_access::ActiveModel {
        app_id: Set(app_id.to_owned()),
        org_id: Set(None),
        default_resource: Set(resource.map(str::to_owned)),
    };
    upsert(&txn, row, app_access::Column::DefaultResource).await?;
    super::apps::bump_version(&txn, now).await?;
    txn.commit().await?;
    Ok(true)
}

/// Every app's access settings (apps that never had any are absent).
pub async fn find_all_app_access(db: &Db) -> Result<Vec<AppAccessRow>, StoreError> {
    Ok(app_access::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| AppAccessRow {
            app_id: m.app_id,
            org_id: m.org_id,
            default_resource: m.default_resource,
        })
        .collect())
}

/// The ids of the apps that belong to an organization.
pub async fn find_org_app_ids(db: &Db, org_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(app_access::Entity::find()
        .filter(app_access::Column::OrgId.eq(org_id))
        .order_by_asc(app_access::Column::AppId)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.app_id)
        .collect())
}

/// Shares an app with a user, replacing the access of an existing share (its creation time
/// stays); `false` when there is no such app.
pub async fn insert_share(db: &Db, row: &ShareRow) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    if !has_app(&txn, &row.app_id).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    app_share::Entity::insert(app_share::ActiveModel {
        app_id: Set(row.app_id.clone()),
        user_id: Set(row.user_id.clone()),
        access: Set(row.access.clone()),
        created_at: Set(row.created_at),
    })
    .on_conflict(
        OnConflict::columns([app_share::Column::AppId, app_share::Column::UserId])
            .update_column(app_share::Column::Access)
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Ends a share; `false` when there was none.
pub async fn delete_share(db: &Db, app_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let result = app_share::Entity::delete_many()
        .filter(app_share::Column::AppId.eq(app_id))
        .filter(app_share::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find_share(
    db: &Db,
    app_id: &str,
    user_id: &str,
) -> Result<Option<ShareRow>, StoreError> {
    Ok(
        app_share::Entity::find_by_id((app_id.to_owned(), user_id.to_owned()))
            .one(db)
            .await?
            .map(share_from_model),
    )
}

/// The users an app is shared with, oldest share first.
pub async fn find_shares(db: &Db, app_id: &str) -> Result<Vec<ShareRow>, StoreError> {
    Ok(app_share::Entity::find()
        .filter(app_share::Column::AppId.eq(app_id))
        .order_by_asc(app_share::Column::CreatedAt)
        .order_by_asc(app_share::Column::UserId)
        .all(db)
        .await?
        .into_iter()
        .map(share_from_model)
        .collect())
}

/// The apps shared with a user, oldest share first.
pub async fn find_user_shares(db: &Db, user_id: &str) -> Result<Vec<ShareRow>, StoreError> {
    Ok(app_share::Entity::find()
        .filter(app_share::Column::UserId.eq(user_id))
        .order_by_asc(app_share::Column::CreatedAt)
        .order_by_asc(app_share::Column::AppId)
        .all(db)
        .await?
        .into_iter()
        .map(share_from_model)
        .collect())
}
