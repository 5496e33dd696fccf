//! Operators of the admin API (ops database): a subject with a role.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::entities::operator;
use super::{Db, StoreError};

/// A stored operator; `subject_kind` is `user` or `app`, `role` is `admin`, `user` or `guest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRow {
    pub subject_kind: String,
    pub subject_id: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

fn from_model(m: operator::Model) -> OperatorRow {
    OperatorRow {
        subject_kind: m.subject_kind,
        subject_id: m.subject_id,
        role: m.role,
        created_at: m.created_at,
    }
}

/// Inserts an operator; one that exists already is `Duplicate("operator")`. Takes a transaction
/// too, for [`super::setup_tokens::consume_setup_token_for_operator`].
pub async fn insert_operator(
    db: &impl ConnectionTrait,
    row: &OperatorRow,
) -> Result<(), StoreError> {
    operator::ActiveModel {
        subject_kind: Set(row.subject_kind.clone()),
        subject_id: Set(row.subject_id.clone()),
        role: Set(row.role.clone()),
        created_at: Set(row.created_at),
    }
    .insert(db)
    .await
    .map(|_| ())
    .map_err(|e| StoreError::from_insert(e, "operator"))
}

/// Changes an operator's role; `false` when there is no such operator.
pub async fn update_operator_role(
    db: &Db,
    kind: &str,
    id: &str,
    role: &str,
) -> Result<bool, StoreError> {
    let result = operator::Entity::update_many()
        .col_expr(
            operator::Column::Role,
            sea_orm::sea_query::Expr::value(role),
        )
        .filter(operator::Column::SubjectKind.eq(kind))
        .filter(operator::Column::SubjectId.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// One operator.
pub async fn find_operator(
    db: &Db,
    kind: &str,
    id: &str,
) -> Result<Option<OperatorRow>, StoreError> {
    Ok(
        operator::Entity::find_by_id((kind.to_owned(), id.to_owned()))
            .one(db)
            .await?
            .map(from_model),
    )
}

/// Every operator, oldest first.
pub async fn find_operators(db: &Db) -> Result<Vec<OperatorRow>, StoreError> {
    Ok(operator::Entity::find()
        .order_by_asc(operator::Column::CreatedAt)
        .order_by_asc(operator::Column::SubjectId)
        .all(db)
        .await?
        .into_iter()
        .map(from_model)
        .collect())
}

/// Whether any operator exists.
pub async fn has_operators(db: &Db) -> Result<bool, StoreError> {
    Ok(operator::Entity::find().count(db).await? > 0)
}
