//! User management through the admin API: create, rename, disable and enable, end sessions,
//! delete; each bad input refused with nothing written. (Who may call which route is the
//! rule-table matrix in `admin_api.rs`.)

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::operators::OperatorRole;

use super::flow::{open_login, PASSWORD};
use super::flow_errors::{authorize_url, PKCE};
use crate::admin_api::operator_token;
use crate::common::{hidden, location, spawn_app, TestApp};

mod lifecycle;

/// Sends an admin API request as the holder of `token`; returns the status and JSON body.
pub(crate) async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.admin_url))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, body)
}

/// Every user in the listing.
async fn users(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, page) = send(app, token, Method::GET, "/api/users?per_page=200", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["users"].as_array().unwrap().clone()
}

/// Signs in through `/dashboard/login` in `browser`; returns where it was sent.
async fn dashboard_sign_in(app: &TestApp, browser: &reqwest::Client, email: &str) -> String {
    let url = format!("{}/dashboard/login", app.public_url);
    let html = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = [
        ("csrf_token", hidden(&html, "csrf_token")),
        ("email", email.to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    let res = browser.post(&url).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

/// Where `/dashboard` sends `browser`: `None` when it shows the page (a live session).
async fn dashboard(app: &TestApp, browser: &reqwest::Client) -> Option<String> {
    let res = browser
        .get(format!("{}/dashboard", app.public_url))
        .send()
        .await
        .unwrap();
    match res.status() {
        StatusCode::OK => None,
        StatusCode::SEE_OTHER => Some(location(&res)),
        other => panic!("/dashboard answered {other}"),
    }
}

/// The answer of the hosted login to `email` with `password`: where it sends the browser.
async fn hosted_login(app: &TestApp, client_id: &str, email: &str, password: &str) -> String {
    let browser = app.browser();
    let html = open_login(app, &browser, &authorize_url(app, client_id, PKCE)).await;
    let form = [
        ("request", hidden(&html, "request")),
        ("csrf_token", hidden(&html, "csrf_token")),
        ("email", email.to_owned()),
        ("password", password.to_owned()),
    ];
    let res = browser
        .post(format!("{}/login", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

/// A hosted login URL without its request id, which is new for every attempt.
fn without_request(url: &str) -> String {
    url.split(['?', '&'])
        .filter(|part| !part.starts_with("request="))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn created_users_are_listed_and_bad_input_writes_nothing() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let (status, created) = send(
        &app,
        &user_op,
        Method::POST,
        "/api/users",
        Some(json!({ "email": "Bob@Example.com", "name": " Bob ", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["email"], "bob@example.com");
    assert_eq!(created["name"], "Bob");
    assert!(created["created_at"].is_string());
    assert_eq!(created["is_disabled"], false);
    let listed = users(&app, &user_op).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["email"], "bob@example.com");

    for (body, status, code) in [
        (
            json!({ "email": "not-an-email", "password": PASSWORD }),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({ "email": "carol@example.com", "password": "short" }),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({ "email": "carol@example.com", "name": "", "password": PASSWORD }),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({ "email": "bob@example.com", "password": PASSWORD }),
            StatusCode::CONFLICT,
            "conflict",
        ),
    ] {
        let what = body.to_string();
        let (got, answer) = send(&app, &user_op, Method::POST, "/api/users", Some(body)).await;
        assert_eq!(got, status, "{what}: {answer}");
        assert_eq!(answer["error"], code, "{what}");
        assert!(!answer["error_description"].as_str().unwrap().is_empty());
    }
    assert_eq!(users(&app, &user_op).await.len(), 1, "nothing written");

    let guest = operator_token(&app, OperatorRole::Guest).await;
    let (status, _) = send(
        &app,
        &guest,
        Method::POST,
        "/api/users",
        Some(json!({ "email": "dave@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn renaming_and_unknown_users() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let id = app.create_user("alice@example.com", PASSWORD).await;
    let path = format!("/api/users/{id}");
    let (status, user) = send(
        &app,
        &user_op,
        Method::PATCH,
        &path,
        Some(json!({ "name": "Alice B" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["name"], "Alice B");
    let (status, _) = send(
        &app,
        &user_op,
        Method::PATCH,
        &path,
        Some(json!({ "name": "\u{7}" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, shown) = send(&app, &user_op, Method::GET, &path, None).await;
    assert_eq!(shown["name"], "Alice B", "a bad name changes nothing");
    let (status, user) = send(
        &app,
        &user_op,
        Method::PATCH,
        &path,
        Some(json!({ "name": null })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(user.get("name").is_none(), "{user}");

    let admin = operator_token(&app, OperatorRole::Admin).await;
    let unknown = "/api/users/00000000-0000-0000-0000-000000000000";
    for (method, path, body) in [
        (Method::GET, unknown.to_owned(), None),
        (
            Method::PATCH,
            unknown.to_owned(),
            Some(json!({ "name": "x" })),
        ),
        (Method::POST, format!("{unknown}/disable"), None),
        (Method::POST, format!("{unknown}/enable"), None),
        (Method::POST, format!("{unknown}/sessions/revoke"), None),
        (Method::DELETE, unknown.to_owned(), None),
    ] {
        let what = format!("{method} {path}");
        let (status, body) = send(&app, &admin, method, &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {body}");
        assert_eq!(body["error"], "not_found", "{what}");
    }
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_loses_their_sessions() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let email = "alice@example.com";
    let id = app.create_user(email, PASSWORD).await;
    let (client_id, _) = app.web_app().await;
    let browser = app.browser();
    assert_eq!(dashboard_sign_in(&app, &browser, email).await, "/dashboard");
    assert_eq!(dashboard(&app, &browser).await, None);
    let wrong_password = hosted_login(&app, &client_id, email, "wrong password").await;

    let (status, body) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("/api/users/{id}/disable"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["is_disabled"], true);
    assert_eq!(body["revoked_sessions"], 1);
    assert_eq!(
        dashboard(&app, &browser).await.as_deref(),
        Some("/dashboard/login"),
        "the existing session ended"
    );
    let guest = operator_token(&app, OperatorRole::Guest).await;
    assert_eq!(users(&app, &guest).await[0]["is_disabled"], true);

    // The same answer as a wrong password, on both sign-in pages.
    let disabled = hosted_login(&app, &client_id, email, PASSWORD).await;
    assert_eq!(without_request(&disabled), without_request(&wrong_password));
    let page = app.get(&disabled).await.text().await.unwrap();
    assert!(page.contains("The email or password is wrong."));
    assert_eq!(
        dashboard_sign_in(&app, &app.browser(), email).await,
        "/dashboard/login?error=1"
    );

    let (status, body) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("/api/users/{id}/enable"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["is_disabled"], false);
    assert_eq!(users(&app, &guest).await[0]["is_disabled"], false);
    let browser = app.browser();
    assert_eq!(dashboard_sign_in(&app, &browser, email).await, "/dashboard");
    assert_eq!(dashboard(&app, &browser).await, None);
}

#[tokio::test]
async fn revoking_ends_every_live_session() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let email = "alice@example.com";
    let id = app.create_user(email, PASSWORD).await;
    let browsers = [app.browser(), app.browser()];
    for browser in &browsers {
        assert_eq!(dashboard_sign_in(&app, browser, email).await, "/dashboard");
    }
    let path = format!("/api/users/{id}/sessions/revoke");
    let (status, body) = send(&app, &user_op, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked_sessions"], 2);
    for browser in &browsers {
        assert_eq!(
            dashboard(&app, browser).await.as_deref(),
            Some("/dashboard/login")
        );
    }
    let (_, body) = send(&app, &user_op, Method::POST, &path, None).await;
    assert_eq!(body["revoked_sessions"], 0, "nothing left to end");
    assert_eq!(
        dashboard_sign_in(&app, &browsers[0], email).await,
        "/dashboard",
        "not disabled"
    );
}

#[tokio::test]
async fn deleting_needs_the_admin_role_and_ends_sessions() {
    let app = spawn_app().await;
    let email = "alice@example.com";
    let id = app.create_user(email, PASSWORD).await;
    let browser = app.browser();
    assert_eq!(dashboard_sign_in(&app, &browser, email).await, "/dashboard");
    let path = format!("/api/users/{id}");

    let user_op = operator_token(&app, OperatorRole::User).await;
    let (status, body) = send(&app, &user_op, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(users(&app, &user_op).await.len(), 1, "nothing deleted");
    assert_eq!(dashboard(&app, &browser).await, None);

    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (status, body) = send(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], id.as_str());
    assert_eq!(body["revoked_sessions"], 1);
    assert!(users(&app, &admin).await.is_empty());
    assert_eq!(
        dashboard(&app, &browser).await.as_deref(),
        Some("/dashboard/login")
    );
    assert_eq!(
        dashboard_sign_in(&app, &app.browser(), email).await,
        "/dashboard/login?error=1"
    );
    let (status, _) = send(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
