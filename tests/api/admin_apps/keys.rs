//! An app's secret keys through the admin API: created, rotated one at a time (the old key valid
//! until a chosen time) and revoked, each working or failing at `/token` at once; bad input
//! refused with nothing added.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::clock::{Clock, FixedClock};
use tessera::operators::OperatorRole;

use super::{client_token, machine, register};
use crate::admin_api::operator_token;
use crate::admin_users::send;
use crate::common::{spawn_app_in, TestApp, TestEnv, WEB_REDIRECT};

/// An app's keys, oldest first.
async fn keys(app: &TestApp, token: &str, client_id: &str) -> Vec<Value> {
    let path = format!("/api/apps/{client_id}/keys");
    let (status, body) = send(app, token, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["keys"].as_array().unwrap().clone()
}

#[tokio::test]
async fn keys_are_created_rotated_and_revoked_and_work_at_once() {
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let created = register(&app, &user_op, machine("Billing")).await;
    let id = created["client_id"].as_str().unwrap();
    let first_secret = created["client_secret"].as_str().unwrap();
    let keys_path = format!("/api/apps/{id}/keys");
    let listed = keys(&app, &user_op, id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["label"], "initial");
    assert!(listed[0].get("client_secret").is_none() && listed[0].get("secret_hash").is_none());
    let first = listed[0]["key_id"].as_str().unwrap().to_owned();

    let res = app
        .client
        .post(format!("{}{keys_path}", app.admin_url))
        .bearer_auth(&user_op)
        .json(&json!({ "label": " ci ", "expires_in_secs": 3600 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let second: Value = res.json().await.unwrap();
    let second_secret = second["client_secret"].as_str().unwrap();
    let second_id = second["key_id"].as_str().unwrap();
    assert!(second["expires_at"].is_string());
    let (status, body) = client_token(&app, id, second_secret).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a created key works at once: {body}"
    );
    assert_eq!(keys(&app, &user_op, id).await[1]["label"], "ci");

    // Bad input: refused, nothing added.
    for (body, field) in [
        (json!({ "label": "" }), Some("label")),
        (json!({ "label": "a\u{0}b" }), Some("label")),
        (json!({}), None),
        (json!({ "label": "x", "expires_in_secs": "soon" }), None),
        (json!({ "label": "x", "secret": "mine" }), None),
    ] {
        let what = body.to_string();
        let (status, answer) = send(&app, &user_op, Method::POST, &keys_path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{what}: {answer}");
        }
    }
    let rotate = format!("{keys_path}/{first}/rotate");
    let past = (clock.now() - chrono::Duration::seconds(1)).to_rfc3339();
    let (status, answer) = send(
        &app,
        &user_op,
        Method::POST,
        &rotate,
        Some(json!({ "old_key_expires_at": past })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["field"], "old_key_expires_at");
    let (status, answer) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("{keys_path}/no-such-key/rotate"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let listed = keys(&app, &user_op, id).await;
    assert_eq!(listed.len(), 2, "nothing added");
    assert!(listed.iter().all(|k| k["revoked_at"].is_null()));
    assert!(
        listed[0]["expires_at"].is_null(),
        "the first key is untouched"
    );

    // Rotating the first key: it keeps working until the time given, the others are untouched.
    let until = clock.now() + chrono::Duration::minutes(5);
    let res = app
        .client
        .post(format!("{}{rotate}", app.admin_url))
        .bearer_auth(&user_op)
        .json(&json!({ "old_key_expires_at": until.to_rfc3339() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let third: Value = res.json().await.unwrap();
    assert_eq!(third["rotated_key_id"], first.as_str());
    let third_secret = third["client_secret"].as_str().unwrap();
    for secret in [first_secret, second_secret, third_secret] {
        let (status, body) = client_token(&app, id, secret).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let listed = keys(&app, &user_op, id).await;
    assert_eq!(listed.len(), 3);
    let expires = |k: &Value| {
        k["expires_at"]
            .as_str()
            .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp())
    };
    assert_eq!(expires(&listed[0]), Some(until.timestamp()));
    assert_eq!(listed[1]["key_id"], second_id);
    assert!(
        expires(&listed[1]).unwrap() > until.timestamp(),
        "another key: untouched"
    );
    assert_eq!(expires(&listed[2]), None);
    clock.advance(chrono::Duration::minutes(6));
    let (status, body) = client_token(&app, id, first_secret).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the rotated key ended: {body}"
    );
    for secret in [second_secret, third_secret] {
        let (status, body) = client_token(&app, id, secret).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // Rotating with now ends the old key at once.
    let (status, fourth) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("{keys_path}/{}/rotate", third["key_id"].as_str().unwrap()),
        Some(json!({ "old_key_expires_at": clock.now().to_rfc3339() })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{fourth}");
    let (status, body) = client_token(&app, id, third_secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client");
    let (status, _) = client_token(&app, id, fourth["client_secret"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    // Revoking: the key fails at once; again is 404.
    let revoke = format!("{keys_path}/{second_id}/revoke");
    let (status, body) = send(&app, &user_op, Method::POST, &revoke, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = client_token(&app, id, second_secret).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a revoked key fails: {body}"
    );
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = send(&app, &user_op, Method::POST, &revoke, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("{keys_path}/{second_id}/rotate"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a revoked key cannot be rotated"
    );

    // A public app has no secrets to manage; an unknown app none at all.
    let spa = register(
        &app,
        &user_op,
        json!({ "name": "SPA", "is_public": true, "redirect_uris": [WEB_REDIRECT] }),
    )
    .await;
    let spa_keys = format!("/api/apps/{}/keys", spa["client_id"].as_str().unwrap());
    let (status, body) = send(
        &app,
        &user_op,
        Method::POST,
        &spa_keys,
        Some(json!({ "label": "x" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "conflict");
    let (status, body) = send(&app, &user_op, Method::GET, &spa_keys, None).await;
    assert_eq!((status, body["keys"].clone()), (StatusCode::OK, json!([])));
    for (method, path, body) in [
        (Method::GET, "/api/apps/no-such-app/keys", None),
        (
            Method::POST,
            "/api/apps/no-such-app/keys",
            Some(json!({ "label": "x" })),
        ),
        (
            Method::POST,
            "/api/apps/no-such-app/keys/k/rotate",
            Some(json!({})),
        ),
        (Method::POST, "/api/apps/no-such-app/keys/k/revoke", None),
    ] {
        let (status, answer) = send(&app, &user_op, method.clone(), path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        assert_eq!(answer["error"], "not_found");
    }
    assert_eq!(
        keys(&app, &user_op, id).await.len(),
        4,
        "nothing else was added"
    );
}
