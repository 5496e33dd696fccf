//! User ids in memberships, shares, grants and an organization's first admin are looked up in
//! the accounts database: an id nobody has is 404 "no such user", a disabled user's (deleting a
//! user disables them first) 409 "disabled", with nothing changed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::operators::OperatorRole;

use super::{catalog, id, Api};
use crate::common::spawn_app;

/// Everything the access model holds that a user id could have been written into.
async fn snapshot(api: &Api<'_>, org: &str, client_id: &str, role: &str) -> Vec<Value> {
    vec![
        api.get("/api/organizations").await,
        api.get(&format!("/api/organizations/{org}/members")).await,
        api.get(&format!("/api/apps/{client_id}/shares")).await,
        api.get(&format!("/api/roles/{role}/grants")).await,
    ]
}

#[tokio::test]
async fn unknown_user_ids_are_404_and_change_nothing() {
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::Admin).await;
    let c = catalog(&api).await;
    let org = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            "/api/organizations",
            Some(json!({ "name": "Acme", "first_admin": c.user })),
        )
        .await;
    let org = id(&org);
    let (client_id, _) = app.web_app().await;
    let before = snapshot(&api, &org, &client_id, &c.role).await;

    // Well-formed ids of nobody: a deleted user's, a made-up one.
    let deleted = app
        .create_user("gone@example.com", "correct horse battery")
        .await;
    api.expect(
        StatusCode::OK,
        Method::DELETE,
        &format!("/api/users/{deleted}"),
        None,
    )
    .await;
    for nobody in [
        deleted.as_str(),
        "00000000-0000-0000-0000-000000000000",
        "no-such-user",
    ] {
        #[rustfmt::skip]
        let cases: Vec<(Method, String, Option<Value>)> = vec![
            (Method::PUT, format!("/api/organizations/{org}/members/{nobody}"), Some(json!({ "role": "user" }))),
            (Method::PUT, format!("/api/apps/{client_id}/shares/{nobody}"), Some(json!({ "access": "read" }))),
            (Method::POST, format!("/api/roles/{}/grants", c.role), Some(json!({ "subject_kind": "user", "subject_id": nobody }))),
            (Method::POST, format!("/api/roles/{}/grants", c.role), Some(json!({ "subject_kind": "user", "subject_id": nobody, "org_id": org }))),
            (Method::POST, "/api/organizations".into(), Some(json!({ "name": "Beta", "first_admin": nobody }))),
        ];
        for (method, path, body) in cases {
            let what = format!("{method} {path} {body:?}");
            let (status, answer) = api.send(method, &path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {answer}");
            assert_eq!(answer["error"], "not_found", "{what}");
            let description = answer["error_description"].as_str().unwrap();
            assert!(
                description.contains("no such user"),
                "{what}: {description}"
            );
        }
    }
    assert_eq!(
        snapshot(&api, &org, &client_id, &c.role).await,
        before,
        "nothing changed"
    );

    // A malformed id is still 400, and a known one still works.
    let (status, _) = api
        .send(
            Method::PUT,
            &format!("/api/apps/{client_id}/shares/a%20b"),
            Some(json!({ "access": "read" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.expect(
        StatusCode::OK,
        Method::PUT,
        &format!("/api/apps/{client_id}/shares/{}", c.user),
        Some(json!({ "access": "read" })),
    )
    .await;
}

#[tokio::test]
async fn disabled_users_are_409_and_change_nothing() {
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::Admin).await;
    let c = catalog(&api).await;
    let org = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            "/api/organizations",
            Some(json!({ "name": "Acme", "first_admin": c.user })),
        )
        .await;
    let org = id(&org);
    let (client_id, _) = app.web_app().await;
    let disabled = app
        .create_user("off@example.com", "correct horse battery")
        .await;
    api.expect(
        StatusCode::OK,
        Method::POST,
        &format!("/api/users/{disabled}/disable"),
        None,
    )
    .await;
    let before = snapshot(&api, &org, &client_id, &c.role).await;

    #[rustfmt::skip]
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::PUT, format!("/api/organizations/{org}/members/{disabled}"), Some(json!({ "role": "user" }))),
        (Method::PUT, format!("/api/apps/{client_id}/shares/{disabled}"), Some(json!({ "access": "read" }))),
        (Method::POST, format!("/api/roles/{}/grants", c.role), Some(json!({ "subject_kind": "user", "subject_id": disabled }))),
        (Method::POST, format!("/api/roles/{}/grants", c.role), Some(json!({ "subject_kind": "user", "subject_id": disabled, "org_id": org }))),
        (Method::POST, "/api/organizations".into(), Some(json!({ "name": "Beta", "first_admin": disabled }))),
    ];
    for (method, path, body) in &cases {
        let what = format!("{method} {path} {body:?}");
        let (status, answer) = api.send(method.clone(), path, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{what}: {answer}");
        assert_eq!(answer["error"], "conflict", "{what}");
        let description = answer["error_description"].as_str().unwrap();
        assert!(description.contains("disabled"), "{what}: {description}");
    }
    assert_eq!(
        snapshot(&api, &org, &client_id, &c.role).await,
        before,
        "nothing changed"
    );

    // Enabled again, the same requests work.
    api.expect(
        StatusCode::OK,
        Method::POST,
        &format!("/api/users/{disabled}/enable"),
        None,
    )
    .await;
    for (method, path, body) in cases {
        let (status, answer) = api.send(method.clone(), &path, body.clone()).await;
        assert!(
            status.is_success(),
            "{method} {path} {body:?}: {status} {answer}"
        );
    }
}
