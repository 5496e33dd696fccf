//! The verified claims of a Tessera access token: RFC 9068 §2.2 plus Tessera's access claims
//! (`org`, `roles`, `rights`; README "Access claims").

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// The claims of an access token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub jti: String,
    pub client_id: String,
    /// Space-separated scopes (RFC 9068 §2.2.3, RFC 6749 §3.3); see [`AccessClaims::scopes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The app's organization, present only when the subject belongs to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Roles granted at this token's audience; empty without a grant or without a resource.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Rights granted at this token's audience, with their parameter constraints.
    #[serde(default)]
    pub rights: Rights,
}

impl AccessClaims {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_ascii_whitespace()
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// Whether `role` was granted.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// RFC 7519 §4.1.3: `aud` is one string or an array of strings; kept as a list either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Audience(Vec<String>);

impl Audience {
    pub fn contains(&self, audience: &str) -> bool {
        self.0.iter().any(|a| a == audience)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(a) => Self(vec![a]),
            OneOrMany::Many(a) => Self(a),
        })
    }
}

/// Each granted right and its constraints: `{"reports:read": {"region": ["eu"]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rights(BTreeMap<String, Constraints>);

impl Rights {
    /// The constraints of `right`, or `None` when it was not granted.
    pub fn get(&self, right: &str) -> Option<&Constraints> {
        self.0.get(right)
    }

    /// Whether `right` was granted (with or without constraints).
    pub fn contains(&self, right: &str) -> bool {
        self.0.contains_key(right)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Constraints)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Parameter -> allowed values for one right. A parameter that is absent is unconstrained;
/// an empty map means the right holds without constraints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Constraints(BTreeMap<String, Vec<String>>);

impl Constraints {
    /// Whether the right holds for `parameter` = `value`.
    pub fn allows(&self, parameter: &str, value: &str) -> bool {
        self.0
            .get(parameter)
            .is_none_or(|allowed| allowed.iter().any(|v| v == value))
    }

    /// The allowed values of `parameter`, or `None` when it is unconstrained.
    pub fn values(&self, parameter: &str) -> Option<&[String]> {
        self.0.get(parameter).map(Vec::as_slice)
    }

    pub fn is_unconstrained(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(extra: serde_json::Value) -> AccessClaims {
        let mut value = json!({
            "iss": "https://id.example.com", "sub": "u1", "aud": "https://id.example.com",
            "exp": 2, "iat": 1, "jti": "j", "client_id": "c",
        });
        if let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_the_access_claims_of_the_readme_example() {
        let c = claims(json!({
            "aud": "https://api.example.com/reports",
            "scope": "openid reports",
            "org": "4f9c0a6e-1b3d-4c55-9a0e-2d7f7d7c2a10",
            "roles": ["analyst"],
            "rights": { "reports:read": { "region": ["eu"] }, "reports:write": {} }
        }));
        assert!(c.aud.contains("https://api.example.com/reports"));
        assert!(c.has_scope("reports") && !c.has_scope("report"));
        assert_eq!(
            c.org.as_deref(),
            Some("4f9c0a6e-1b3d-4c55-9a0e-2d7f7d7c2a10")
        );
        assert!(c.has_role("analyst"));
        let read = c.rights.get("reports:read").unwrap();
        assert!(read.allows("region", "eu"));
        assert!(!read.allows("region", "us"));
        assert!(
            read.allows("station_id", "42"),
            "an absent parameter is unconstrained"
        );
        assert!(c.rights.get("reports:write").unwrap().is_unconstrained());
        assert!(!c.rights.contains("reports:delete"));
    }

    #[test]
    fn a_token_without_a_resource_has_no_access_claims_and_aud_may_be_an_array() {
        let c = claims(json!({ "aud": ["a", "b"] }));
        assert_eq!(c.aud.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(c.org.is_none() && c.roles.is_empty() && c.rights.is_empty());
    }
}
