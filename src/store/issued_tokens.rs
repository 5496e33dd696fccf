//! Tokens issued to users: access-token `jti`s by grant family, and refresh tokens. A family is
//! the code a grant started from; a replayed code or a reused refresh token revokes it whole.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use super::entities::{access_token, authorization_code, refresh_token};
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
    /// How the user signed in (RFC 8176), for the ID tokens a refresh gives.
    pub amr: Vec<String>,
}

/// Rows stored before `amr` was kept were issued after a password sign-in.
const PASSWORD_AMR: &str = "pwd";

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
        amr: Set(Some(serde_json::Value::from(row.amr.clone()))),
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
    let amr = match m.amr {
        Some(amr) => serde_json::from_value(amr)
            .map_err(|e| StoreError::Corrupt(format!("refresh_tokens.amr: {e}")))?,
        None => vec![PASSWORD_AMR.to_owned()],
    };
    Ok(Some(RefreshRow {
        scopes: serde_json::from_value(m.scopes)
            .map_err(|e| StoreError::Corrupt(format!("refresh_tokens.scopes: {e}")))?,
        amr,
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
    db: &impl ConnectionTrait,
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

/// What revoking every grant of a user or an app did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RevokedGrants {
    /// Refresh tokens that could still have been used.
    pub refresh_tokens: u64,
    /// Authorization codes that could still have been redeemed.
    pub codes: u64,
}

/// Whose grants [`revoke_grants`] ends.
#[derive(Debug, Clone, Copy)]
pub enum GrantHolder<'a> {
    User(&'a str),
    App(&'a str),
}

/// Revokes every grant family of a user (disabled or deleted) or an app (deleted): outstanding
/// codes are marked used, so redeeming one is a replay; each family's refresh tokens and access
/// tokens are revoked, and the family is marked revoked, so a token being issued in it right now
/// is caught (see [`revoke_family`]). For an app, its access tokens outside any family too.
/// Meant to run inside the caller's transaction.
pub async fn revoke_grants(
    db: &impl ConnectionTrait,
    holder: GrantHolder<'_>,
    now: DateTime<Utc>,
) -> Result<RevokedGrants, StoreError> {
    let (refresh_of, code_of) = match holder {
        GrantHolder::User(id) => (
            refresh_token::Column::UserId.eq(id),
            authorization_code::Column::UserId.eq(id),
        ),
        GrantHolder::App(id) => (
            refresh_token::Column::AppId.eq(id),
            authorization_code::Column::AppId.eq(id),
        ),
    };
    let live_refresh = refresh_token::Entity::find()
        .filter(refresh_of.clone())
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .filter(refresh_token::Column::FamilyExpiresAt.gt(now))
        .count(db)
        .await?;
    let codes = authorization_code::Entity::update_many()
        .col_expr(authorization_code::Column::UsedAt, Expr::value(now))
        .filter(code_of.clone())
        .filter(authorization_code::Column::UsedAt.is_null())
        .filter(authorization_code::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    // Each family's mark must outlive what could still be issued in it: a refresh family until
    // its absolute end, a code's family (tokens issued without a refresh token) for as long as
    // its code row is kept (a day past its expiry, longer than any access token lives).
    let mut families: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut keep_until = |family: String, until: DateTime<Utc>| {
        let entry = families.entry(family).or_insert(until);
        *entry = (*entry).max(until);
    };
    for row in refresh_token::Entity::find()
        .filter(refresh_of)
        .filter(refresh_token::Column::FamilyExpiresAt.gt(now))
        .all(db)
        .await?
    {
        keep_until(row.family_id, row.family_expires_at);
    }
    for row in authorization_code::Entity::find()
        .filter(code_of)
        .filter(authorization_code::Column::ExpiresAt.gt(now - chrono::Duration::days(1)))
        .all(db)
        .await?
    {
        keep_until(row.code_hash, row.expires_at + chrono::Duration::days(1));
    }
    for (family, until) in families {
        revoke_family(db, &family, now, until.max(now)).await?;
    }
    if let GrantHolder::App(id) = holder {
        let issued = access_token::Entity::find()
            .filter(access_token::Column::AppId.eq(id))
            .filter(access_token::Column::ExpiresAt.gt(now))
            .all(db)
            .await?;
        for token in issued {
            revoked_tokens::insert_revoked(db, &token.jti, token.expires_at).await?;
        }
    }
    Ok(RevokedGrants {
        refresh_tokens: live_refresh,
        codes,
    })
}
