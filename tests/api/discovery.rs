//! The discovery document and headers every response carries.

use crate::common::spawn_app;

#[tokio::test]
async fn discovery_names_the_issuer_and_only_working_endpoints() {
    let app = spawn_app().await;
    let res = app.get("/.well-known/openid-configuration").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: serde_json::Value = res.json().await.unwrap();
    assert_eq!(doc["issuer"], app.issuer);
    assert_eq!(doc["jwks_uri"], format!("{}/jwks", app.issuer));
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    let algs = doc["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(
        algs.contains(&"RS256".into()) && algs.contains(&"ES256".into()),
        "{algs:?}"
    );
    for (key, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("end_session_endpoint", "/end_session"),
        ("introspection_endpoint", "/introspect"),
        ("revocation_endpoint", "/revoke"),
    ] {
        assert_eq!(doc[key], format!("{}{path}", app.issuer), "{key}");
    }
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        doc["scopes_supported"],
        serde_json::json!(["openid", "profile", "email", "offline_access"])
    );
    // Nothing is advertised that does not work.
    for absent in [
        "registration_endpoint",
        "request_object_signing_alg_values_supported",
        "id_token_encryption_alg_values_supported",
    ] {
        assert!(doc.get(absent).is_none(), "{absent}");
    }
    assert_eq!(doc["request_parameter_supported"], false);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let a = app.get("/jwks").await;
    let b = app.get_admin("/health/live").await;
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status(), 404);
    let ids: Vec<String> = [&a, &b, &missing]
        .iter()
        .map(|r| r.headers()["x-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
    assert_eq!(a.headers()["x-content-type-options"], "nosniff");
}
