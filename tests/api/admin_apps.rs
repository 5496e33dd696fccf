//! Apps through the admin API: register, list and search, show, change, delete; their keys in
//! `keys.rs`. Every bad input is refused with a clear error and nothing changed; changes are
//! served by the token endpoint at once. (Who may call which route is the rule-table matrix in
//! `admin_api.rs`.)

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::access::{self, ShareAccess, Subject};
use tessera::operators::OperatorRole;

use super::flow::{code_for_scopes, exchange, EMAIL, PASSWORD};
use crate::admin_api::operator_token;
use crate::admin_users::send;
use crate::common::{spawn_app, TestApp, WEB_REDIRECT};

mod keys;

/// A confidential machine app: client credentials only.
fn machine(name: &str) -> Value {
    json!({ "name": name, "grant_types": ["client_credentials"] })
}

/// Registers an app through the API; returns the 201 body.
async fn register(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .client
        .post(format!("{}/api/apps", app.admin_url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let created: Value = res.json().await.unwrap();
    assert!(created["client_id"].is_string(), "{created}");
    created
}

/// The status and body of a client-credentials token request with these credentials.
async fn client_token(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
    let res = app
        .post_token(&[("grant_type", "client_credentials")], Some((id, secret)))
        .await;
    (res.status(), res.json().await.unwrap())
}

/// Every app in the listing, by client id.
async fn all_apps(app: &TestApp, token: &str) -> Vec<String> {
    let (status, page) = send(app, token, Method::GET, "/api/apps?per_page=200", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn apps_are_registered_listed_searched_and_shown() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let guest = operator_token(&app, OperatorRole::Guest).await;
    let before = all_apps(&app, &guest).await.len(); // the operators' own apps

    let web = register(
        &app,
        &user_op,
        json!({
            "name": " Reports ",
            "redirect_uris": [WEB_REDIRECT],
            "allowed_origins": ["https://reports.example.com"],
            "access_token_ttl_secs": 300,
        }),
    )
    .await;
    assert_eq!(web["name"], "Reports");
    assert_eq!(web["token_endpoint_auth_method"], "client_secret_basic");
    assert!(web["client_secret"].as_str().is_some_and(|s| s.len() >= 40));
    assert_eq!(
        web["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    let spa = register(
        &app,
        &user_op,
        json!({
            "name": "Dashboard SPA",
            "is_public": true,
            "redirect_uris": ["https://spa.example.com/cb"],
        }),
    )
    .await;
    assert_eq!(spa["token_endpoint_auth_method"], "none");
    assert!(spa.get("client_secret").is_none(), "{spa}");
    let web_id = web["client_id"].as_str().unwrap();
    let spa_id = spa["client_id"].as_str().unwrap();

    let (status, page) = send(
        &app,
        &guest,
        Method::GET,
        "/api/apps?per_page=1&page=2",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], before + 2);
    assert_eq!(page["page"], 2);
    assert_eq!(page["apps"].as_array().unwrap().len(), 1);

    let search = |q: String| {
        let (app, guest) = (&app, &guest);
        async move {
            let (status, page) =
                send(app, guest, Method::GET, &format!("/api/apps?q={q}"), None).await;
            assert_eq!(status, StatusCode::OK, "{q}: {page}");
            page["apps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["client_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("rEPORT".into()).await, vec![web_id.to_owned()]);
    assert_eq!(search("spa".into()).await, vec![spa_id.to_owned()]);
    assert_eq!(
        search(spa_id[..6].to_owned()).await,
        vec![spa_id.to_owned()],
        "by the beginning of the client id"
    );
    assert!(search("d%25d".into()).await.is_empty(), "% is no wildcard");
    assert!(search("d_sh".into()).await.is_empty(), "_ is no wildcard");

    let (status, shown) = send(
        &app,
        &guest,
        Method::GET,
        &format!("/api/apps/{web_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["redirect_uris"], json!([WEB_REDIRECT]));
    assert_eq!(
        shown["allowed_origins"],
        json!(["https://reports.example.com"])
    );
    assert_eq!(shown["access_token_ttl_secs"], 300);
    assert_eq!(shown["require_pkce"], true);
    assert!(shown.get("client_secret").is_none(), "{shown}");
    assert!(
        !shown
            .to_string()
            .contains(web["client_secret"].as_str().unwrap()),
        "the secret is never shown again"
    );

    for bad in ["page=0", "per_page=201", "page=1000001", "page=x", "q=%07"] {
        let (status, body) =
            send(&app, &guest, Method::GET, &format!("/api/apps?{bad}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request", "{bad}");
    }
    let (status, body) = send(&app, &guest, Method::GET, "/api/apps/no-such-app", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn bad_settings_are_refused_with_their_field_and_nothing_is_registered() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let before = all_apps(&app, &user_op).await;
    for (body, field) in [
        (json!({ "name": "" }), Some("name")),
        (json!({ "name": "\u{7}bell" }), Some("name")),
        (json!({ "name": "No redirect" }), Some("redirect_uris")),
        (
            json!({ "name": "X", "redirect_uris": ["http://app.example.com/cb"] }),
            Some("redirect_uris"),
        ),
        (
            json!({ "name": "X", "redirect_uris": ["https://app.example.com/cb#f"] }),
            Some("redirect_uris"),
        ),
        (
            json!({ "name": "X", "redirect_uri_prefixes": ["https://app.example.com/cb"] }),
            Some("redirect_uri_prefixes"),
        ),
        (
            json!({ "name": "X", "grant_types": ["password"] }),
            Some("grant_types"),
        ),
        (
            json!({ "name": "X", "grant_types": ["refresh_token"] }),
            Some("grant_types"),
        ),
        (
            json!({ "name": "X", "is_public": true, "grant_types": ["client_credentials"] }),
            Some("grant_types"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "scopes": ["admin"] }),
            Some("scopes"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "allowed_origins": ["*"] }),
            Some("allowed_origins"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "allowed_ips": ["10.0.0.300"] }),
            Some("allowed_ips"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "access_token_ttl_secs": 59 }),
            Some("access_token_ttl"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "refresh_token_ttl_secs": 31_536_001 }),
            Some("refresh_token_ttl"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "logo_uri": "http://cdn.example.com/l.png" }),
            Some("logo_uri"),
        ),
        (
            // No key of the default ring (ES256, RS256) could sign these ID tokens.
            json!({ "name": "X", "redirect_uris": [WEB_REDIRECT], "id_token_alg": "EdDSA" }),
            Some("id_token_alg"),
        ),
        (
            json!({ "name": "X", "redirect_uris": [WEB_REDIRECT], "id_token_alg": "HS256" }),
            Some("id_token_alg"),
        ),
        (
            json!({ "name": "X", "grant_types": ["client_credentials"], "private_key_jwt": true }),
            Some("jwks"),
        ),
        (
            json!({ "name": "X", "is_public": true, "redirect_uris": [WEB_REDIRECT], "require_pkce": false }),
            Some("require_pkce"),
        ),
        (json!({ "name": "X", "redirect_uri": WEB_REDIRECT }), None),
        (json!({ "redirect_uris": [WEB_REDIRECT] }), None),
        (json!({ "name": 7 }), None),
        (json!({ "name": "X", "access_token_ttl_secs": -1 }), None),
    ] {
        let what = body.to_string();
        let (status, answer) = send(&app, &user_op, Method::POST, "/api/apps", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        assert_eq!(answer["error"], "invalid_request", "{what}");
        assert!(
            answer["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{what}: {answer}"
        );
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{what}: {answer}");
        }
    }
    let res = app
        .client
        .post(format!("{}/api/apps", app.admin_url))
        .bearer_auth(&user_op)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(all_apps(&app, &user_op).await, before, "nothing registered");
}

#[tokio::test]
async fn changes_are_checked_as_a_whole_and_served_at_once() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let created = register(&app, &user_op, machine("Billing")).await;
    let id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let path = format!("/api/apps/{id}");
    let (status, token) = client_token(&app, id, secret).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["expires_in"], 600, "the configured default");

    let (status, changed) = send(
        &app,
        &user_op,
        Method::PATCH,
        &path,
        Some(json!({ "name": "Billing (EU)", "access_token_ttl_secs": 120 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "Billing (EU)");
    assert_eq!(changed["access_token_ttl_secs"], 120);
    assert_eq!(
        changed["grant_types"],
        json!(["client_credentials"]),
        "untouched"
    );
    let (_, token) = client_token(&app, id, secret).await;
    assert_eq!(
        token["expires_in"], 120,
        "the registry serves the change at once"
    );

    // IP protection switched on through the API refuses this very client straight away.
    let (status, _) = send(
        &app,
        &user_op,
        Method::PATCH,
        &path,
        Some(json!({ "allowed_ips": ["192.0.2.1"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = client_token(&app, id, secret).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = send(
        &app,
        &user_op,
        Method::PATCH,
        &path,
        Some(json!({ "allowed_ips": [], "access_token_ttl_secs": null })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, token) = client_token(&app, id, secret).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["expires_in"], 600, "null went back to the default");

    let (_, saved) = send(&app, &user_op, Method::GET, &path, None).await;
    for (body, field) in [
        (json!({ "name": " " }), Some("name")),
        (
            json!({ "grant_types": ["refresh_token"] }),
            Some("grant_types"),
        ),
        (
            json!({ "grant_types": ["authorization_code"] }),
            Some("redirect_uris"),
        ),
        (json!({ "scopes": ["everything"] }), Some("scopes")),
        (json!({ "id_token_ttl_secs": 86_401 }), Some("id_token_ttl")),
        (
            json!({ "allowed_origins": ["https://a.example.com/path"] }),
            Some("allowed_origins"),
        ),
        (json!({ "is_public": true }), None),
        (json!({ "jwks_uri": "https://keys.example.com" }), None),
        (
            json!({ "name": null, "redirect_uris": "https://x.example.com/cb" }),
            None,
        ),
    ] {
        let what = body.to_string();
        let (status, answer) = send(&app, &user_op, Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        assert_eq!(answer["error"], "invalid_request", "{what}");
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{what}: {answer}");
        }
    }
    let (_, after) = send(&app, &user_op, Method::GET, &path, None).await;
    assert_eq!(after, saved, "a refused change changes nothing");

    let (status, body) = send(
        &app,
        &user_op,
        Method::PATCH,
        "/api/apps/no-such-app",
        Some(json!({ "name": "X" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn deleting_an_app_removes_its_rows_and_revokes_its_tokens() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let created = register(
        &app,
        &user_op,
        json!({ "name": "Reports", "redirect_uris": [WEB_REDIRECT] }),
    )
    .await;
    let id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let (_, code, verifier) = code_for_scopes(&app, &id, "openid%20offline_access").await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let jti = {
        use base64::Engine;
        let part = tokens["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap();
        claims["jti"].as_str().unwrap().to_owned()
    };
    let (_, pending_code, _) = code_for_scopes(&app, &id, "openid").await;
    let db = &app.state.dbs.ops;
    access::share_app(db, &app.state.clock, &id, &alice, ShareAccess::Read)
        .await
        .unwrap();
    let api = access::register_resource(db, &app.state.clock, "https://api.example.com", "API")
        .await
        .unwrap();
    let role = access::create_role(db, &api.id, "reader", "")
        .await
        .unwrap();
    access::grant_role(
        db,
        &app.state.clock,
        &role.id,
        &Subject::App(id.clone()),
        None,
    )
    .await
    .unwrap();

    let path = format!("/api/apps/{id}");
    let (status, body) = send(&app, &user_op, Method::DELETE, &path, None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "deleting needs the admin role: {body}"
    );
    let (status, body) = send(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], id.as_str());
    assert_eq!(body["revoked_refresh_tokens"], 1);
    assert_eq!(body["revoked_authorization_codes"], 1);
    assert_eq!(body["deleted_keys"], 1);
    assert_eq!(body["deleted_shares"], 1);
    assert_eq!(body["deleted_role_grants"], 1);
    assert_eq!(body["deleted_consents"], 1);

    let (status, _) = send(&app, &user_op, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!all_apps(&app, &user_op).await.contains(&id));
    let (status, _) = send(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "again: 404");
    let (status, body) = client_token(&app, &id, &secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let res = app
        .post_token(
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        tessera::store::revoked_tokens::is_revoked(db, &jti)
            .await
            .unwrap(),
        "its access token is revoked"
    );
    let (status, _) = exchange(&app, (&id, &secret), &pending_code, None).await;
    assert_eq!(status, 401, "its codes cannot be redeemed");
    assert!(access::list_user_shares(db, &alice)
        .await
        .unwrap()
        .is_empty());
    assert!(access::list_subject_grants(db, &Subject::App(id.clone()))
        .await
        .unwrap()
        .is_empty());
    assert!(access::list_role_grants(db, &role.id)
        .await
        .unwrap()
        .is_empty());
    // The admin API's own operators cannot be deleted from under it.
    let (_, page) = send(&app, &admin, Method::GET, "/api/apps?q=Automation", None).await;
    let operators: Vec<&str> = page["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(operators.len(), 2, "{page}");
    for operator in operators {
        let path = format!("/api/apps/{operator}");
        let (status, body) = send(&app, &admin, Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "conflict");
        let (status, _) = send(&app, &admin, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "still there");
    }
}
