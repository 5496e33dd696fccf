//! The apps a developer may see on the dashboard: those they own, those of the organizations
//! they administer, and those shared with them. Each is kept only if `access::app_permission`,
//! the one rule of who may do what, lets them at least read it.

use std::collections::{BTreeMap, BTreeSet};

use crate::access::{self, AccessError, OrgRole, Permission};
use crate::apps::{self, AppError, AppSummary};
use crate::state::AppState;

/// An app in the developer's list, with what they may do with it.
pub struct ListedApp {
    pub app: AppSummary,
    pub permission: Permission,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Every app the developer may read, oldest first.
pub async fn readable_apps(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<ListedApp>, CatalogError> {
    let db = &state.dbs.ops;
    let mut known: BTreeMap<String, AppSummary> = apps::list_owned_apps(db, user_id)
        .await?
        .into_iter()
        .map(|app| (app.client_id.clone(), app))
        .collect();
    let mut candidates: BTreeSet<String> = known.keys().cloned().collect();
    // Org members other than admins see only what is shared with them.
    for membership in access::list_user_orgs(db, user_id).await? {
        if membership.role == OrgRole::Admin {
            candidates.extend(access::list_org_apps(db, &membership.org.id).await?);
        }
    }
    candidates.extend(
        access::list_user_shares(db, user_id)
            .await?
            .into_iter()
            .map(|share| share.client_id),
    );
    let mut listed = Vec::with_capacity(candidates.len());
    for client_id in candidates {
        // A share with a guest, say, may give less than it says: the rule decides.
        let permission = access::app_permission(db, user_id, &client_id).await?;
        if !permission.can_read() {
            continue;
        }
        let app = match known.remove(&client_id) {
            Some(app) => app,
            None => match apps::find_app(db, &client_id).await? {
                Some(app) => app,
                // Deleted since it was listed.
                None => continue,
            },
        };
        listed.push(ListedApp { app, permission });
    }
    listed.sort_by(|a, b| {
        (a.app.created_at, &a.app.client_id).cmp(&(b.app.created_at, &b.app.client_id))
    });
    Ok(listed)
}
