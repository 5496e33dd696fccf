//! What an access token for a resource carries: the subject's organization, roles and rights
//! (DESIGN.md "Access model"), in a compact JSON form that `tessera-guard` enforces.
//!
//! The claims, beside `aud` = the resource's identifier:
//!
//! ```json
//! {
//!   "org": "9b2f…",                      // omitted when the token is for no organization
//!   "roles": ["analyst", "viewer"],      // sorted role names
//!   "rights": {                          // right name -> parameter constraints
//!     "reports:read": {"region": ["eu"]},  // only these values of `region` are allowed
//!     "reports:write": {}                  // no constraint: any parameter value
//!   }
//! }
//! ```
//!
//! A parameter absent from a right's object is unconstrained; a listed one allows exactly the
//! (sorted) values listed. A resource nobody was granted yields `"roles": []` and
//! `"rights": {}` (default deny).

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AccessError, Constraints, Subject};
use crate::store::{app_access, grants, organizations, resources, Db};

/// The access claims of one token: see the module documentation for the JSON form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAccess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub roles: Vec<String>,
    pub rights: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// The access a token for `resource_identifier` gives `subject`, acting for `org_id` if given.
///
/// - The roles are those of the resource granted to the subject globally, plus, when the token
///   is for an organization, those granted for that organization. A grant for another
///   organization never applies.
/// - The organization counts only when the subject belongs to it (a user is a member; an app
///   was assigned to it); otherwise the token is for no organization (`org` is `None`).
/// - The rights are the union over the roles; see [`merge_rights`] for their constraints.
/// - An unknown resource, or one granted to nobody, gives no role and no right.
pub async fn token_access(
    db: &Db,
    subject: Subject,
    resource_identifier: &str,
    org_id: Option<&str>,
) -> Result<TokenAccess, AccessError> {
    let Some(resource) = resources::find_resource_by_identifier(db, resource_identifier).await?
    else {
        let org = match org_id {
            Some(org) if belongs(db, &subject, org).await? => Some(org.to_owned()),
            _ => None,
        };
        return Ok(TokenAccess {
            org,
            ..TokenAccess::default()
        });
    };
    resource_access(db, subject, &resource.id, org_id).await
}

/// [`token_access`] for a resource already read (the token endpoint has it), by its id.
pub async fn resource_access(
    db: &Db,
    subject: Subject,
    resource_id: &str,
    org_id: Option<&str>,
) -> Result<TokenAccess, AccessError> {
    let org = match org_id {
        Some(org) if belongs(db, &subject, org).await? => Some(org),
        _ => None,
    };
    let mut access = TokenAccess {
        org: org.map(str::to_owned),
        ..TokenAccess::default()
    };
    let roles =
        grants::find_granted_roles(db, resource_id, subject.kind(), subject.id(), org).await?;
    let role_ids: Vec<String> = roles.iter().map(|r| r.id.clone()).collect();
    let links = resources::find_role_rights(db, &role_ids).await?;
    access.rights = merge_rights(
        links
            .iter()
            .map(|(link, right)| (right.name.as_str(), &link.constraints)),
    );
    access.roles = roles.into_iter().map(|r| r.name).collect();
    access.roles.sort();
    access.roles.dedup();
    Ok(access)
}

/// Whether the subject may act for the organization.
async fn belongs(db: &Db, subject: &Subject, org_id: &str) -> Result<bool, AccessError> {
    Ok(match subject {
        Subject::User(user) => organizations::find_member(db, org_id, user)
            .await?
            .is_some(),
        Subject::App(app) => {
            app_access::find_app_access(db, app)
                .await?
                .org_id
                .as_deref()
                == Some(org_id)
        }
    })
}

/// Merges the rights of several roles. A right held through several roles keeps a parameter
/// constrained only when every one of them constrains it, to the union of their values: a role
/// that leaves a parameter unconstrained allows every value, so the union is unconstrained.
pub fn merge_rights<'a>(
    held: impl IntoIterator<Item = (&'a str, &'a Constraints)>,
) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut merged: BTreeMap<String, Constraints> = BTreeMap::new();
    for (right, constraints) in held {
        match merged.entry(right.to_owned()) {
            Entry::Vacant(slot) => {
                slot.insert(constraints.clone());
            }
            Entry::Occupied(mut slot) => {
                slot.get_mut()
                    .retain(|parameter, values| match constraints.get(parameter) {
                        Some(more) => {
                            values.extend(more.iter().cloned());
                            true
                        }
                        None => false,
                    });
            }
        }
    }
    merged
        .into_iter()
        .map(|(right, constraints)| {
            let constraints = constraints
                .into_iter()
                .map(|(parameter, values)| (parameter, values.into_iter().collect()))
                .collect();
            (right, constraints)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pairs: &[(&str, &[&str])]) -> Constraints {
        pairs
            .iter()
            .map(|(p, vs)| {
                (
                    (*p).to_owned(),
                    vs.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect()
    }

    fn json(rights: &BTreeMap<String, BTreeMap<String, Vec<String>>>) -> serde_json::Value {
        serde_json::to_value(rights).unwrap()
    }

    #[test]
    fn one_role_keeps_its_constraints() {
        let eu = c(&[("region", &["eu"])]);
        let none = Constraints::new();
        let merged = merge_rights([("reports:read", &eu), ("reports:write", &none)]);
        assert_eq!(
            json(&merged),
            serde_json::json!({"reports:read": {"region": ["eu"]}, "reports:write": {}})
        );
    }

    #[test]
    fn constrained_twice_is_the_union_of_values_sorted() {
        let a = c(&[("region", &["us", "eu"]), ("station_id", &["9"])]);
        let b = c(&[("region", &["apac", "eu"]), ("station_id", &["10", "1"])]);
        let merged = merge_rights([("reports:read", &a), ("reports:read", &b)]);
        assert_eq!(
            json(&merged),
            serde_json::json!({"reports:read": {
                "region": ["apac", "eu", "us"],
                "station_id": ["1", "10", "9"],
            }})
        );
    }

    #[test]
    fn unconstrained_in_any_role_is_unconstrained() {
        let a = c(&[("region", &["eu"]), ("station_id", &["7"])]);
        let b = c(&[("region", &["us"])]);
        let none = Constraints::new();
        let merged = merge_rights([("r", &a), ("r", &b)]);
        assert_eq!(
            json(&merged),
            serde_json::json!({"r": {"region": ["eu", "us"]}})
        );
        for order in [[("r", &a), ("r", &none)], [("r", &none), ("r", &a)]] {
            assert_eq!(json(&merge_rights(order)), serde_json::json!({"r": {}}));
        }
        let merged = merge_rights([("r", &a), ("r", &b), ("r", &none)]);
        assert_eq!(json(&merged), serde_json::json!({"r": {}}));
    }

    #[test]
    fn nothing_held_is_nothing_granted() {
        assert!(merge_rights([]).is_empty());
    }

    #[test]
    fn the_claims_are_compact_json() {
        let mut access = TokenAccess {
            org: Some("org-1".into()),
            roles: vec!["analyst".into()],
            rights: BTreeMap::new(),
        };
        access.rights.insert(
            "reports:read".into(),
            BTreeMap::from([("region".to_owned(), vec!["eu".to_owned()])]),
        );
        access
            .rights
            .insert("reports:write".into(), BTreeMap::new());
        assert_eq!(
            serde_json::to_string(&access).unwrap(),
            r#"{"org":"org-1","roles":["analyst"],"rights":{"reports:read":{"region":["eu"]},"reports:write":{}}}"#
        );
        let none = TokenAccess::default();
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"roles":[],"rights":{}}"#
        );
        let parsed: TokenAccess = serde_json::from_str(r#"{"roles":[],"rights":{}}"#).unwrap();
        assert_eq!(parsed, none);
    }
}
