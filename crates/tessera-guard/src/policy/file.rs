//! Loads a [`Policy`] from TOML (format in the crate README, "Route policy"). Unknown keys are
//! errors, so a typo (`publc = true`) cannot silently turn a route into something else.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{Access, Param, Policy, PolicyBuilder, Requirement};
use crate::error::PolicyError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    route: Vec<RouteEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteEntry {
    method: String,
    path: String,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    require: Option<Vec<RequireEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequireEntry {
    right: String,
    /// constraint parameter -> `"path"`, `"query"`, `"path:NAME"` or `"query:NAME"`
    #[serde(default)]
    bind: BTreeMap<String, String>,
}

impl Policy {
    /// Parses a policy from TOML; fails with the route's method and path on a bad route.
    pub fn from_toml_str(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = toml::from_str(text)?;
        let mut builder = PolicyBuilder::default();
        for entry in file.route {
            let route_error = |reason: String| PolicyError::Route {
                route: format!("{} {}", entry.method, entry.path),
                reason,
            };
            let method = entry
                .method
                .parse()
                .map_err(|e: super::UnknownMethod| route_error(e.to_string()))?;
            let access = match (entry.public, entry.require) {
                (true, Some(_)) => {
                    return Err(route_error("a public route cannot `require` rights".into()))
                }
                (true, None) => Access::Public,
                (false, require) => Access::Token(
                    require
                        .unwrap_or_default()
                        .into_iter()
                        .map(requirement)
                        .collect::<Result<_, _>>()
                        .map_err(route_error)?,
                ),
            };
            builder.routes.push((method, entry.path, access));
        }
        builder.build()
    }

    /// Reads and parses a TOML policy file.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text)
    }
}

fn requirement(entry: RequireEntry) -> Result<Requirement, String> {
    let mut requirement = Requirement::right(&entry.right);
    for (parameter, source) in entry.bind {
        let (kind, name) = source.split_once(':').unwrap_or((&source, &parameter));
        let source = match kind {
            "path" => Param::path(name),
            "query" => Param::query(name),
            _ => {
                return Err(format!(
                    "`{}` binds `{parameter}` to `{source}`; expected \"path\", \"query\", \
                     \"path:NAME\" or \"query:NAME\"",
                    entry.right
                ))
            }
        };
        requirement = requirement.bind(parameter, source);
    }
    Ok(requirement)
}
