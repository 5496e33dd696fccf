//! Resources (APIs), their catalog of rights and the roles that bundle rights. Registering a
//! resource, a right or a role grants nothing to anybody (default deny): only a role granted
//! to a user or an app puts rights in their tokens. A resource may also register the public key
//! its access tokens are encrypted to, and the app its resource server introspects them as.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::names::{description, is_constraint_value, resource_name};
use super::{AccessError, ParameterName, ResourceIdentifier, RightName, RoleName};
use crate::apps::AuthMethod;
use crate::clock::Clock;
use crate::crypto::token_encryption::TokenEncryptionKey;
use crate::store::resources::{
    self, ResourceChanges, ResourceRow, RightRow, RoleRightRow, RoleRow,
};
use crate::store::{apps, Db, StoreError};

/// Parameter name -> the values allowed; a parameter not listed is unconstrained.
pub type Constraints = BTreeMap<String, BTreeSet<String>>;

/// A registered resource; `identifier` is the `aud` of its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// When set, its access tokens are encrypted to this key (a nested JWT).
    pub token_encryption_key: Option<TokenEncryptionKey>,
    /// The app its resource server authenticates as: it may introspect the resource's tokens.
    pub server_client_id: Option<String>,
}

impl TryFrom<ResourceRow> for Resource {
    type Error = AccessError;

    fn try_from(row: ResourceRow) -> Result<Self, AccessError> {
        let token_encryption_key = row
            .token_encryption_key
            .as_ref()
            .map(TokenEncryptionKey::from_stored)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("resources.token_encryption_key: {e}")))?;
        Ok(Self {
            id: row.id,
            identifier: row.identifier,
            name: row.name,
            created_at: row.created_at,
            token_encryption_key,
            server_client_id: row.server_client_id,
        })
    }
}

/// What a resource registers for its tokens; both optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceTokenSettings {
    /// A public JWK (see [`TokenEncryptionKey::from_jwk`] for what is accepted).
    pub token_encryption_key: Option<serde_json::Value>,
    /// The client id of an existing app.
    pub server_client_id: Option<String>,
}

/// Changes to a resource: `None` leaves a setting as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceChange {
    pub name: Option<String>,
    pub token_encryption_key: Option<Option<serde_json::Value>>,
    pub server_client_id: Option<Option<String>>,
}

/// A right of a resource's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Right {
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: String,
    /// The parameters a role may constrain this right by.
    pub parameters: BTreeSet<String>,
}

impl From<RightRow> for Right {
    fn from(row: RightRow) -> Self {
        Self {
            id: row.id,
            resource_id: row.resource_id,
            name: row.name,
            description: row.description,
            parameters: row.parameters,
        }
    }
}

/// A role of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: String,
}

impl From<RoleRow> for Role {
    fn from(row: RoleRow) -> Self {
        Self {
            id: row.id,
            resource_id: row.resource_id,
            name: row.name,
            description: row.description,
        }
    }
}

/// A right in a role, with the role's constraints on its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleRight {
    pub right_id: String,
    pub right: String,
    pub constraints: Constraints,
}

/// Registers a resource under its identifier (the `aud` of its tokens). Knows no issuer: the
/// admin API and console use [`register_resource_at`], which refuses it as an identifier.
pub async fn register_resource(
    db: &Db,
    clock: &Arc<dyn Clock>,
    identifier: &str,
    name: &str,
) -> Result<Resource, AccessError> {
    register_resource_with(
        db,
        clock,
        identifier,
        name,
        ResourceTokenSettings::default(),
    )
    .await
}

/// Registers a resource with its token settings; nothing is stored when any is refused. Knows
/// no issuer: see [`register_resource_at`].
pub async fn register_resource_with(
    db: &Db,
    clock: &Arc<dyn Clock>,
    identifier: &str,
    name: &str,
    settings: ResourceTokenSettings,
) -> Result<Resource, AccessError> {
    let identifier: ResourceIdentifier = identifier.parse()?;
    insert_resource(db, clock, identifier, name, settings).await
}

/// Registers a resource of the Tessera at `issuer`, with its token settings; nothing is stored
/// when any is refused. The issuer itself is refused as an identifier: it is the `aud` of every
/// token requested without a resource, and such a resource's server app would introspect them
/// all.
pub async fn register_resource_at(
    db: &Db,
    clock: &Arc<dyn Clock>,
    issuer: &str,
    identifier: &str,
    name: &str,
    settings: ResourceTokenSettings,
) -> Result<Resource, AccessError> {
    let identifier: ResourceIdentifier = identifier.parse()?;
    if names_the_issuer(identifier.as_str(), issuer) {
        return Err(AccessError::InvalidResourceIdentifier(
            "must not be the issuer: tokens requested without a resource have it as their `aud`",
        ));
    }
    insert_resource(db, clock, identifier, name, settings).await
}

/// The identifier is the issuer, also when written another way (case of scheme and host, the
/// default port, a trailing slash, a query): a resource server comparing audiences loosely would
/// take the issuer's own tokens for its resource's.
fn names_the_issuer(identifier: &str, issuer: &str) -> bool {
    match (url::Url::parse(identifier), url::Url::parse(issuer)) {
        (Ok(id), Ok(iss)) => {
            id.scheme() == iss.scheme()
                && id.host_str() == iss.host_str()
                && id.port_or_known_default() == iss.port_or_known_default()
                && id.path().trim_end_matches('/') == iss.path().trim_end_matches('/')
        }
        _ => identifier.trim_end_matches('/') == issuer.trim_end_matches('/'),
    }
}

async fn insert_resource(
    db: &Db,
    clock: &Arc<dyn Clock>,
    identifier: ResourceIdentifier,
    name: &str,
    settings: ResourceTokenSettings,
) -> Result<Resource, AccessError> {
    let name = resource_name(name)?;
    let token_encryption_key = settings
        .token_encryption_key
        .as_ref()
        .map(checked_key)
        .transpose()?;
    let server_client_id = match settings.server_client_id {
        Some(client_id) => Some(server_client(db, client_id).await?),
        None => None,
    };
    let row = ResourceRow {
        id: uuid::Uuid::new_v4().to_string(),
        identifier: identifier.into_string(),
        name,
        created_at: clock.now(),
        token_encryption_key,
        server_client_id,
    };
    resources::insert_resource(db, &row)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AccessError::DuplicateResource(row.identifier.clone()),
            other => other.into(),
        })?;
    row.try_into()
}

/// A token encryption key as it is stored: its public members only.
fn checked_key(jwk: &serde_json::Value) -> Result<serde_json::Value, AccessError> {
    let key = TokenEncryptionKey::from_jwk(jwk).map_err(AccessError::InvalidTokenEncryptionKey)?;
    Ok(serde_json::Value::Object(key.jwk().clone()))
}

/// The client id of an existing confidential app, for `server_client_id`.
async fn server_client(db: &Db, client_id: String) -> Result<String, AccessError> {
    let is_well_formed =
        (1..=64).contains(&client_id.len()) && client_id.bytes().all(|b| b.is_ascii_graphic());
    if !is_well_formed {
        return Err(AccessError::InvalidServerClientId);
    }
    let Some(app) = apps::find_app(db, &client_id).await? else {
        return Err(AccessError::UnknownServerClient(client_id));
    };
    // RFC 7662 §2.1: the protected resource authenticates to introspect. A public app
    // authenticates with its client id alone, which is no secret.
    let is_confidential = !app.is_public
        && AuthMethod::from_stored(&app.token_endpoint_auth_method)
            .is_some_and(AuthMethod::is_confidential);
    if !is_confidential {
        return Err(AccessError::PublicServerClient(client_id));
    }
    Ok(client_id)
}

/// Changes a resource's name or token settings; nothing is changed when any change is refused.
/// A new key applies to the next token issued.
pub async fn change_resource(
    db: &Db,
    resource_id: &str,
    change: ResourceChange,
) -> Result<Resource, AccessError> {
    existing_resource(db, resource_id).await?;
    let name = change.name.as_deref().map(resource_name).transpose()?;
    let token_encryption_key = match &change.token_encryption_key {
        Some(Some(jwk)) => Some(Some(checked_key(jwk)?)),
        Some(None) => Some(None),
        None => None,
    };
    let server_client_id = match change.server_client_id {
        Some(Some(client_id)) => Some(Some(server_client(db, client_id).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let changes = ResourceChanges {
        name,
        token_encryption_key,
        server_client_id,
    };
    if !resources::update_resource(db, resource_id, &changes).await? {
        return Err(AccessError::UnknownResource(resource_id.to_owned()));
    }
    existing_resource(db, resource_id).await?.try_into()
}

/// Every resource, by identifier.
pub async fn list_resources(db: &Db) -> Result<Vec<Resource>, AccessError> {
    resources::find_resources(db)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

pub async fn find_resource(db: &Db, resource_id: &str) -> Result<Option<Resource>, AccessError> {
    resources::find_resource(db, resource_id)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// The resource registered under this identifier (an `aud`), with its token settings.
pub async fn find_resource_by_identifier(
    db: &Db,
    identifier: &str,
) -> Result<Option<Resource>, AccessError> {
    resources::find_resource_by_identifier(db, identifier)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Whether a resource with this identifier (an `aud`) is registered.
pub async fn is_registered_resource(db: &Db, identifier: &str) -> Result<bool, AccessError> {
    Ok(resources::find_resource_by_identifier(db, identifier)
        .await?
        .is_some())
}

/// Whether `client_id` is the app of the resource server of the resource `identifier`.
pub async fn is_resource_server(
    db: &Db,
    identifier: &str,
    client_id: &str,
) -> Result<bool, AccessError> {
    Ok(resources::find_resource_by_identifier(db, identifier)
        .await?
        .is_some_and(|r| r.server_client_id.as_deref() == Some(client_id)))
}

/// Deletes a resource with its rights, roles and grants.
pub async fn delete_resource(db: &Db, resource_id: &str) -> Result<(), AccessError> {
    if !resources::delete_resource(db, resource_id).await? {
        return Err(AccessError::UnknownResource(resource_id.to_owned()));
    }
    Ok(())
}

async fn existing_resource(db: &Db, resource_id: &str) -> Result<ResourceRow, AccessError> {
    resources::find_resource(db, resource_id)
        .await?
        .ok_or_else(|| AccessError::UnknownResource(resource_id.to_owned()))
}

/// Adds a right to a resource's catalog, with the parameters roles may constrain it by.
pub async fn add_right(
    db: &Db,
    resource_id: &str,
    name: &str,
    description_text: &str,
    parameters: &[String],
) -> Result<Right, AccessError> {
    let name: RightName = name.parse()?;
    let description = description(description_text)?;
    let parameters = parameters
        .iter()
        .map(|p| p.parse::<ParameterName>().map(ParameterName::into_string))
        .collect::<Result<BTreeSet<_>, _>>()?;
    existing_resource(db, resource_id).await?;
    let row = RightRow {
        id: uuid::Uuid::new_v4().to_string(),
        resource_id: resource_id.to_owned(),
        name: name.into_string(),
        description,
        parameters,
    };
    resources::insert_right(db, &row)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AccessError::DuplicateRight(row.name.clone()),
            other => other.into(),
        })?;
    Ok(row.into())
}

/// A resource's rights, by name.
pub async fn list_rights(db: &Db, resource_id: &str) -> Result<Vec<Right>, AccessError> {
    existing_resource(db, resource_id).await?;
    Ok(resources::find_rights(db, resource_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Deletes a right from the catalog, and from every role holding it.
pub async fn delete_right(db: &Db, right_id: &str) -> Result<(), AccessError> {
    if !resources::delete_right(db, right_id).await? {
        return Err(AccessError::UnknownRight(right_id.to_owned()));
    }
    Ok(())
}

/// Creates a role for a resource; it holds no right until some are added.
pub async fn create_role(
    db: &Db,
    resource_id: &str,
    name: &str,
    description_text: &str,
) -> Result<Role, AccessError> {
    let name: RoleName = name.parse()?;
    let description = description(description_text)?;
    existing_resource(db, resource_id).await?;
    let row = RoleRow {
        id: uuid::Uuid::new_v4().to_string(),
        resource_id: resource_id.to_owned(),
        name: name.into_string(),
        description,
    };
    resources::insert_role(db, &row)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AccessError::DuplicateRole(row.name.clone()),
            other => other.into(),
        })?;
    Ok(row.into())
}

/// A resource's roles, by name.
pub async fn list_roles(db: &Db, resource_id: &str) -> Result<Vec<Role>, AccessError> {
    existing_resource(db, resource_id).await?;
    Ok(resources::find_roles(db, resource_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn find_role(db: &Db, role_id: &str) -> Result<Option<Role>, AccessError> {
    Ok(resources::find_role(db, role_id).await?.map(Into::into))
}

/// Deletes a role with its grants.
pub async fn delete_role(db: &Db, role_id: &str) -> Result<(), AccessError> {
    if !resources::delete_role(db, role_id).await? {
        return Err(AccessError::UnknownRole(role_id.to_owned()));
    }
    Ok(())
}

/// Checks a role's constraints on a right: every parameter must be one the right declares,
/// and allow 1 or more values of 1 to 200 characters.
fn check_constraints(
    right: &RightRow,
    constraints: Constraints,
) -> Result<Constraints, AccessError> {
    for (parameter, values) in &constraints {
        if !right.parameters.contains(parameter) {
            let declared = if right.parameters.is_empty() {
                "none".to_owned()
            } else {
                right
                    .parameters
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(AccessError::UnknownParameter {
                right: right.name.clone(),
                parameter: parameter.clone(),
                declared,
            });
        }
        if values.is_empty() {
            return Err(AccessError::EmptyConstraint(parameter.clone()));
        }
        if !values.iter().all(|v| is_constraint_value(v)) {
            return Err(AccessError::InvalidConstraintValue(parameter.clone()));
        }
    }
    Ok(constraints)
}

/// Adds a right to a role (both of the same resource), constrained by `constraints`
/// (e.g. `{"region": {"eu"}}`; an empty map leaves the right unconstrained).
pub async fn add_role_right(
    db: &Db,
    role_id: &str,
    right_id: &str,
    constraints: Constraints,
) -> Result<RoleRight, AccessError> {
    let role = resources::find_role(db, role_id)
        .await?
        .ok_or_else(|| AccessError::UnknownRole(role_id.to_owned()))?;
    let right = resources::find_right(db, right_id)
        .await?
        .ok_or_else(|| AccessError::UnknownRight(right_id.to_owned()))?;
    if right.resource_id != role.resource_id {
        return Err(AccessError::ForeignRight {
            right: right.name,
            role: role.name,
        });
    }
    let row = RoleRightRow {
        role_id: role.id,
        right_id: right.id.clone(),
        constraints: check_constraints(&right, constraints)?,
    };
    resources::insert_role_right(db, &row)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AccessError::RightAlreadyInRole(right.name.clone()),
            other => other.into(),
        })?;
    Ok(RoleRight {
        right_id: right.id,
        right: right.name,
        constraints: row.constraints,
    })
}

/// Takes a right out of a role.
pub async fn remove_role_right(db: &Db, role_id: &str, right_id: &str) -> Result<(), AccessError> {
    if resources::find_role(db, role_id).await?.is_none() {
        return Err(AccessError::UnknownRole(role_id.to_owned()));
    }
    if !resources::delete_role_right(db, role_id, right_id).await? {
        return Err(AccessError::RightNotInRole(right_id.to_owned()));
    }
    Ok(())
}

/// The rights in a role, by name.
pub async fn list_role_rights(db: &Db, role_id: &str) -> Result<Vec<RoleRight>, AccessError> {
    if resources::find_role(db, role_id).await?.is_none() {
        return Err(AccessError::UnknownRole(role_id.to_owned()));
    }
    Ok(resources::find_role_rights(db, &[role_id.to_owned()])
        .await?
        .into_iter()
        .map(|(link, right)| RoleRight {
            right_id: right.id,
            right: right.name,
            constraints: link.constraints,
        })
        .collect())
}

#[cfg(test)]
mod tests;
