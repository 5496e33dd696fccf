//! The admin API: the rule table's 401/403/allowed matrix, bearer tokens from client
//! credentials with `tessera:admin`, users' paging and personal-data rule, and `/openapi.json`.

use reqwest::StatusCode;
use serde_json::Value;
use tessera::access::Subject;
use tessera::apps::NewApp;
use tessera::http::admin::{Access, Verb, RULES};
use tessera::operators::{self, OperatorRole};

use crate::common::{spawn_app, TestApp};

/// An app registered with `tessera:admin` and client credentials; returns (client_id, secret).
async fn admin_app(app: &TestApp) -> (String, String) {
    let created = app
        .create_app(NewApp {
            name: "Automation".into(),
            grant_types: vec!["client_credentials".into()],
            scopes: vec!["tessera:admin".into()],
            ..Default::default()
        })
        .await;
    use secrecy::ExposeSecret;
    let secret = created.client_secret.unwrap().expose_secret().to_owned();
    (created.client_id, secret)
}

async fn make_operator(app: &TestApp, subject: Subject, role: OperatorRole) {
    operators::add_operator(&app.state.dbs.ops, &app.state.clock, &subject, role)
        .await
        .unwrap();
}

async fn admin_token(app: &TestApp, (id, secret): (&str, &str)) -> String {
    let res = app
        .post_token(
            &[
                ("grant_type", "client_credentials"),
                ("scope", "tessera:admin"),
            ],
            Some((id, secret)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "tessera:admin");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A bearer token of an app that is an operator with `role`.
pub(crate) async fn operator_token(app: &TestApp, role: OperatorRole) -> String {
    let (id, secret) = admin_app(app).await;
    make_operator(app, Subject::App(id.clone()), role).await;
    admin_token(app, (&id, &secret)).await
}

/// A rule's path with each `{placeholder}` segment replaced by an id that names nothing.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "no-such-id"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(app: &TestApp, verb: Verb, path: &str, token: Option<&str>) -> reqwest::Response {
    let url = format!("{}{}", app.admin_url, concrete(path));
    let empty = serde_json::json!({});
    let mut req = match verb {
        Verb::Get => app.client.get(url),
        Verb::Post => app.client.post(url).json(&empty),
        Verb::Put => app.client.put(url).json(&empty),
        Verb::Patch => app.client.patch(url).json(&empty),
        Verb::Delete => app.client.delete(url),
    };
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_rule_denies_without_credentials_and_below_its_role() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for role in OperatorRole::ALL {
        tokens.push((role, operator_token(&app, role).await));
    }
    let token_of = |role: OperatorRole| tokens.iter().find(|(r, _)| *r == role).unwrap().1.clone();
    let mut checked = 0;
    for rule in RULES {
        let (needed, is_page) = match rule.access {
            Access::Open => continue,
            Access::Api(role) => (role, false),
            Access::Page(role) => (role, true),
        };
        let what = format!("{} {}", rule.verb.as_str(), rule.path);
        let res = call(&app, rule.verb, rule.path, None).await;
        if is_page {
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{what}");
            assert_eq!(res.headers()["location"], "/login", "{what}");
        } else {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
            assert!(res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "unauthorized", "{what}");
        }
        for role in OperatorRole::ALL {
            let res = call(&app, rule.verb, rule.path, Some(&token_of(role))).await;
            if role.covers(needed) {
                assert!(
                    ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&res.status()),
                    "{what} as {role}: {}",
                    res.status()
                );
            } else {
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "{what} as {role}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["error"], "forbidden", "{what} as {role}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 8, "the table has the API's routes");
}

#[tokio::test]
async fn nothing_outside_the_table_is_served() {
    let app = spawn_app().await;
    let token = operator_token(&app, OperatorRole::Admin).await;
    for path in [
        "/api",
        "/api/users/x",
        "/api/operators",
        "/metrics",
        "/admin",
    ] {
        let res = app
            .client
            .get(format!("{}{path}", app.admin_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // A method no rule names on a path that has rules.
    let res = app
        .client
        .put(format!("{}/api/users", app.admin_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error() && res.status() != StatusCode::OK);
    // Health stays open.
    assert_eq!(app.get_admin("/health/live").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bearer_tokens_need_the_scope_an_operator_app_and_a_live_token() {
    let app = spawn_app().await;
    let (id, secret) = admin_app(&app).await;
    // Not an operator yet: the token is issued but refused.
    let token = admin_token(&app, (&id, &secret)).await;
    let res = call(&app, Verb::Get, "/api/organizations", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    make_operator(&app, Subject::App(id.clone()), OperatorRole::Guest).await;
    let res = call(&app, Verb::Get, "/api/organizations", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Without the scope: 403 insufficient_scope.
    let res = app
        .post_token(
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
    let plain: Value = res.json().await.unwrap();
    let res = call(
        &app,
        Verb::Get,
        "/api/organizations",
        plain["access_token"].as_str(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");

    // An app not registered with the scope cannot get it.
    let (other, other_secret) = app.machine_app().await;
    let res = app
        .post_token(
            &[
                ("grant_type", "client_credentials"),
                ("scope", "tessera:admin"),
            ],
            Some((&other, &other_secret)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");

    // A garbled or tampered token: 401 invalid_token.
    let res = call(&app, Verb::Get, "/api/organizations", Some("not-a-jwt")).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let tampered = format!("{}x", token);
    let res = call(&app, Verb::Get, "/api/organizations", Some(&tampered)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A revoked token stops working.
    let res = app
        .client
        .post(format!("{}/revoke", app.public_url))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = call(&app, Verb::Get, "/api/organizations", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_page_and_search_and_personal_data_only_for_user_role() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.create_user(&format!("u{i}@example.com"), "correct horse battery")
                .await,
        );
    }
    let guest = operator_token(&app, OperatorRole::Guest).await;
    let user = operator_token(&app, OperatorRole::User).await;
    let get = |path: String, token: String| {
        let app = &app;
        async move {
            let res = call(app, Verb::Get, &path, Some(&token)).await;
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };

    let (status, page) = get("/api/users?page=2&per_page=2".into(), user.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 5);
    // Pages too far to address are refused, never passed on as a SQL offset.
    for far in ["1000001", "9223372036854775807"] {
        let (status, body) = get(format!("/api/users?page={far}"), user.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{far}: {body}");
    }
    let (status, _) = get("/api/users?page=1000000".into(), user.clone()).await;
    assert_eq!(status, StatusCode::OK, "the last page one may ask for");
    assert_eq!(page["page"], 2);
    let users = page["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["id"], ids[2].as_str());
    assert_eq!(users[0]["email"], "u2@example.com");
    assert_eq!(users[0]["name"], "Alice Doe");

    let (_, page) = get("/api/users".into(), guest.clone()).await;
    assert_eq!(page["total"], 5);
    for u in page["users"].as_array().unwrap() {
        assert!(u.get("email").is_none() && u.get("name").is_none(), "{u}");
        assert!(u["id"].is_string() && u["created_at"].is_string());
    }

    let (_, found) = get("/api/users?q=u3@example.com".into(), user.clone()).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["users"][0]["id"], ids[3].as_str());
    let (status, body) = get("/api/users?q=u3@example.com".into(), guest.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let prefix = &ids[4][..8];
    let (_, found) = get(format!("/api/users?q={prefix}"), guest.clone()).await;
    assert!(found["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == ids[4].as_str()));

    for bad in [
        "per_page=0",
        "per_page=201",
        "page=0",
        "page=abc",
        "q=not%20an%20id",
    ] {
        let (status, body) = get(format!("/api/users?{bad}"), user.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request");
    }
}

#[tokio::test]
async fn organizations_and_keys_through_the_api() {
    let app = spawn_app().await;
    let user = operator_token(&app, OperatorRole::User).await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let url = |p: &str| format!("{}{p}", app.admin_url);
    let res = app
        .client
        .post(url("/api/organizations"))
        .bearer_auth(&user)
        .json(&serde_json::json!({ "name": "Acme" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let org: Value = res.json().await.unwrap();
    let id = org["id"].as_str().unwrap();
    let res = app
        .client
        .post(url("/api/organizations"))
        .bearer_auth(&user)
        .json(&serde_json::json!({ "name": "Acme" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .client
        .post(url("/api/organizations"))
        .bearer_auth(&user)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    let list: Value = call(&app, Verb::Get, "/api/organizations", Some(&user))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["organizations"][0]["name"], "Acme");
    let path = format!("/api/organizations/{id}");
    assert_eq!(
        call(&app, Verb::Get, &path, Some(&user)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        call(&app, Verb::Delete, &path, Some(&user)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Verb::Delete, &path, Some(&admin)).await.status(),
        StatusCode::OK
    );
    let res = call(&app, Verb::Get, &path, Some(&user)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "not_found");

    let keys: Value = call(&app, Verb::Get, "/api/keys", Some(&user))
        .await
        .json()
        .await
        .unwrap();
    let before = keys["keys"].as_array().unwrap().len();
    assert!(before > 0);
    let res = app
        .client
        .post(url("/api/keys/rotate"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "alg": "ES256" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    assert_eq!(rotated["rotated"][0]["state"], "next");
    let keys: Value = call(&app, Verb::Get, "/api/keys", Some(&user))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"].as_array().unwrap().len(), before + 1);
    let res = app
        .client
        .post(url("/api/keys/rotate"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "alg": "HS256" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn openapi_document_is_openapi_3_and_lists_the_api_routes() {
    let app = spawn_app().await;
    let guest = operator_token(&app, OperatorRole::Guest).await;
    let res = call(&app, Verb::Get, "/openapi.json", Some(&guest)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for rule in RULES.iter().filter(|r| r.path.starts_with("/api/")) {
        let method = rule.verb.as_str().to_ascii_lowercase();
        assert!(
            doc["paths"][rule.path][&method].is_object(),
            "{} {} is documented",
            rule.verb.as_str(),
            rule.path
        );
        if matches!(rule.verb, Verb::Put | Verb::Patch) {
            let body = &doc["paths"][rule.path][&method]["requestBody"]["content"]
                ["application/json"]["schema"];
            assert!(
                body.is_object(),
                "{method} {} documents its body",
                rule.path
            );
        }
    }
}
