//! Route policy, framework-free: (method, path pattern) -> public, or the rights a token must
//! hold, with path and query parameters bound to the rights' constraints. Default deny.
//!
//! Matching rule: a pattern matches a path with the same number of `/`-separated segments
//! where every literal segment equals the request's (percent-decoded) segment and every
//! `{name}` placeholder takes one non-empty segment. When several patterns match, the most
//! specific wins: the first segment (from the left) where they differ, literal beats
//! placeholder. So `/reports/latest` beats `/reports/{region}`, and `/a/{x}` beats `/{y}/b`.
//! Two routes with the same method and the same shape (`/r/{a}` and `/r/{b}`) are refused.

mod file;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode_str;

use crate::claims::AccessClaims;
use crate::error::{Forbidden, PolicyError};

/// An HTTP method. Methods are case-sensitive (RFC 9110 §9.1): parse `"GET"`, not `"get"`.
/// `HEAD` is its own method: list it if the service answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The method is not one of [`Method::ALL`] (or not upper case).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown method `{0}` (expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)")]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownMethod(s.to_owned()))
    }
}

/// Where a constrained parameter's value comes from in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// The segment taken by the path pattern's `{name}` placeholder.
    Path(String),
    /// Every value of the query parameter `name`; each must be allowed, and a request without
    /// it is refused when the right is constrained on it.
    Query(String),
}

impl Param {
    pub fn path(placeholder: impl Into<String>) -> Self {
        Self::Path(placeholder.into())
    }

    pub fn query(name: impl Into<String>) -> Self {
        Self::Query(name.into())
    }
}

/// One right a route requires, and which request values its constraints apply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    right: String,
    /// (constraint parameter, where its value is in the request)
    bindings: Vec<(String, Param)>,
}

impl Requirement {
    /// Requires `right` (e.g. `reports:read`), whatever its constraints.
    pub fn right(right: impl Into<String>) -> Self {
        Self {
            right: right.into(),
            bindings: Vec::new(),
        }
    }

    /// If the token's right is constrained on `parameter`, the value found at `source` must be
    /// one of the allowed values (compared exactly, after percent-decoding).
    pub fn bind(mut self, parameter: impl Into<String>, source: Param) -> Self {
        self.bindings.push((parameter.into(), source));
        self
    }

    /// Binds `parameter` to the path placeholder of the same name.
    pub fn bind_path(self, parameter: impl Into<String>) -> Self {
        let parameter = parameter.into();
        let source = Param::Path(parameter.clone());
        self.bind(parameter, source)
    }

    /// Binds `parameter` to the query parameter of the same name.
    pub fn bind_query(self, parameter: impl Into<String>) -> Self {
        let parameter = parameter.into();
        let source = Param::Query(parameter.clone());
        self.bind(parameter, source)
    }
}

/// What the policy says about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A public route: no token needed (one that is sent is not looked at).
    Public,
    /// The token holds every right the route requires, for the request's parameter values.
    Allowed,
    /// A protected route and no token was given: answer `401`.
    NeedsToken,
    /// Refused: `403` (see [`Forbidden::status`] and [`Forbidden::error_code`]).
    Denied(Forbidden),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Placeholder(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    Public,
    /// Every requirement must hold; none means any valid token.
    Token(Vec<Requirement>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    method: Method,
    pattern: String,
    segments: Vec<Segment>,
    access: Access,
}

impl Route {
    fn new(method: Method, pattern: String, access: Access) -> Result<Self, PolicyError> {
        let route_error = |reason: String| PolicyError::Route {
            route: format!("{method} {pattern}"),
            reason,
        };
        let segments = parse_pattern(&pattern).map_err(route_error)?;
        if let Access::Token(requirements) = &access {
            for requirement in requirements {
                check_requirement(requirement, &segments).map_err(route_error)?;
            }
        }
        Ok(Self {
            method,
            pattern,
            segments,
            access,
        })
    }

    /// `true` per literal segment: compared lexicographically, the greater is more specific.
    fn shape(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|s| matches!(s, Segment::Literal(_)))
            .collect()
    }

    /// The placeholders' values when `path` (decoded segments) matches.
    fn captures<'p>(&self, path: &'p [Option<Cow<'p, str>>]) -> Option<Vec<(&str, &'p str)>> {
        if path.len() != self.segments.len() {
            return None;
        }
        let mut captures = Vec::new();
        for (segment, value) in self.segments.iter().zip(path) {
            let value = value.as_deref()?;
            match segment {
                Segment::Literal(literal) if literal == value => {}
                Segment::Placeholder(name) if !value.is_empty() => {
                    captures.push((name.as_str(), value))
                }
                _ => return None,
            }
        }
        Some(captures)
    }
}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, String> {
    let Some(rest) = pattern.strip_prefix('/') else {
        return Err("the path must start with `/`".into());
    };
    if pattern.contains(['?', '#']) {
        return Err("the path must not have a query or fragment".into());
    }
    let mut segments: Vec<Segment> = Vec::new();
    for segment in rest.split('/') {
        let parsed = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!("bad placeholder `{segment}`"));
                }
                if segments.contains(&Segment::Placeholder(name.to_owned())) {
                    return Err(format!("placeholder `{{{name}}}` appears twice"));
                }
                Segment::Placeholder(name.to_owned())
            }
            None if segment.contains(['{', '}']) => {
                return Err(format!(
                    "`{segment}`: a placeholder must be a whole segment"
                ));
            }
            None => Segment::Literal(segment.to_owned()),
        };
        segments.push(parsed);
    }
    Ok(segments)
}

fn check_requirement(requirement: &Requirement, segments: &[Segment]) -> Result<(), String> {
    let right = &requirement.right;
    if right.is_empty() || right.contains(char::is_whitespace) {
        return Err(format!(
            "right `{right}` must be non-empty and without spaces"
        ));
    }
    for (parameter, source) in &requirement.bindings {
        if parameter.is_empty() {
            return Err(format!("`{right}` binds an empty parameter name"));
        }
        match source {
            Param::Path(name) if !segments.contains(&Segment::Placeholder(name.clone())) => {
                return Err(format!(
                    "`{right}` binds `{parameter}` to `{{{name}}}`, which the path does not have"
                ));
            }
            Param::Query(name) if name.is_empty() => {
                return Err(format!(
                    "`{right}` binds `{parameter}` to an empty query parameter name"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Routes -> public, or the rights a token must hold. Build it with [`Policy::builder`] or
/// load it with [`Policy::from_toml_str`] / [`Policy::from_toml_file`]; see the module
/// documentation for how routes match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    routes: Vec<Route>,
}

impl Policy {
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Decides one request. `path` is the request path without query (percent-encoded as
    /// received), `query` the raw query string without `?` (`""` when none), `claims` the
    /// token's verified claims, `None` when the request has no token.
    pub fn decide(
        &self,
        method: Method,
        path: &str,
        query: &str,
        claims: Option<&AccessClaims>,
    ) -> Decision {
        let Some(rest) = path.strip_prefix('/') else {
            return Decision::Denied(Forbidden::NoRoute);
        };
        // A segment that does not decode to UTF-8 matches nothing.
        let segments: Vec<Option<Cow<'_, str>>> = rest
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8().ok())
            .collect();
        let best = self
            .routes
            .iter()
            .filter(|r| r.method == method)
            .filter_map(|r| Some((r, r.captures(&segments)?)))
            .max_by_key(|(r, _)| r.shape());
        let Some((route, captures)) = best else {
            return Decision::Denied(Forbidden::NoRoute);
        };
        let requirements = match &route.access {
            Access::Public => return Decision::Public,
            Access::Token(requirements) => requirements,
        };
        let Some(claims) = claims else {
            return Decision::NeedsToken;
        };
        for requirement in requirements {
            if let Err(forbidden) = check(requirement, claims, &captures, query) {
                return Decision::Denied(forbidden);
            }
        }
        Decision::Allowed
    }
}

fn check(
    requirement: &Requirement,
    claims: &AccessClaims,
    captures: &[(&str, &str)],
    query: &str,
) -> Result<(), Forbidden> {
    let right = &requirement.right;
    let Some(constraints) = claims.rights.get(right) else {
        return Err(Forbidden::MissingRight {
            right: right.clone(),
        });
    };
    for (parameter, source) in &requirement.bindings {
        let Some(allowed) = constraints.values(parameter) else {
            continue;
        };
        let not_allowed = || Forbidden::ParameterNotAllowed {
            right: right.clone(),
            parameter: parameter.clone(),
        };
        let values: Vec<Option<String>> = match source {
            Param::Path(name) => captures
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| Some((*v).to_owned()))
                .collect(),
            Param::Query(name) => query_values(query, name),
        };
        if values.is_empty() {
            return Err(Forbidden::MissingParameter {
                right: right.clone(),
                parameter: parameter.clone(),
            });
        }
        for value in values {
            match value {
                Some(value) if allowed.contains(&value) => {}
                _ => return Err(not_allowed()),
            }
        }
    }
    Ok(())
}

/// Every value of `name` in a form-encoded query (`+` is a space); `None` for a value that
/// does not decode to UTF-8.
fn query_values(query: &str, name: &str) -> Vec<Option<String>> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(Cow::into_owned)
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(key, _)| decode(key).as_deref() == Some(name))
        .map(|(_, value)| decode(value))
        .collect()
}

/// Collects routes; [`PolicyBuilder::build`] checks them all.
#[derive(Debug, Default)]
pub struct PolicyBuilder {
    routes: Vec<(Method, String, Access)>,
}

impl PolicyBuilder {
    /// A route anybody may call, with or without a token.
    pub fn public(mut self, method: Method, pattern: impl Into<String>) -> Self {
        self.routes.push((method, pattern.into(), Access::Public));
        self
    }

    /// A route that needs a valid token holding every one of `requirements` (none: any valid
    /// token).
    pub fn route(
        mut self,
        method: Method,
        pattern: impl Into<String>,
        requirements: impl IntoIterator<Item = Requirement>,
    ) -> Self {
        let access = Access::Token(requirements.into_iter().collect());
        self.routes.push((method, pattern.into(), access));
        self
    }

    /// Fails on the first bad route: a pattern that is not `/`-rooted or has a malformed or
    /// repeated placeholder, an empty right, a binding to a placeholder the path does not
    /// have, or a second route with the same method and shape.
    pub fn build(self) -> Result<Policy, PolicyError> {
        let mut routes: Vec<Route> = Vec::with_capacity(self.routes.len());
        for (method, pattern, access) in self.routes {
            let route = Route::new(method, pattern, access)?;
            let same_shape = |other: &&Route| {
                other.method == route.method
                    && other.segments.len() == route.segments.len()
                    && other
                        .segments
                        .iter()
                        .zip(&route.segments)
                        .all(|pair| match pair {
                            (Segment::Literal(a), Segment::Literal(b)) => a == b,
                            (Segment::Placeholder(_), Segment::Placeholder(_)) => true,
                            _ => false,
                        })
            };
            if let Some(other) = routes.iter().find(same_shape) {
                return Err(PolicyError::Route {
                    route: format!("{} {}", route.method, route.pattern),
                    reason: format!("matches the same requests as `{}`", other.pattern),
                });
            }
            routes.push(route);
        }
        Ok(Policy { routes })
    }
}
