//! Apps (OAuth clients) and their secrets. Every change replaces the `apps_version` meta value
//! in the same transaction, so each instance's in-memory registry knows when to reload.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, Func, LikeExpr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::entities::{
    app, app_access, app_secret, app_share, authorization_request, consent, meta, operator,
    resource, role_grant,
};
use super::issued_tokens::{self, GrantHolder, RevokedGrants};
use super::{Db, StoreError};

const APPS_VERSION: &str = "apps_version";

/// A stored app. Lists are stored as JSON arrays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRow {
    pub id: String,
    pub name: String,
    pub is_public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: String,
    /// A registered JWK Set (for `private_key_jwt` and ID-token encryption).
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    pub require_pkce: bool,
    pub id_token_signed_response_alg: String,
    /// Domain protection: canonical origins; empty means off.
    pub allowed_origins: Vec<String>,
    /// IP protection: addresses and CIDR ranges; empty means off.
    pub allowed_ips: Vec<String>,
    pub is_server_only: bool,
    pub redirect_uri_prefixes: Vec<String>,
    pub post_logout_redirect_uri_prefixes: Vec<String>,
    /// Per-app token lifetimes; `None` means the configured default.
    pub access_token_ttl_secs: Option<i64>,
    pub id_token_ttl_secs: Option<i64>,
    pub refresh_token_ttl_secs: Option<i64>,
    /// A first-party app skips the consent page.
    pub is_first_party: bool,
    pub logo_uri: Option<String>,
    /// The user who created the app on the developer dashboard (`None`: created by an operator).
    pub owner_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored app secret (only its SHA-256 hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRow {
    pub id: String,
    pub app_id: String,
    pub label: String,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn list(values: &[String]) -> serde_json::Value {
    serde_json::Value::from(values.to_vec())
}

fn unlist(value: serde_json::Value, column: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(format!("apps.{column}: {e}")))
}

fn from_model(m: app::Model) -> Result<AppRow, StoreError> {
    Ok(AppRow {
        redirect_uris: unlist(m.redirect_uris, "redirect_uris")?,
        post_logout_redirect_uris: unlist(
            m.post_logout_redirect_uris,
            "post_logout_redirect_uris",
        )?,
        grant_types: unlist(m.grant_types, "grant_types")?,
        scopes: unlist(m.scopes, "scopes")?,
        allowed_origins: unlist(m.allowed_origins, "allowed_origins")?,
        allowed_ips: unlist(m.allowed_ips, "allowed_ips")?,
        redirect_uri_prefixes: unlist(m.redirect_uri_prefixes, "redirect_uri_prefixes")?,
        post_logout_redirect_uri_prefixes: unlist(
            m.post_logout_redirect_uri_prefixes,
            "post_logout_redirect_uri_prefixes",
        )?,
        is_server_only: m.is_server_only,
        access_token_ttl_secs: m.access_token_ttl_secs,
        id_token_ttl_secs: m.id_token_ttl_secs,
        refresh_token_ttl_secs: m.refresh_token_ttl_secs,
        is_first_party: m.is_first_party,
        logo_uri: m.logo_uri,
        owner_id: m.owner_id,
        id: m.id,
        name: m.name,
        is_public: m.is_public,
        token_endpoint_auth_method: m.token_endpoint_auth_method,
        jwks: m.jwks,
        jwks_uri: m.jwks_uri,
        require_pkce: m.require_pkce,
        id_token_signed_response_alg: m.id_token_signed_response_alg,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn secret_from_model(m: app_secret::Model) -> SecretRow {
    SecretRow {
        id: m.id,
        app_id: m.app_id,
        label: m.label,
        secret_hash: m.secret_hash,
        created_at: m.created_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
        last_used_at: m.last_used_at,
    }
}

/// Every column of an app's row.
fn app_model(row: &AppRow) -> app::ActiveModel {
    app::ActiveModel {
        id: Set(row.id.clone()),
        name: Set(row.name.clone()),
        is_public: Set(row.is_public),
        redirect_uris: Set(list(&row.redirect_uris)),
        post_logout_redirect_uris: Set(list(&row.post_logout_redirect_uris)),
        grant_types: Set(list(&row.grant_types)),
        scopes: Set(list(&row.scopes)),
        token_endpoint_auth_method: Set(row.token_endpoint_auth_method.clone()),
        jwks: Set(row.jwks.clone()),
        jwks_uri: Set(row.jwks_uri.clone()),
        require_pkce: Set(row.require_pkce),
        id_token_signed_response_alg: Set(row.id_token_signed_response_alg.clone()),
        allowed_origins: Set(list(&row.allowed_origins)),
        allowed_ips: Set(list(&row.allowed_ips)),
        is_server_only: Set(row.is_server_only),
        redirect_uri_prefixes: Set(list(&row.redirect_uri_prefixes)),
        post_logout_redirect_uri_prefixes: Set(list(&row.post_logout_redirect_uri_prefixes)),
        access_token_ttl_secs: Set(row.access_token_ttl_secs),
        id_token_ttl_secs: Set(row.id_token_ttl_secs),
        refresh_token_ttl_secs: Set(row.refresh_token_ttl_secs),
        is_first_party: Set(row.is_first_party),
        logo_uri: Set(row.logo_uri.clone()),
        owner_id: Set(row.owner_id.clone()),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
}

/// The row of a new secret.
fn secret_model(s: &SecretRow) -> app_secret::ActiveModel {
    app_secret::ActiveModel {
        id: Set(s.id.clone()),
        app_id: Set(s.app_id.clone()),
        label: Set(s.label.clone()),
        secret_hash: Set(s.secret_hash.clone()),
        created_at: Set(s.created_at),
        expires_at: Set(s.expires_at),
        revoked_at: Set(s.revoked_at),
        last_used_at: Set(s.last_used_at),
    }
}

/// Marks the apps as changed (inside the caller's transaction).
pub(super) async fn bump_version(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    meta::Entity::insert(meta::ActiveModel {
        name: Set(APPS_VERSION.into()),
        value: Set(uuid::Uuid::new_v4().to_string()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(meta::Column::Name)
            .update_columns([meta::Column::Value, meta::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The current apps version (empty before any app exists).
pub async fn find_version(db: &Db) -> Result<String, StoreError> {
    Ok(meta::Entity::find_by_id(APPS_VERSION.to_owned())
        .one(db)
        .await?
        .map(|m| m.value)
        .unwrap_or_default())
}

/// Inserts an app and, for confidential apps, its first secret, in one transaction.
pub async fn insert_app(
    db: &Db,
    row: &AppRow,
    secret: Option<&SecretRow>,
) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    app_model(row)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "client_id"))?;
    if let Some(s) = secret {
        secret_model(s)
            .insert(&txn)
            .await
            .map_err(|e| StoreError::from_insert(e, "secret"))?;
    }
    bump_version(&txn, row.updated_at).await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces an app's settings (every column but its id, owner and creation time); `false` when
/// there is no such app.
pub async fn update_app(db: &Db, row: &AppRow) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    let mut model = app_model(row);
    model.id = sea_orm::ActiveValue::NotSet;
    model.owner_id = sea_orm::ActiveValue::NotSet;
    model.created_at = sea_orm::ActiveValue::NotSet;
    let result = app::Entity::update_many()
        .set(model)
        .filter(app::Column::Id.eq(row.id.as_str()))
        .exec(&txn)
        .await?;
    if result.rows_affected == 1 {
        bump_version(&txn, row.updated_at).await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected == 1)
}

/// The apps a user created, oldest first.
pub async fn find_by_owner(db: &Db, owner_id: &str) -> Result<Vec<AppRow>, StoreError> {
    app::Entity::find()
        .filter(app::Column::OwnerId.eq(owner_id))
        .order_by_asc(app::Column::CreatedAt)
        .order_by_asc(app::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

/// Records when secrets were last used. Not a settings change: the apps version stays.
pub async fn update_last_used(db: &Db, uses: &[(String, DateTime<Utc>)]) -> Result<(), StoreError> {
    for (secret_id, at) in uses {
        app_secret::Entity::update_many()
            .col_expr(
                app_secret::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(*at),
            )
            .filter(app_secret::Column::Id.eq(secret_id.as_str()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Every app, oldest first.
pub async fn find_all(db: &Db) -> Result<Vec<AppRow>, StoreError> {
    app::Entity::find()
        .order_by_asc(app::Column::CreatedAt)
        .order_by_asc(app::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

/// One app.
pub async fn find_app(db: &Db, id: &str) -> Result<Option<AppRow>, StoreError> {
    app::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(from_model)
        .transpose()
}

/// Every secret of every app.
pub async fn find_all_secrets(db: &Db) -> Result<Vec<SecretRow>, StoreError> {
    Ok(app_secret::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(secret_from_model)
        .collect())
}

/// The secrets of one app.
pub async fn find_secrets(db: &Db, app_id: &str) -> Result<Vec<SecretRow>, StoreError> {
    Ok(app_secret::Entity::find()
        .filter(app_secret::Column::AppId.eq(app_id))
        .all(db)
        .await?
        .into_iter()
        .map(secret_from_model)
        .collect())
}

/// The number of secrets stored (all apps).
pub async fn count_secrets(db: &Db) -> Result<u64, StoreError> {
    Ok(app_secret::Entity::find().count(db).await?)
}

/// Adds a secret to an app.
pub async fn insert_secret(db: &Db, row: &SecretRow) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    secret_model(row)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "secret"))?;
    bump_version(&txn, row.created_at).await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes one secret of an app; `false` when there is no such usable secret.
pub async fn revoke_secret(
    db: &Db,
    app_id: &str,
    secret_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    let result = app_secret::Entity::update_many()
        .col_expr(
            app_secret::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(app_secret::Column::AppId.eq(app_id))
        .filter(app_secret::Column::Id.eq(secret_id))
        .filter(app_secret::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected == 1 {
        bump_version(&txn, now).await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected == 1)
}

/// Adds a new secret and makes every other usable secret of the app expire at `old_until` (or
/// earlier, if it already expires sooner), in one transaction.
pub async fn rotate_secrets(
    db: &Db,
    new: &SecretRow,
    old_until: DateTime<Utc>,
) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    let current = app_secret::Entity::find()
        .filter(app_secret::Column::AppId.eq(new.app_id.as_str()))
        .filter(app_secret::Column::RevokedAt.is_null())
        .all(&txn)
        .await?;
    for secret in current {
        if secret.expires_at.is_none_or(|t| t > old_until) {
            app_secret::Entity::update_many()
                .col_expr(
                    app_secret::Column::ExpiresAt,
                    sea_orm::sea_query::Expr::value(old_until),
                )
                .filter(app_secret::Column::Id.eq(secret.id))
                .exec(&txn)
                .await?;
        }
    }
    secret_model(new)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "secret"))?;
    bump_version(&txn, new.created_at).await?;
    txn.commit().await?;
    Ok(())
}

/// Which apps a page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppFilter {
    All,
    /// Apps whose name contains this, or whose id starts with it, ignoring case.
    NameOrIdPrefix(String),
}

/// `text` with LIKE's wildcards and the escape character escaped by `\`.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One page of apps, oldest first, and how many match in all.
pub async fn find_page(
    db: &Db,
    filter: &AppFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<AppRow>, u64), StoreError> {
    let mut query = app::Entity::find();
    if let AppFilter::NameOrIdPrefix(text) = filter {
        let text = like_escaped(&text.to_lowercase());
        let lower = |column: app::Column| Expr::expr(Func::lower(Expr::col(column)));
        query = query.filter(
            Condition::any()
                .add(lower(app::Column::Name).like(LikeExpr::new(format!("%{text}%")).escape('\\')))
                .add(lower(app::Column::Id).like(LikeExpr::new(format!("{text}%")).escape('\\'))),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(app::Column::CreatedAt)
        .order_by_asc(app::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(from_model)
        .collect::<Result<_, _>>()?;
    Ok((rows, total))
}

/// `expires_at IS NULL OR expires_at > at`: a secret still valid at `at`.
fn unexpired_at(at: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(app_secret::Column::ExpiresAt.is_null())
        .add(app_secret::Column::ExpiresAt.gt(at))
}

/// Adds a new secret and makes one usable secret of the app (`old_id`) expire at `old_until`
/// (or earlier, if it already expires sooner), in one transaction; `false` (nothing written)
/// when the app has no such usable secret.
pub async fn rotate_secret(
    db: &Db,
    new: &SecretRow,
    old_id: &str,
    old_until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    // A write that changes nothing comes first: the transaction holds the write lock before it
    // decides (see `app_access::has_app`).
    let usable = app_secret::Entity::update_many()
        .col_expr(
            app_secret::Column::ExpiresAt,
            Expr::col(app_secret::Column::ExpiresAt).into(),
        )
        .filter(app_secret::Column::Id.eq(old_id))
        .filter(app_secret::Column::AppId.eq(new.app_id.as_str()))
        .filter(app_secret::Column::RevokedAt.is_null())
        .filter(unexpired_at(new.created_at))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !usable {
        txn.rollback().await?;
        return Ok(false);
    }
    app_secret::Entity::update_many()
        .col_expr(app_secret::Column::ExpiresAt, Expr::value(old_until))
        .filter(app_secret::Column::Id.eq(old_id))
        .filter(unexpired_at(old_until))
        .exec(&txn)
        .await?;
    secret_model(new)
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_insert(e, "secret"))?;
    bump_version(&txn, new.created_at).await?;
    txn.commit().await?;
    Ok(true)
}

/// What deleting an app removed and revoked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemovedApp {
    pub grants: RevokedGrants,
    pub secrets: u64,
    pub shares: u64,
    pub role_grants: u64,
    pub consents: u64,
}

/// What became of deleting an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppDelete {
    Deleted(RemovedApp),
    NotFound,
    /// Refused (nothing changed): the app is an operator of the admin API.
    Operator,
}

/// Deletes an app with its secrets, access settings, shares, role grants, consents and pending
/// authorization requests, and revokes every token and code issued to it, in one transaction.
/// An app that is an operator is kept. (The foreign keys cascade too; deleting explicitly keeps
/// the counts and does not depend on SQLite's `foreign_keys` pragma.)
pub async fn delete_app(db: &Db, id: &str, now: DateTime<Utc>) -> Result<AppDelete, StoreError> {
    let txn = db.begin().await?;
    // A write first (the write lock before any read; a row lock in PostgreSQL).
    let exists = app::Entity::update_many()
        .col_expr(
            app::Column::UpdatedAt,
            Expr::col(app::Column::UpdatedAt).into(),
        )
        .filter(app::Column::Id.eq(id))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !exists {
        txn.rollback().await?;
        return Ok(AppDelete::NotFound);
    }
    if operator::Entity::find_by_id(("app".to_owned(), id.to_owned()))
        .one(&txn)
        .await?
        .is_some()
    {
        txn.rollback().await?;
        return Ok(AppDelete::Operator);
    }
    let grants = issued_tokens::revoke_grants(&txn, GrantHolder::App(id), now).await?;
    let secrets = app_secret::Entity::delete_many()
        .filter(app_secret::Column::AppId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    let shares = app_share::Entity::delete_many()
        .filter(app_share::Column::AppId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    app_access::Entity::delete_many()
        .filter(app_access::Column::AppId.eq(id))
        .exec(&txn)
        .await?;
    let role_grants = role_grant::Entity::delete_many()
        .filter(role_grant::Column::SubjectKind.eq("app"))
        .filter(role_grant::Column::SubjectId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    let consents = consent::Entity::delete_many()
        .filter(consent::Column::AppId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    authorization_request::Entity::delete_many()
        .filter(authorization_request::Column::AppId.eq(id))
        .exec(&txn)
        .await?;
    // A resource server that authenticated as this app introspects no more.
    resource::Entity::update_many()
        .col_expr(
            resource::Column::ServerClientId,
            Expr::value(Option::<String>::None),
        )
        .filter(resource::Column::ServerClientId.eq(id))
        .exec(&txn)
        .await?;
    app::Entity::delete_by_id(id.to_owned()).exec(&txn).await?;
    bump_version(&txn, now).await?;
    txn.commit().await?;
    Ok(AppDelete::Deleted(RemovedApp {
        grants,
        secrets,
        shares,
        role_grants,
        consents,
    }))
}
