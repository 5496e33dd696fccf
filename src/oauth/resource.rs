//! Resource indicators (RFC 8707): which resource (API) a token is for, and the access claims
//! (`org`, `roles`, `rights`) the subject holds there (DESIGN.md "Access model"). The resource
//! is read once per token, with its token encryption key, so a changed key applies at once.

use url::Url;

use super::OAuthError;
use crate::access::{self, Resource, Subject, TokenAccess};
use crate::apps::RegisteredApp;
use crate::store::Db;

/// RFC 8707 §2: an absolute URI without a fragment.
pub fn parse_resource(raw: &str) -> Result<String, OAuthError> {
    match Url::parse(raw) {
        Ok(url) if url.fragment().is_none() && !raw.contains('#') => Ok(raw.to_owned()),
        _ => Err(OAuthError::InvalidTarget(
            "resource must be an absolute URI without a fragment".into(),
        )),
    }
}

/// The resource of a token: the one `granted` at authorization (codes and refresh tokens carry
/// it), else the app's default. A `requested` resource must be that one: a grant never widens to
/// another API. `None`: a token for Tessera itself (no resource involved).
pub async fn for_user_grant(
    db: &Db,
    app: &RegisteredApp,
    granted: Option<&str>,
    requested: Option<&str>,
) -> Result<Option<Resource>, OAuthError> {
    let effective = granted.or(app.default_resource.as_deref());
    match (requested, effective) {
        (Some(requested), Some(effective)) if requested == effective => {}
        (Some(_), _) => {
            return Err(OAuthError::InvalidTarget(
                "resource differs from the one this grant is for".into(),
            ))
        }
        (None, _) => {}
    }
    registered(db, effective).await
}

/// The resource of a client-credentials token: the requested one, else the app's default.
pub async fn for_app(
    db: &Db,
    app: &RegisteredApp,
    requested: Option<&str>,
) -> Result<Option<Resource>, OAuthError> {
    let requested = requested.map(parse_resource).transpose()?;
    registered(db, requested.as_deref().or(app.default_resource.as_deref())).await
}

/// The registered resource of this identifier, in one indexed read (its unique identifier).
async fn registered(db: &Db, resource: Option<&str>) -> Result<Option<Resource>, OAuthError> {
    let Some(resource) = resource else {
        return Ok(None);
    };
    match access::find_resource_by_identifier(db, resource)
        .await
        .map_err(OAuthError::internal)?
    {
        Some(found) => Ok(Some(found)),
        None => Err(OAuthError::InvalidTarget(format!(
            "`{resource}` is not a registered resource"
        ))),
    }
}

/// The subject's roles and rights at `resource`, in the app's organization.
pub async fn claims(
    db: &Db,
    subject: Subject,
    resource: &Resource,
    app: &RegisteredApp,
) -> Result<TokenAccess, OAuthError> {
    access::resource_access(db, subject, &resource.id, app.org_id.as_deref())
        .await
        .map_err(OAuthError::internal)
}
