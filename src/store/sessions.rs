//! Login sessions.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::session::{self, Column, Entity};
use super::{Db, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub auth_time: DateTime<Utc>,
    pub amr: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_session(db: &Db, row: &SessionRow) -> Result<(), StoreError> {
    session::ActiveModel {
        id: Set(row.id.clone()),
        user_id: Set(row.user_id.clone()),
        auth_time: Set(row.auth_time),
        amr: Set(serde_json::Value::from(row.amr.clone())),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
        revoked_at: Set(row.revoked_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_session(db: &Db, id: &str) -> Result<Option<SessionRow>, StoreError> {
    let Some(m) = Entity::find_by_id(id.to_owned()).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(SessionRow {
        amr: serde_json::from_value(m.amr)
            .map_err(|e| StoreError::Corrupt(format!("sessions.amr: {e}")))?,
        id: m.id,
        user_id: m.user_id,
        auth_time: m.auth_time,
        created_at: m.created_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    }))
}

/// Ends a session; `false` when it was already ended.
pub async fn revoke_session(db: &Db, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends every live session of a user; returns how many.
pub async fn revoke_user_sessions(
    db: &Db,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes sessions past their expiry.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
