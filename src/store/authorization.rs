//! The authorization flow's rows: pending requests, codes and consents.
//! Codes are consumed with one atomic UPDATE (DESIGN.md "Storage").

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::{authorization_code as code, authorization_request as pending, consent};
use super::{Db, StoreError};

fn list(values: &[String]) -> serde_json::Value {
    serde_json::Value::from(values.to_vec())
}

fn unlist(value: serde_json::Value, column: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Stores a validated authorization request awaiting login or consent.
pub async fn insert_pending(
    db: &Db,
    id: &str,
    app_id: &str,
    request: serde_json::Value,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    pending::ActiveModel {
        id: Set(id.to_owned()),
        app_id: Set(app_id.to_owned()),
        request: Set(request),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A pending request that has not expired: (request, created_at).
pub async fn find_pending(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(serde_json::Value, DateTime<Utc>)>, StoreError> {
    Ok(pending::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|m| m.expires_at > now)
        .map(|m| (m.request, m.created_at)))
}

/// Deletes a pending request; `true` for the one caller that deleted it.
pub async fn delete_pending(db: &Db, id: &str) -> Result<bool, StoreError> {
    Ok(pending::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// A stored authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    pub code_hash: String,
    pub app_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: DateTime<Utc>,
    pub amr: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// The resource (RFC 8707) the code was granted for.
    pub resource: Option<String>,
}

pub async fn insert_code(db: &Db, row: &CodeRow) -> Result<(), StoreError> {
    code::ActiveModel {
        code_hash: Set(row.code_hash.clone()),
        app_id: Set(row.app_id.clone()),
        user_id: Set(row.user_id.clone()),
        session_id: Set(row.session_id.clone()),
        redirect_uri: Set(row.redirect_uri.clone()),
        scopes: Set(list(&row.scopes)),
        nonce: Set(row.nonce.clone()),
        code_challenge: Set(row.code_challenge.clone()),
        auth_time: Set(row.auth_time),
        amr: Set(list(&row.amr)),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
        used_at: Set(None),
        resource: Set(row.resource.clone()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Marks the code used if nobody has; `true` for exactly one caller, ever.
pub async fn consume_code(
    db: &Db,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = code::Entity::update_many()
        .col_expr(code::Column::UsedAt, Expr::value(now))
        .filter(code::Column::CodeHash.eq(code_hash))
        .filter(code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find_code(db: &Db, code_hash: &str) -> Result<Option<CodeRow>, StoreError> {
    let Some(m) = code::Entity::find_by_id(code_hash.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(CodeRow {
        scopes: unlist(m.scopes, "authorization_codes.scopes")?,
        amr: unlist(m.amr, "authorization_codes.amr")?,
        code_hash: m.code_hash,
        app_id: m.app_id,
        user_id: m.user_id,
        session_id: m.session_id,
        redirect_uri: m.redirect_uri,
        nonce: m.nonce,
        code_challenge: m.code_challenge,
        auth_time: m.auth_time,
        created_at: m.created_at,
        expires_at: m.expires_at,
        used_at: m.used_at,
        resource: m.resource,
    }))
}

/// The scopes a user has granted an app.
pub async fn find_consent(db: &Db, user_id: &str, app_id: &str) -> Result<Vec<String>, StoreError> {
    match consent::Entity::find_by_id((user_id.to_owned(), app_id.to_owned()))
        .one(db)
        .await?
    {
        Some(m) => unlist(m.scopes, "consents.scopes"),
        None => Ok(Vec::new()),
    }
}

/// Records the scopes a user granted an app (replacing the previous grant).
pub async fn upsert_consent(
    db: &Db,
    user_id: &str,
    app_id: &str,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    consent::Entity::insert(consent::ActiveModel {
        user_id: Set(user_id.to_owned()),
        app_id: Set(app_id.to_owned()),
        scopes: Set(list(scopes)),
        granted_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([consent::Column::UserId, consent::Column::AppId])
            .update_columns([consent::Column::Scopes, consent::Column::GrantedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Deletes pending requests past their expiry, and codes expired for a day (kept that long so
/// a late replay is still recognised as one).
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let pending = pending::Entity::delete_many()
        .filter(pending::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    let codes = code::Entity::delete_many()
        .filter(code::Column::ExpiresAt.lte(now - chrono::Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    Ok(pending + codes)
}
