//! The admin API for organizations' members and names, apps' organizations and default
//! resources, and sharing apps with users.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::access;
use tessera::operators::OperatorRole;

use super::{id, Api, API};
use crate::common::spawn_app;

#[tokio::test]
async fn memberships_and_renaming_through_the_api() {
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::User).await;
    let alice = app
        .create_user("alice@example.com", "correct horse battery")
        .await;
    let bob = app
        .create_user("bob@example.com", "correct horse battery")
        .await;
    let org = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            "/api/organizations",
            Some(json!({ "name": "Acme" })),
        )
        .await;
    let org = id(&org);
    let members = format!("/api/organizations/{org}/members");

    let added = api
        .expect(
            StatusCode::CREATED,
            Method::PUT,
            &format!("{members}/{alice}"),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(added["role"], "admin");
    api.expect(
        StatusCode::CREATED,
        Method::PUT,
        &format!("{members}/{bob}"),
        Some(json!({ "role": "guest" })),
    )
    .await;
    let changed = api
        .expect(
            StatusCode::OK,
            Method::PUT,
            &format!("{members}/{bob}"),
            Some(json!({ "role": "user" })),
        )
        .await;
    assert_eq!(changed["role"], "user");
    let before = api.get(&members).await;
    let roles: Vec<(&str, &str)> = before["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["user_id"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [(alice.as_str(), "admin"), (bob.as_str(), "user")]);

    // Refusals change nothing.
    let (bad, missing, conflict) = (
        StatusCode::BAD_REQUEST,
        StatusCode::NOT_FOUND,
        StatusCode::CONFLICT,
    );
    #[rustfmt::skip]
    let cases: Vec<(StatusCode, &str, Method, String, Option<Value>)> = vec![
        (bad, "invalid_request", Method::PUT, format!("{members}/{bob}"), Some(json!({ "role": "owner" }))),
        (bad, "invalid_request", Method::PUT, format!("{members}/{bob}"), Some(json!({}))),
        (conflict, "conflict", Method::PUT, format!("{members}/{alice}"), Some(json!({ "role": "guest" }))),
        (conflict, "conflict", Method::DELETE, format!("{members}/{alice}"), None),
        (missing, "not_found", Method::PUT, format!("/api/organizations/no-such-org/members/{bob}"), Some(json!({ "role": "user" }))),
        (missing, "not_found", Method::GET, "/api/organizations/no-such-org/members".into(), None),
        (missing, "not_found", Method::DELETE, format!("{members}/no-such-user"), None),
    ];
    for (status, code, method, path, body) in cases {
        api.refused(status, code, method, &path, body).await;
    }
    assert_eq!(api.get(&members).await, before);

    api.expect(
        StatusCode::NO_CONTENT,
        Method::DELETE,
        &format!("{members}/{bob}"),
        None,
    )
    .await;
    assert_eq!(
        api.get(&members).await["members"].as_array().unwrap().len(),
        1
    );

    // Renaming.
    let path = format!("/api/organizations/{org}");
    let renamed = api
        .expect(
            StatusCode::OK,
            Method::PATCH,
            &path,
            Some(json!({ "name": "Acme Corp" })),
        )
        .await;
    assert_eq!(renamed["name"], "Acme Corp");
    api.expect(
        StatusCode::CREATED,
        Method::POST,
        "/api/organizations",
        Some(json!({ "name": "Other" })),
    )
    .await;
    api.refused(
        conflict,
        "conflict",
        Method::PATCH,
        &path,
        Some(json!({ "name": "Other" })),
    )
    .await;
    api.refused(
        bad,
        "invalid_request",
        Method::PATCH,
        &path,
        Some(json!({ "name": " " })),
    )
    .await;
    api.refused(
        missing,
        "not_found",
        Method::PATCH,
        "/api/organizations/no-such-org",
        Some(json!({ "name": "Fine" })),
    )
    .await;
    assert_eq!(api.get(&path).await["name"], "Acme Corp");
}

#[tokio::test]
async fn apps_in_organizations_default_resources_and_shares_through_the_api() {
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::User).await;
    let db = &app.state.dbs.ops;
    let (client_id, _) = app.web_app().await;
    let carol = app
        .create_user("carol@example.com", "correct horse battery")
        .await;
    let org = id(&api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            "/api/organizations",
            Some(json!({ "name": "Acme" })),
        )
        .await);
    access::register_resource(db, &app.state.clock, API, "Reports API")
        .await
        .unwrap();
    let (bad, missing) = (StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND);

    // The app's organization.
    let path = format!("/api/apps/{client_id}/organization");
    let body = api
        .expect(
            StatusCode::OK,
            Method::PUT,
            &path,
            Some(json!({ "org_id": org })),
        )
        .await;
    assert_eq!(body["org_id"], org.as_str());
    assert_eq!(
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .org_id,
        Some(org.clone())
    );
    api.refused(
        missing,
        "not_found",
        Method::PUT,
        &path,
        Some(json!({ "org_id": "no-such-org" })),
    )
    .await;
    api.refused(
        missing,
        "not_found",
        Method::PUT,
        "/api/apps/no-such-app/organization",
        Some(json!({ "org_id": org })),
    )
    .await;
    // The key is required: an empty body must not detach the app.
    api.refused(bad, "invalid_request", Method::PUT, &path, Some(json!({})))
        .await;
    assert_eq!(
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .org_id,
        Some(org.clone())
    );
    api.expect(
        StatusCode::OK,
        Method::PUT,
        &path,
        Some(json!({ "org_id": null })),
    )
    .await;
    assert_eq!(
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .org_id,
        None
    );

    // Its default resource.
    let path = format!("/api/apps/{client_id}/default-resource");
    api.expect(
        StatusCode::OK,
        Method::PUT,
        &path,
        Some(json!({ "resource": API })),
    )
    .await;
    let resource = || async {
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .default_resource
    };
    assert_eq!(resource().await.as_deref(), Some(API));
    api.refused(
        missing,
        "not_found",
        Method::PUT,
        &path,
        Some(json!({ "resource": "https://unregistered.example.com" })),
    )
    .await;
    api.refused(
        bad,
        "invalid_request",
        Method::PUT,
        &path,
        Some(json!({ "resource": "not a uri" })),
    )
    .await;
    api.refused(
        missing,
        "not_found",
        Method::PUT,
        "/api/apps/no-such-app/default-resource",
        Some(json!({ "resource": API })),
    )
    .await;
    assert_eq!(resource().await.as_deref(), Some(API));
    api.expect(
        StatusCode::OK,
        Method::PUT,
        &path,
        Some(json!({ "resource": null })),
    )
    .await;
    assert_eq!(resource().await, None);

    // Sharing.
    let shares = format!("/api/apps/{client_id}/shares");
    let share = format!("{shares}/{carol}");
    let body = api
        .expect(
            StatusCode::OK,
            Method::PUT,
            &share,
            Some(json!({ "access": "read" })),
        )
        .await;
    assert_eq!(body["access"], "read");
    api.expect(
        StatusCode::OK,
        Method::PUT,
        &share,
        Some(json!({ "access": "modify" })),
    )
    .await;
    let listed = api.get(&shares).await;
    assert_eq!(listed["shares"].as_array().unwrap().len(), 1);
    assert_eq!(listed["shares"][0]["user_id"], carol.as_str());
    assert_eq!(listed["shares"][0]["access"], "modify");
    assert!(access::app_permission(db, &carol, &client_id)
        .await
        .unwrap()
        .can_modify());
    api.refused(
        bad,
        "invalid_request",
        Method::PUT,
        &share,
        Some(json!({ "access": "write" })),
    )
    .await;
    api.refused(
        missing,
        "not_found",
        Method::PUT,
        &format!("/api/apps/no-such-app/shares/{carol}"),
        Some(json!({ "access": "read" })),
    )
    .await;
    api.refused(
        missing,
        "not_found",
        Method::GET,
        "/api/apps/no-such-app/shares",
        None,
    )
    .await;
    assert_eq!(api.get(&shares).await, listed);
    api.expect(StatusCode::NO_CONTENT, Method::DELETE, &share, None)
        .await;
    api.refused(missing, "not_found", Method::DELETE, &share, None)
        .await;
    assert_eq!(api.get(&shares).await["shares"], json!([]));
}

#[tokio::test]
async fn concurrent_changes_to_one_app_all_succeed() {
    // Each change takes the write lock at its first statement: on SQLite a read upgraded to a
    // write failed at once ("database is locked") when another writer got in between.
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::User).await;
    let (client_id, _) = app.web_app().await;
    access::register_resource(&app.state.dbs.ops, &app.state.clock, API, "Reports API")
        .await
        .unwrap();
    let path = format!("/api/apps/{client_id}/default-resource");
    let changes = (0..24).map(|i| {
        let resource = if i % 2 == 0 { json!(API) } else { Value::Null };
        api.send(Method::PUT, &path, Some(json!({ "resource": resource })))
    });
    for (status, body) in futures_util::future::join_all(changes).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}
