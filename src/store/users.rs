//! Users (accounts database). Personal data arrives sealed; this layer never sees plaintext.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::entities::user;
use super::{Db, StoreError};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    /// Keyed hash of the normalised email (blind index).
    pub email_index: String,
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Inserts a user; an email already in use is `Duplicate("email")`.
pub async fn insert_user(db: &Db, row: &UserRow) -> Result<(), StoreError> {
    user::ActiveModel {
        id: Set(row.id.clone()),
        email_index: Set(row.email_index.clone()),
        email_sealed: Set(row.email_sealed.clone()),
        name_sealed: Set(row.name_sealed.clone()),
        password_hash: Set(row.password_hash.clone()),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
        disabled_at: Set(row.disabled_at),
    }
    .insert(db)
    .await
    .map(|_| ())
    .map_err(|e| StoreError::from_insert(e, "email"))
}

/// Replaces a user's password hash (a rehash with current parameters).
pub async fn update_password_hash(
    db: &Db,
    id: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces a user's sealed name (`None` clears it); `false` when no such user.
pub async fn update_name(
    db: &Db,
    id: &str,
    name_sealed: Option<Vec<u8>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::NameSealed, Expr::value(name_sealed))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Disables (`Some(now)`) or enables (`None`) a user; a user already in that state keeps the
/// time it was disabled at. `false` when no such user.
pub async fn update_disabled_at(
    db: &Db,
    id: &str,
    disabled_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::DisabledAt, Expr::value(disabled_at))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id));
    update = match disabled_at {
        Some(_) => update.filter(user::Column::DisabledAt.is_null()),
        None => update.filter(user::Column::DisabledAt.is_not_null()),
    };
    if update.exec(db).await?.rows_affected == 1 {
        return Ok(true);
    }
    Ok(find_user(db, id).await?.is_some())
}

/// Deletes a user; `false` when no such user.
pub async fn delete_user(db: &Db, id: &str) -> Result<bool, StoreError> {
    Ok(user::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// The user with this email index.
pub async fn find_by_email_index(db: &Db, index: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::EmailIndex.eq(index))
        .one(db)
        .await?
        .map(from_model))
}

/// One user.
pub async fn find_user(db: &Db, id: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(from_model))
}

fn from_model(m: user::Model) -> UserRow {
    UserRow {
        id: m.id,
        email_index: m.email_index,
        email_sealed: m.email_sealed,
        name_sealed: m.name_sealed,
        password_hash: m.password_hash,
        created_at: m.created_at,
        updated_at: m.updated_at,
        disabled_at: m.disabled_at,
    }
}

/// Every user, oldest first.
pub async fn find_all(db: &Db) -> Result<Vec<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::CreatedAt)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| UserRow {
            id: m.id,
            email_index: m.email_index,
            email_sealed: m.email_sealed,
            name_sealed: m.name_sealed,
            password_hash: m.password_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
            disabled_at: m.disabled_at,
        })
        .collect())
}

/// Which users a page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    All,
    /// The user with this email (blind index).
    EmailIndex(String),
    /// Users whose id starts with this (only `[0-9a-f-]`, so no LIKE wildcard can slip in).
    IdPrefix(String),
}

/// One page of users, oldest first, and how many match in all.
pub async fn find_page(
    db: &Db,
    filter: &UserFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<UserRow>, u64), StoreError> {
    let mut query = user::Entity::find();
    match filter {
        UserFilter::All => {}
        UserFilter::EmailIndex(index) => query = query.filter(user::Column::EmailIndex.eq(index)),
        UserFilter::IdPrefix(prefix) => {
            let safe: String = prefix
                .chars()
                .filter(|c| c.is_ascii_hexdigit() || *c == '-')
                .collect();
            query = query.filter(user::Column::Id.starts_with(safe));
        }
    }
    let total = sea_orm::PaginatorTrait::count(query.clone(), db).await?;
    let rows = sea_orm::QuerySelect::limit(
        sea_orm::QuerySelect::offset(
            query
                .order_by_asc(user::Column::CreatedAt)
                .order_by_asc(user::Column::Id),
            offset,
        ),
        limit,
    )
    .all(db)
    .await?
    .into_iter()
    .map(from_model)
    .collect();
    Ok((rows, total))
}
