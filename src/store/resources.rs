//! Resources (APIs), their catalog of rights, roles and the rights each role bundles.
//! JSON columns: `rights.parameters` is a list of names, `role_rights.constraints` an object of
//! parameter name -> allowed values, `resources.token_encryption_key` a public JWK.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::entities::{resource, right, role, role_right};
use super::{Db, StoreError};

/// Parameter name -> the values a role allows; a parameter not listed is unconstrained.
pub type Constraints = BTreeMap<String, BTreeSet<String>>;

/// A stored resource; `identifier` is the audience of its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRow {
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The public JWK its access tokens are encrypted to, as the domain checked it.
    pub token_encryption_key: Option<serde_json::Value>,
    /// The client id of the app its resource server authenticates as.
    pub server_client_id: Option<String>,
}

/// Changes to a resource: `None` leaves a column as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceChanges {
    pub name: Option<String>,
    pub token_encryption_key: Option<Option<serde_json::Value>>,
    pub server_client_id: Option<Option<String>>,
}

/// A right of a resource's catalog, with the parameters it may be constrained by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightRow {
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: String,
    pub parameters: BTreeSet<String>,
}

/// A role of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: String,
}

/// A right in a role, with the role's constraints on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRightRow {
    pub role_id: String,
    pub right_id: String,
    pub constraints: Constraints,
}

fn corrupt(column: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

fn resource_from_model(m: resource::Model) -> ResourceRow {
    ResourceRow {
        id: m.id,
        identifier: m.identifier,
        name: m.name,
        created_at: m.created_at,
        token_encryption_key: m.token_encryption_key,
        server_client_id: m.server_client_id,
    }
}

fn right_from_model(m: right::Model) -> Result<RightRow, StoreError> {
    Ok(RightRow {
        parameters: serde_json::from_value(m.parameters)
            .map_err(|e| corrupt("rights.parameters", e))?,
        id: m.id,
        resource_id: m.resource_id,
        name: m.name,
        description: m.description,
    })
}

pub(super) fn role_from_model(m: role::Model) -> RoleRow {
    RoleRow {
        id: m.id,
        resource_id: m.resource_id,
        name: m.name,
        description: m.description,
    }
}

fn role_right_from_model(m: role_right::Model) -> Result<RoleRightRow, StoreError> {
    Ok(RoleRightRow {
        constraints: serde_json::from_value(m.constraints)
            .map_err(|e| corrupt("role_rights.constraints", e))?,
        role_id: m.role_id,
        right_id: m.right_id,
    })
}

fn to_json(value: &impl serde::Serialize, column: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| corrupt(column, e))
}

/// Registers a resource; an identifier in use is `Duplicate("resource identifier")`.
pub async fn insert_resource(db: &Db, row: &ResourceRow) -> Result<(), StoreError> {
    resource::ActiveModel {
        id: Set(row.id.clone()),
        identifier: Set(row.identifier.clone()),
        name: Set(row.name.clone()),
        created_at: Set(row.created_at),
        token_encryption_key: Set(row.token_encryption_key.clone()),
        server_client_id: Set(row.server_client_id.clone()),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_insert(e, "resource identifier"))?;
    Ok(())
}

pub async fn find_resource(db: &Db, id: &str) -> Result<Option<ResourceRow>, StoreError> {
    Ok(resource::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(resource_from_model))
}

pub async fn find_resource_by_identifier(
    db: &Db,
    identifier: &str,
) -> Result<Option<ResourceRow>, StoreError> {
    Ok(resource::Entity::find()
        .filter(resource::Column::Identifier.eq(identifier))
        .one(db)
        .await?
        .map(resource_from_model))
}

/// Changes a resource in one statement; `false` when there is none.
pub async fn update_resource(
    db: &Db,
    id: &str,
    changes: &ResourceChanges,
) -> Result<bool, StoreError> {
    let mut update = resource::Entity::update_many()
        // Something to set even when nothing changes, so that the count says whether it exists.
        .col_expr(resource::Column::Id, Expr::col(resource::Column::Id).into())
        .filter(resource::Column::Id.eq(id));
    if let Some(name) = &changes.name {
        update = update.col_expr(resource::Column::Name, Expr::value(name.clone()));
    }
    if let Some(key) = &changes.token_encryption_key {
        update = update.col_expr(
            resource::Column::TokenEncryptionKey,
            Expr::value(key.clone()),
        );
    }
    if let Some(client_id) = &changes.server_client_id {
        update = update.col_expr(
            resource::Column::ServerClientId,
            Expr::value(client_id.clone()),
        );
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Every resource, by identifier.
pub async fn find_resources(db: &Db) -> Result<Vec<ResourceRow>, StoreError> {
    Ok(resource::Entity::find()
        .order_by_asc(resource::Column::Identifier)
        .all(db)
        .await?
        .into_iter()
        .map(resource_from_model)
        .collect())
}

/// Deletes a resource with its rights, roles and grants; `false` when there was none.
pub async fn delete_resource(db: &Db, id: &str) -> Result<bool, StoreError> {
    let result = resource::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Adds a right to a resource's catalog; a name in use there is `Duplicate("right name")`.
pub async fn insert_right(db: &Db, row: &RightRow) -> Result<(), StoreError> {
    right::ActiveModel {
        id: Set(row.id.clone()),
        resource_id: Set(row.resource_id.clone()),
        name: Set(row.name.clone()),
        description: Set(row.description.clone()),
        parameters: Set(to_json(&row.parameters, "rights.parameters")?),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_insert(e, "right name"))?;
    Ok(())
}

pub async fn find_right(db: &Db, id: &str) -> Result<Option<RightRow>, StoreError> {
    right::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(right_from_model)
        .transpose()
}

/// A resource's rights, by name.
pub async fn find_rights(db: &Db, resource_id: &str) -> Result<Vec<RightRow>, StoreError> {
    right::Entity::find()
        .filter(right::Column::ResourceId.eq(resource_id))
        .order_by_asc(right::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(right_from_model)
        .collect()
}

/// Deletes a right (and removes it from every role); `false` when there was none.
pub async fn delete_right(db: &Db, id: &str) -> Result<bool, StoreError> {
    let result = right::Entity::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// Creates a role; a name in use for the resource is `Duplicate("role name")`.
pub async fn insert_role(db: &Db, row: &RoleRow) -> Result<(), StoreError> {
    role::ActiveModel {
        id: Set(row.id.clone()),
        resource_id: Set(row.resource_id.clone()),
        name: Set(row.name.clone()),
        description: Set(row.description.clone()),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_insert(e, "role name"))?;
    Ok(())
}

pub async fn find_role(db: &Db, id: &str) -> Result<Option<RoleRow>, StoreError> {
    Ok(role::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(role_from_model))
}

/// A resource's roles, by name.
pub async fn find_roles(db: &Db, resource_id: &str) -> Result<Vec<RoleRow>, StoreError> {
    Ok(role::Entity::find()
        .filter(role::Column::ResourceId.eq(resource_id))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(role_from_model)
        .collect())
}

/// Deletes a role with its grants; `false` when there was none.
pub async fn delete_role(db: &Db, id: &str) -> Result<bool, StoreError> {
    let result = role::Entity::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// Puts a right in a role; a right already there is `Duplicate("right in this role")`.
pub async fn insert_role_right(db: &Db, row: &RoleRightRow) -> Result<(), StoreError> {
    role_right::ActiveModel {
        role_id: Set(row.role_id.clone()),
        right_id: Set(row.right_id.clone()),
        constraints: Set(to_json(&row.constraints, "role_rights.constraints")?),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_insert(e, "right in this role"))?;
    Ok(())
}

/// Takes a right out of a role; `false` when it was not there.
pub async fn delete_role_right(db: &Db, role_id: &str, right_id: &str) -> Result<bool, StoreError> {
    let result = role_right::Entity::delete_many()
        .filter(role_right::Column::RoleId.eq(role_id))
        .filter(role_right::Column::RightId.eq(right_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The rights in any of these roles, each with its right.
pub async fn find_role_rights(
    db: &Db,
    role_ids: &[String],
) -> Result<Vec<(RoleRightRow, RightRow)>, StoreError> {
    if role_ids.is_empty() {
        return Ok(Vec::new());
    }
    let links = role_right::Entity::find()
        .filter(role_right::Column::RoleId.is_in(role_ids.iter().cloned()))
        .all(db)
        .await?;
    let rights = right::Entity::find()
        .filter(right::Column::Id.is_in(links.iter().map(|l| l.right_id.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|m| right_from_model(m).map(|r| (r.id.clone(), r)))
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    let mut found = Vec::with_capacity(links.len());
    for link in links {
        let link = role_right_from_model(link)?;
        if let Some(right) = rights.get(&link.right_id) {
            found.push((link, right.clone()));
        }
    }
    found.sort_by(|a, b| (&a.0.role_id, &a.1.name).cmp(&(&b.0.role_id, &b.1.name)));
    Ok(found)
}
