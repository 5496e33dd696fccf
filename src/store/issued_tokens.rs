//! Tokens issued to users: access-token `jti`s by grant family, and refresh tokens. A family is
//! the code a grant started from; a replayed code or a reused refresh token revokes it whole.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::{access_token, refresh_token};
use super::{revoked_tokens, Db, StoreError};

/// Records an access token issued in a family.
pub async fn insert_access_token(
    db: &Db,
    jti: &str,
    family_id: &str,
    app_id: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    access_token::ActiveModel {
        jti: Set(jti.to_owned()),
        family_id: Set(family_id.to_owned()),
        app_id: Set(app_id.to_owned()),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRow {
    pub token_hash: String,
    pub family_id: String,
    pub app_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub scopes: Vec<String>,
    pub auth_time: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub family_expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The resource (RFC 8707) of the access tokens this one gives.
    pub resource: Option<String>,
}

pub async fn insert_refresh_token(db: &Db, row: &RefreshRow) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        token_hash: Set(row.token_hash.clone()),
        family_id: Set(row.family_id.clone()),
        app_id: Set(row.app_id.clone()),
        user_id: Set(row.user_id.clone()),
        session_id: Set(row.session_id.clone()),
        scopes: Set(serde_json::Value::from(row.scopes.clone())),
        auth_time: Set(row.auth_time),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
        family_expires_at: Set(row.family_expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        resource: Set(row.resource.clone()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_refresh_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<RefreshRow>, StoreError> {
    let Some(m) = refresh_token::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(RefreshRow {
        scopes: serde_json::from_value(m.scopes)
            .map_err(|e| StoreError::Corrupt(format!("refresh_tokens.scopes: {e}")))?,
        token_hash: m.token_hash,
        family_id: m.family_id,
        app_id: m.app_id,
        user_id: m.user_id,
        session_id: m.session_id,
        auth_time: m.auth_time,
        created_at: m.created_at,
        expires_at: m.expires_at,
        family_expires_at: m.family_expires_at,
        used_at: m.used_at,
        revoked_at: m.revoked_at,
        resource: m.resource,
    }))
}

/// Marks a refresh token used if it is unused and not revoked; `true` for exactly one caller.
pub async fn consume_refresh_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The revocation-list entry that marks a whole family revoked. Family ids are 64 hex digits
/// (the code's hash); `f` + 63 of them fits the 64-character `jti` column and cannot collide
/// with a token's `jti` (22 base64url characters).
fn family_marker(family_id: &str) -> String {
    format!("f{}", family_id.get(..63).unwrap_or(family_id))
}

/// Whether a family was revoked (a replayed code, a reused refresh token).
pub async fn is_family_revoked(db: &Db, family_id: &str) -> Result<bool, StoreError> {
    revoked_tokens::is_revoked(db, &family_marker(family_id)).await
}

/// Revokes every refresh token of a family and every access token issued in it, and marks the
/// family revoked until `marker_until`, so tokens a concurrent request is issuing in it right now
/// are caught when that request checks the mark.
pub async fn revoke_family(
    db: &Db,
    family_id: &str,
    now: DateTime<Utc>,
    marker_until: DateTime<Utc>,
) -> Result<(), StoreError> {
    revoked_tokens::insert_revoked(db, &family_marker(family_id), marker_until).await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let issued = access_token::Entity::find()
        .filter(access_token::Column::FamilyId.eq(family_id))
        .filter(access_token::Column::ExpiresAt.gt(now))
        .all(db)
        .await?;
    for token in issued {
        revoked_tokens::insert_revoked(db, &token.jti, token.expires_at).await?;
    }
    Ok(())
}

/// Deletes refresh tokens and access-token records that can no longer be used.
pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let refresh = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::FamilyExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    let access = access_token::Entity::delete_many()
        .filter(access_token::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    Ok(refresh + access)
}
