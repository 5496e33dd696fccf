//! Policy decisions on a small reports API, built in code and loaded from TOML.

use serde_json::{json, Value};

use super::*;

fn claims(rights: Value) -> AccessClaims {
    serde_json::from_value(json!({
        "iss": "https://id.example.com", "sub": "u1", "aud": "https://api.example.com/reports",
        "exp": 2, "iat": 1, "jti": "j", "client_id": "c", "rights": rights,
    }))
    .unwrap()
}

fn policy() -> Policy {
    Policy::builder()
        .public(Method::Get, "/health")
        .route(
            Method::Get,
            "/reports/{region}",
            [Requirement::right("reports:read").bind_path("region")],
        )
        .route(
            Method::Get,
            "/reports/latest",
            [Requirement::right("reports:latest")],
        )
        .route(
            Method::Get,
            "/stations",
            [Requirement::right("stations:read").bind("station_id", Param::query("id"))],
        )
        .route(
            Method::Post,
            "/reports",
            [Requirement::right("reports:write")],
        )
        .route(Method::Get, "/me", [])
        .build()
        .unwrap()
}

const TOML: &str = r#"
[[route]]
method = "GET"
path = "/health"
public = true

[[route]]
method = "GET"
path = "/reports/{region}"
require = [{ right = "reports:read", bind = { region = "path" } }]

[[route]]
method = "GET"
path = "/reports/latest"
require = [{ right = "reports:latest" }]

[[route]]
method = "GET"
path = "/stations"
require = [{ right = "stations:read", bind = { station_id = "query:id" } }]

[[route]]
method = "POST"
path = "/reports"
require = [{ right = "reports:write" }]

[[route]]
method = "GET"
path = "/me"
"#;

fn denied(f: Forbidden) -> Decision {
    Decision::Denied(f)
}

fn missing_right(right: &str) -> Decision {
    denied(Forbidden::MissingRight {
        right: right.into(),
    })
}

fn not_allowed(right: &str, parameter: &str) -> Decision {
    denied(Forbidden::ParameterNotAllowed {
        right: right.into(),
        parameter: parameter.into(),
    })
}

/// (method, path, query, rights or None for no token, expected decision)
fn cases() -> Vec<(Method, &'static str, &'static str, Option<Value>, Decision)> {
    let eu = json!({ "reports:read": { "region": ["eu"] } });
    let any_region = json!({ "reports:read": {}, "reports:write": {} });
    let station_42 = json!({ "stations:read": { "station_id": ["42", "a b"] } });
    vec![
        // public, with or without a token
        (Method::Get, "/health", "", None, Decision::Public),
        (
            Method::Get,
            "/health",
            "",
            Some(json!({})),
            Decision::Public,
        ),
        // protected without a token
        (Method::Get, "/reports/eu", "", None, Decision::NeedsToken),
        (Method::Get, "/me", "", None, Decision::NeedsToken),
        // a route without rights takes any valid token
        (Method::Get, "/me", "", Some(json!({})), Decision::Allowed),
        // right missing
        (
            Method::Post,
            "/reports",
            "",
            Some(eu.clone()),
            missing_right("reports:write"),
        ),
        (
            Method::Get,
            "/reports/eu",
            "",
            Some(json!({})),
            missing_right("reports:read"),
        ),
        // constrained right
        (
            Method::Get,
            "/reports/eu",
            "",
            Some(eu.clone()),
            Decision::Allowed,
        ),
        (
            Method::Get,
            "/reports/us",
            "",
            Some(eu.clone()),
            not_allowed("reports:read", "region"),
        ),
        // percent-decoded, compared exactly
        (
            Method::Get,
            "/reports/%65u",
            "",
            Some(eu.clone()),
            Decision::Allowed,
        ),
        (
            Method::Get,
            "/reports/EU",
            "",
            Some(eu.clone()),
            not_allowed("reports:read", "region"),
        ),
        // unconstrained right: any value
        (
            Method::Get,
            "/reports/us",
            "",
            Some(any_region.clone()),
            Decision::Allowed,
        ),
        (
            Method::Post,
            "/reports",
            "",
            Some(any_region.clone()),
            Decision::Allowed,
        ),
        // query binding: allowed, denied, missing, every repeated value checked, `+` is a space
        (
            Method::Get,
            "/stations",
            "id=42",
            Some(station_42.clone()),
            Decision::Allowed,
        ),
        (
            Method::Get,
            "/stations",
            "x=1&id=a+b",
            Some(station_42.clone()),
            Decision::Allowed,
        ),
        (
            Method::Get,
            "/stations",
            "id=7",
            Some(station_42.clone()),
            not_allowed("stations:read", "station_id"),
        ),
        (
            Method::Get,
            "/stations",
            "id=42&id=7",
            Some(station_42.clone()),
            not_allowed("stations:read", "station_id"),
        ),
        (
            Method::Get,
            "/stations",
            "",
            Some(station_42.clone()),
            denied(Forbidden::MissingParameter {
                right: "stations:read".into(),
                parameter: "station_id".into(),
            }),
        ),
        (
            Method::Get,
            "/stations",
            "",
            Some(json!({ "stations:read": {} })),
            Decision::Allowed,
        ),
        // unmatched: other method, extra or missing segment, trailing slash, empty placeholder
        (
            Method::Delete,
            "/reports/eu",
            "",
            Some(any_region.clone()),
            denied(Forbidden::NoRoute),
        ),
        (
            Method::Get,
            "/reports/eu/x",
            "",
            Some(any_region.clone()),
            denied(Forbidden::NoRoute),
        ),
        (
            Method::Get,
            "/reports/",
            "",
            Some(any_region.clone()),
            denied(Forbidden::NoRoute),
        ),
        (
            Method::Get,
            "/health/",
            "",
            None,
            denied(Forbidden::NoRoute),
        ),
        (Method::Get, "/admin", "", None, denied(Forbidden::NoRoute)),
        (Method::Get, "health", "", None, denied(Forbidden::NoRoute)),
        (
            Method::Get,
            "/reports/%FF",
            "",
            Some(any_region.clone()),
            denied(Forbidden::NoRoute),
        ),
        // most specific: the literal `/reports/latest` beats `/reports/{region}`
        (
            Method::Get,
            "/reports/latest",
            "",
            Some(any_region.clone()),
            missing_right("reports:latest"),
        ),
        (
            Method::Get,
            "/reports/latest",
            "",
            Some(json!({ "reports:latest": { "region": ["eu"] } })),
            Decision::Allowed,
        ),
    ]
}

fn assert_decisions(policy: &Policy) {
    for (method, path, query, rights, expected) in cases() {
        let claims = rights.map(claims);
        assert_eq!(
            policy.decide(method, path, query, claims.as_ref()),
            expected,
            "{method} {path}?{query} with {claims:?}"
        );
    }
}

#[test]
fn decisions_of_a_policy_built_in_code() {
    assert_decisions(&policy());
}

#[test]
fn the_same_table_in_toml_gives_the_same_policy_and_decisions() {
    let loaded = Policy::from_toml_str(TOML).unwrap();
    assert_eq!(loaded, policy());
    assert_decisions(&loaded);
}

#[test]
fn loads_a_toml_file_and_names_a_missing_one() {
    let dir = std::env::temp_dir().join(format!("tessera-guard-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("policy.toml");
    std::fs::write(&file, TOML).unwrap();
    assert_eq!(Policy::from_toml_file(&file).unwrap(), policy());
    std::fs::remove_dir_all(&dir).unwrap();
    let err = Policy::from_toml_file(&file).unwrap_err();
    assert!(matches!(err, PolicyError::Read { .. }), "{err}");
    assert!(err.to_string().contains("policy.toml"), "{err}");
}

#[test]
fn the_leftmost_literal_wins_between_placeholder_patterns() {
    let policy = Policy::builder()
        .public(Method::Get, "/{y}/b")
        .route(Method::Get, "/a/{x}", [])
        .build()
        .unwrap();
    assert_eq!(
        policy.decide(Method::Get, "/a/b", "", None),
        Decision::NeedsToken
    );
    assert_eq!(
        policy.decide(Method::Get, "/z/b", "", None),
        Decision::Public
    );
}

fn route_error(toml: &str) -> (String, String) {
    match Policy::from_toml_str(toml) {
        Err(PolicyError::Route { route, reason }) => (route, reason),
        other => panic!("expected a route error, got {other:?}"),
    }
}

#[test]
fn bad_toml_routes_fail_naming_the_route() {
    let (route, reason) =
        route_error("[[route]]\nmethod = \"FETCH\"\npath = \"/x\"\npublic = true\n");
    assert_eq!(route, "FETCH /x");
    assert!(reason.contains("unknown method `FETCH`"), "{reason}");

    let (route, reason) = route_error(
        "[[route]]\nmethod = \"GET\"\npath = \"/reports/{region}\"\n\
         require = [{ right = \"reports:read\", bind = { region = \"path:area\" } }]\n",
    );
    assert_eq!(route, "GET /reports/{region}");
    assert!(
        reason.contains("`{area}`, which the path does not have"),
        "{reason}"
    );

    let (route, reason) = route_error(
        "[[route]]\nmethod = \"GET\"\npath = \"/stations\"\n\
         require = [{ right = \"stations:read\", bind = { station_id = \"query\" } }]\n\
         [[route]]\nmethod = \"GET\"\npath = \"/reports\"\nrequire = [{ right = \"\" }]\n",
    );
    assert_eq!(route, "GET /reports");
    assert!(reason.contains("must be non-empty"), "{reason}");

    let (route, reason) = route_error(
        "[[route]]\nmethod = \"GET\"\npath = \"/x\"\npublic = true\n\
         require = [{ right = \"a\" }]\n",
    );
    assert_eq!(route, "GET /x");
    assert!(reason.contains("public route cannot"), "{reason}");

    let (_, reason) = route_error(
        "[[route]]\nmethod = \"GET\"\npath = \"/x\"\n\
         require = [{ right = \"a\", bind = { p = \"header\" } }]\n",
    );
    assert!(reason.contains("binds `p` to `header`"), "{reason}");
}

#[test]
fn unknown_keys_and_bad_syntax_are_toml_errors() {
    for text in [
        "[[route]]\nmethod = \"GET\"\npath = \"/x\"\npublc = true\n",
        "[[routes]]\nmethod = \"GET\"\npath = \"/x\"\n",
        "[[route]]\nmethod = \"GET\"\n",
        "[[route]\n",
    ] {
        let err = Policy::from_toml_str(text).unwrap_err();
        assert!(matches!(err, PolicyError::Toml(_)), "{text}: {err}");
    }
}

#[test]
fn bad_patterns_and_duplicate_routes_are_refused() {
    for (pattern, reason) in [
        ("reports", "must start with `/`"),
        ("/reports?x=1", "query or fragment"),
        ("/r/{}", "bad placeholder"),
        ("/r/{a-b}", "bad placeholder"),
        ("/r/x{a}", "whole segment"),
        ("/r/{a}/{a}", "appears twice"),
    ] {
        let err = Policy::builder()
            .public(Method::Get, pattern)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains(reason), "{pattern}: {err}");
        assert!(
            err.to_string().contains(&format!("`GET {pattern}`")),
            "{err}"
        );
    }
    let err = Policy::builder()
        .public(Method::Get, "/r/{a}")
        .route(Method::Get, "/r/{b}", [])
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("same requests as `/r/{a}`"),
        "{err}"
    );
    // Same shape, other method: fine.
    Policy::builder()
        .public(Method::Get, "/r/{a}")
        .route(Method::Post, "/r/{b}", [])
        .build()
        .unwrap();
}

#[test]
fn methods_parse_upper_case_only() {
    for m in Method::ALL {
        assert_eq!(m.as_str().parse::<Method>(), Ok(m));
    }
    assert!("get".parse::<Method>().is_err());
}
