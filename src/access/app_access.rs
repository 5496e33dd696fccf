//! An app's place in the access model: the organization it belongs to and the resource its
//! tokens are for when a request names none.

use std::sync::Arc;

use serde::Serialize;

use super::{AccessError, ResourceIdentifier};
use crate::clock::Clock;
use crate::store::app_access::{self, AppOrgChange};
use crate::store::resources;
use crate::store::Db;

/// An app's organization and default resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppAccess {
    pub client_id: String,
    pub org_id: Option<String>,
    /// The identifier of the resource (the `aud`) of tokens requested without one.
    pub default_resource: Option<String>,
}

/// Puts an app in an organization (`Some`), or takes it out of any (`None`).
pub async fn assign_app_to_org(
    db: &Db,
    clock: &Arc<dyn Clock>,
    client_id: &str,
    org_id: Option<&str>,
) -> Result<(), AccessError> {
    match app_access::update_app_org(db, client_id, org_id, clock.now()).await? {
        AppOrgChange::Done => Ok(()),
        AppOrgChange::NoApp => Err(AccessError::UnknownApp(client_id.to_owned())),
        AppOrgChange::NoOrg => Err(AccessError::UnknownOrg(
            org_id.unwrap_or_default().to_owned(),
        )),
    }
}

/// Sets (to a registered resource) or clears an app's default resource.
pub async fn set_default_resource(
    db: &Db,
    clock: &Arc<dyn Clock>,
    client_id: &str,
    identifier: Option<&str>,
) -> Result<(), AccessError> {
    let identifier = identifier
        .map(str::parse::<ResourceIdentifier>)
        .transpose()?;
    if let Some(identifier) = &identifier {
        if resources::find_resource_by_identifier(db, identifier.as_str())
            .await?
            .is_none()
        {
            return Err(AccessError::UnknownResource(identifier.to_string()));
        }
    }
    let identifier = identifier.as_ref().map(ResourceIdentifier::as_str);
    if !app_access::update_app_default_resource(db, client_id, identifier, clock.now()).await? {
        return Err(AccessError::UnknownApp(client_id.to_owned()));
    }
    Ok(())
}

/// An app's organization and default resource (both `None` when never set).
pub async fn find_app_access(db: &Db, client_id: &str) -> Result<AppAccess, AccessError> {
    let row = app_access::find_app_access(db, client_id).await?;
    Ok(AppAccess {
        client_id: row.app_id,
        org_id: row.org_id,
        default_resource: row.default_resource,
    })
}

/// The client ids of an organization's apps.
pub async fn list_org_apps(db: &Db, org_id: &str) -> Result<Vec<String>, AccessError> {
    if crate::store::organizations::find_org(db, org_id)
        .await?
        .is_none()
    {
        return Err(AccessError::UnknownOrg(org_id.to_owned()));
    }
    Ok(app_access::find_org_app_ids(db, org_id).await?)
}
