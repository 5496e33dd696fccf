//! The key ring's rows. Changes are guarded so concurrent instances cannot double-rotate:
//! the unique `slot` allows one active and one next key per algorithm, and each transition
//! updates only rows still in the expected state.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::entities::signing_key::{self, Column, Entity};
use super::{Db, StoreError};

/// A stored key. `alg` and `state` are the strings of `SigningAlg` and `KeyState`.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub public_jwk: String,
    pub private_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub activates_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub removes_at: Option<DateTime<Utc>>,
}

impl From<signing_key::Model> for KeyRow {
    fn from(m: signing_key::Model) -> Self {
        Self {
            kid: m.kid,
            alg: m.alg,
            state: m.state,
            public_jwk: m.public_jwk,
            private_key: m.private_key,
            created_at: m.created_at,
            activates_at: m.activates_at,
            retired_at: m.retired_at,
            removes_at: m.removes_at,
        }
    }
}

fn slot(alg: &str, state: &str) -> Option<String> {
    matches!(state, "active" | "next").then(|| format!("{alg}/{state}"))
}

/// Every key, oldest first.
pub async fn find_all(db: &Db) -> Result<Vec<KeyRow>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Kid)
        .all(db)
        .await?
        .into_iter()
        .map(KeyRow::from)
        .collect())
}

/// Inserts a key; `false` when its slot (active or next for its algorithm) is already taken.
pub async fn insert_key(db: &Db, row: &KeyRow) -> Result<bool, StoreError> {
    let model = signing_key::ActiveModel {
        kid: Set(row.kid.clone()),
        alg: Set(row.alg.clone()),
        key_use: Set("sig".into()),
        state: Set(row.state.clone()),
        slot: Set(slot(&row.alg, &row.state)),
        public_jwk: Set(row.public_jwk.clone()),
        private_key: Set(row.private_key.clone()),
        created_at: Set(row.created_at),
        activates_at: Set(row.activates_at),
        retired_at: Set(row.retired_at),
        removes_at: Set(row.removes_at),
    };
    match model.insert(db).await {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::from_insert(e, "slot") {
            StoreError::Duplicate(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// The next key of `alg` becomes active and the active one (if given) retires, atomically.
/// `false` when another instance already did it.
pub async fn promote(
    db: &Db,
    alg: &str,
    next_kid: &str,
    active_kid: Option<&str>,
    now: DateTime<Utc>,
    removes_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    if let Some(active) = active_kid {
        let retired = retire_query(active, now, removes_at, "active")
            .exec(&txn)
            .await?;
        if retired.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
    }
    let promoted = Entity::update_many()
        .col_expr(Column::State, Expr::value("active"))
        .col_expr(Column::Slot, Expr::value(slot(alg, "active")))
        .col_expr(Column::ActivatesAt, Expr::value(now))
        .filter(Column::Kid.eq(next_kid))
        .filter(Column::State.eq("next"))
        .exec(&txn)
        .await?;
    if promoted.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    txn.commit().await?;
    Ok(true)
}

/// An active or next key stops signing and stays published until `removes_at`.
pub async fn retire(
    db: &Db,
    kid: &str,
    now: DateTime<Utc>,
    removes_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut updated = 0;
    for state in ["active", "next"] {
        updated += retire_query(kid, now, removes_at, state)
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(updated == 1)
}

fn retire_query(
    kid: &str,
    now: DateTime<Utc>,
    removes_at: DateTime<Utc>,
    from_state: &str,
) -> sea_orm::UpdateMany<Entity> {
    Entity::update_many()
        .col_expr(Column::State, Expr::value("retired"))
        .col_expr(Column::Slot, Expr::value(Option::<String>::None))
        .col_expr(Column::RetiredAt, Expr::value(now))
        .col_expr(Column::RemovesAt, Expr::value(removes_at))
        .filter(Column::Kid.eq(kid))
        .filter(Column::State.eq(from_state))
}

/// Deletes a retired key whose removal time has come.
pub async fn delete_expired(db: &Db, kid: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let deleted = Entity::delete_many()
        .filter(Column::Kid.eq(kid))
        .filter(Column::State.eq("retired"))
        .filter(Column::RemovesAt.lte(now))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}
