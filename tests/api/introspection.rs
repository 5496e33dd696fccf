//! Introspection (RFC 7662) and revocation (RFC 7009) of access tokens, by the app they were
//! issued to and, for a resource's access tokens, by the confidential app of the resource's
//! server; never Tessera's own tokens (`aud` the issuer), nor those of a deleted app.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};
use tessera::clock::FixedClock;
use tessera::operators::OperatorRole;

use crate::admin_api::operator_token;
use crate::common::{spawn_app, spawn_app_in, TestApp, TestEnv};

async fn client_token(app: &TestApp, id: &str, secret: &str) -> String {
    let res = app
        .post_token(&[("grant_type", "client_credentials")], Some((id, secret)))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_issued_token_is_active_until_revoked() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let token = client_token(&app, &id, &secret).await;
    let info = app.introspect((&id, &secret), &token).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], id);
    assert_eq!(info["sub"], id);
    assert_eq!(info["iss"], app.issuer);
    assert_eq!(info["token_type"], "Bearer");
    assert!(info["exp"].as_i64().unwrap() > Utc::now().timestamp());

    assert_eq!(
        app.revoke((&id, &secret), &token, "access_token").await,
        200
    );
    assert_eq!(
        app.introspect((&id, &secret), &token).await,
        serde_json::json!({"active": false})
    );
    // Revoking again, or revoking garbage, is still 200 (RFC 7009 §2.2).
    assert_eq!(
        app.revoke((&id, &secret), &token, "access_token").await,
        200
    );
    assert_eq!(
        app.revoke((&id, &secret), "garbage", "access_token").await,
        200
    );
    // Other tokens of the same app are untouched.
    let other = client_token(&app, &id, &secret).await;
    assert_eq!(app.introspect((&id, &secret), &other).await["active"], true);
}

#[tokio::test]
async fn another_apps_token_is_inactive_and_cannot_be_revoked_by_it() {
    let app = spawn_app().await;
    let (a_id, a_secret) = app.machine_app().await;
    let (b_id, b_secret) = app.machine_app().await;
    let token = client_token(&app, &a_id, &a_secret).await;
    assert_eq!(
        app.introspect((&b_id, &b_secret), &token).await["active"],
        false
    );
    assert_eq!(
        app.revoke((&b_id, &b_secret), &token, "access_token").await,
        200
    );
    assert_eq!(
        app.introspect((&a_id, &a_secret), &token).await["active"],
        true,
        "still active"
    );
}

#[tokio::test]
async fn bogus_tampered_unsigned_and_foreign_tokens_are_inactive() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let token = client_token(&app, &id, &secret).await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "someone-else".into();
    let tampered_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], tampered_payload, parts[2]);
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["alg"] = "none".into();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        parts[1]
    );
    // Signed with a key Tessera never published, claiming a published kid.
    let foreign_key = josekit::jws::ES256.generate_key_pair().unwrap();
    let signer = josekit::jws::ES256
        .signer_from_der(foreign_key.to_der_private_key())
        .unwrap();
    let mut foreign_header = josekit::jws::JwsHeader::new();
    foreign_header.set_token_type("at+jwt");
    foreign_header.set_key_id(header["kid"].as_str().unwrap());
    let foreign = josekit::jws::serialize_compact(
        &serde_json::to_vec(&claims).unwrap(),
        &foreign_header,
        &signer,
    )
    .unwrap();

    for bad in [
        "abc",
        "a.b.c",
        tampered.as_str(),
        unsigned.as_str(),
        foreign.as_str(),
    ] {
        assert_eq!(
            app.introspect((&id, &secret), bad).await,
            serde_json::json!({"active": false}),
            "{bad}"
        );
    }
    assert_eq!(
        app.introspect((&id, &secret), &token).await["active"],
        true,
        "the original still is"
    );
}

#[tokio::test]
async fn an_expired_token_is_inactive() {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    let (id, secret) = app.machine_app().await;
    let token = client_token(&app, &id, &secret).await;
    assert_eq!(app.introspect((&id, &secret), &token).await["active"], true);
    clock.advance(chrono::Duration::minutes(10));
    assert_eq!(
        app.introspect((&id, &secret), &token).await["active"],
        false
    );
}

#[tokio::test]
async fn introspection_needs_an_authenticated_client_and_a_token() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let url = format!("{}/introspect", app.public_url);
    let anonymous = app
        .client
        .post(&url)
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = app
        .client
        .post(&url)
        .basic_auth(&id, Some("wrong"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let missing = app
        .client
        .post(&url)
        .basic_auth(&id, Some(&secret))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["introspection_endpoint"],
        format!("{}/introspect", app.issuer)
    );
    assert_eq!(doc["revocation_endpoint"], format!("{}/revoke", app.issuer));
}

/// Registers `RESOURCE` through the admin API, its server authenticating as `server`.
async fn served_resource(app: &TestApp, admin_token: &str, server: Option<&str>) -> (u16, Value) {
    let res = app
        .client
        .post(format!("{}/api/resources", app.admin_url))
        .bearer_auth(admin_token)
        .json(&json!({ "identifier": RESOURCE, "name": "Reports", "server_client_id": server }))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn change_resource(app: &TestApp, admin_token: &str, id: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .patch(format!("{}/api/resources/{id}", app.admin_url))
        .bearer_auth(admin_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

const RESOURCE: &str = "https://reports.example.com/api";

async fn resource_token(app: &TestApp, id: &str, secret: &str) -> String {
    let res = app
        .post_token(
            &[("grant_type", "client_credentials"), ("resource", RESOURCE)],
            Some((id, secret)),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_resource_server_introspects_another_apps_token_for_its_resource() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (client, client_secret) = app.machine_app().await;
    let (server, server_secret) = app.machine_app().await;
    let (bystander, bystander_secret) = app.machine_app().await;
    let (status, resource) = served_resource(&app, &admin, Some(&server)).await;
    assert_eq!(status, 201, "{resource}");
    assert_eq!(resource["server_client_id"], server.as_str());
    let token = resource_token(&app, &client, &client_secret).await;

    let info = app.introspect((&server, &server_secret), &token).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["client_id"], client.as_str());
    assert_eq!(info["sub"], client.as_str());
    assert_eq!(info["aud"], RESOURCE);
    assert_eq!(info["iss"], app.issuer);
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(info["roles"], json!([]));
    assert_eq!(info["rights"], json!({}));
    assert_eq!(
        info,
        app.introspect((&client, &client_secret), &token).await
    );
    // An app that is neither the token's nor the resource server's learns nothing.
    assert_eq!(
        app.introspect((&bystander, &bystander_secret), &token)
            .await,
        json!({"active": false})
    );
    // A token of another resource, or of Tessera itself, is not the server's to see.
    let own = client_token(&app, &client, &client_secret).await;
    assert_eq!(
        app.introspect((&server, &server_secret), &own).await["active"],
        false
    );

    // The resource server cannot revoke it (RFC 7009: only the app it was issued to).
    assert_eq!(
        app.revoke((&server, &server_secret), &token, "access_token")
            .await,
        200
    );
    assert_eq!(
        app.introspect((&client, &client_secret), &token).await["active"],
        true
    );
    // Once its app revokes it, the resource server sees it inactive.
    assert_eq!(
        app.revoke((&client, &client_secret), &token, "access_token")
            .await,
        200
    );
    assert_eq!(
        app.introspect((&server, &server_secret), &token).await,
        json!({"active": false})
    );

    // Cleared, the server sees no more of the resource's tokens.
    let id = resource["id"].as_str().unwrap();
    let fresh = resource_token(&app, &client, &client_secret).await;
    assert_eq!(
        app.introspect((&server, &server_secret), &fresh).await["active"],
        true
    );
    let (status, changed) =
        change_resource(&app, &admin, id, json!({ "server_client_id": null })).await;
    assert_eq!(status, 200, "{changed}");
    assert!(changed["server_client_id"].is_null());
    assert_eq!(
        app.introspect((&server, &server_secret), &fresh).await["active"],
        false
    );
    // Named again, then the app deleted: the resource names no app any more.
    let (status, changed) =
        change_resource(&app, &admin, id, json!({ "server_client_id": bystander })).await;
    assert_eq!(
        (status, &changed["server_client_id"]),
        (200, &json!(bystander))
    );
    assert_eq!(
        app.introspect((&bystander, &bystander_secret), &fresh)
            .await["active"],
        true
    );
    let res = app
        .client
        .delete(format!("{}/api/apps/{bystander}", app.admin_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let shown: Value = app
        .client
        .get(format!("{}/api/resources/{id}", app.admin_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(shown["server_client_id"].is_null(), "{shown}");
}

#[tokio::test]
async fn refresh_tokens_of_another_app_stay_inactive_for_the_resource_server() {
    use crate::flow::{code_for_scopes, exchange, urlencode, EMAIL, PASSWORD};

    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    app.create_user(EMAIL, PASSWORD).await;
    let (client, client_secret) = app.web_app().await;
    let (server, server_secret) = app.machine_app().await;
    let (status, resource) = served_resource(&app, &admin, Some(&server)).await;
    assert_eq!(status, 201, "{resource}");
    let scopes = format!("openid%20offline_access&resource={}", urlencode(RESOURCE));
    let (_, code, verifier) = code_for_scopes(&app, &client, &scopes).await;
    let (status, tokens) = exchange(&app, (&client, &client_secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let access_token = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();

    let info = app
        .introspect((&server, &server_secret), access_token)
        .await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["aud"], RESOURCE);
    assert_eq!(info["client_id"], client.as_str());
    assert_eq!(
        app.introspect((&server, &server_secret), refresh_token)
            .await,
        json!({"active": false})
    );
    let own = app
        .introspect((&client, &client_secret), refresh_token)
        .await;
    assert_eq!(own["active"], true);
    assert_eq!(own["token_type"], "refresh_token");
    // Nor can the resource server revoke the refresh token.
    let res = app
        .client
        .post(format!("{}/revoke", app.public_url))
        .basic_auth(&server, Some(&server_secret))
        .form(&[
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.introspect((&client, &client_secret), refresh_token)
            .await["active"],
        true
    );
}

#[tokio::test]
async fn an_unknown_server_app_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (server, _) = app.machine_app().await;
    for bad in ["no-such-app", "", "with space", &"x".repeat(65)] {
        let (status, error) = served_resource(&app, &admin, Some(bad)).await;
        assert_eq!(status, 422, "{bad:?}: {error}");
        assert_eq!(error["error"], "invalid_request");
        assert_eq!(error["field"], "server_client_id");
        assert!(error["error_description"]
            .as_str()
            .unwrap()
            .starts_with("server_client_id: "));
    }
    let list = |app: &TestApp| {
        let req = app
            .client
            .get(format!("{}/api/resources", app.admin_url))
            .bearer_auth(&admin);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(
        list(&app).await["resources"],
        json!([]),
        "nothing registered"
    );

    let (status, resource) = served_resource(&app, &admin, Some(&server)).await;
    assert_eq!(status, 201, "{resource}");
    let before = list(&app).await;
    let id = resource["id"].as_str().unwrap();
    let change = json!({ "server_client_id": "no-such-app", "name": "Renamed" });
    let (status, error) = change_resource(&app, &admin, id, change).await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["field"], "server_client_id");
    assert_eq!(list(&app).await, before, "nothing changed");
    // Not a field a resource has, or one that never changes: 400.
    let (status, _) = change_resource(&app, &admin, id, json!({ "identifier": RESOURCE })).await;
    assert_eq!(status, 400);
    let (status, _) = change_resource(&app, &admin, "no-such-resource", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(list(&app).await, before, "nothing changed");
}

/// `DELETE /api/apps/{client_id}` as an admin operator.
async fn delete_app(app: &TestApp, admin_token: &str, client_id: &str) {
    let res = app
        .client
        .delete(format!("{}/api/apps/{client_id}", app.admin_url))
        .bearer_auth(admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_deleted_apps_client_credentials_token_is_inactive_for_the_resource_server() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (client, client_secret) = app.machine_app().await;
    let (server, server_secret) = app.machine_app().await;
    let (status, resource) = served_resource(&app, &admin, Some(&server)).await;
    assert_eq!(status, 201, "{resource}");
    // Client-credentials tokens are recorded nowhere: deleting the app revokes none of them.
    let token = resource_token(&app, &client, &client_secret).await;
    let info = app.introspect((&server, &server_secret), &token).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["client_id"], client.as_str());

    delete_app(&app, &admin, &client).await;
    assert_eq!(
        app.introspect((&server, &server_secret), &token).await,
        json!({"active": false})
    );
}

/// Stores a resource as one registered before its identifier or server app was refused would
/// be, past the domain's checks.
async fn stored_resource(app: &TestApp, identifier: &str, server: &str) {
    let row = tessera::store::resources::ResourceRow {
        id: uuid::Uuid::new_v4().to_string(),
        identifier: identifier.to_owned(),
        name: "Stored".into(),
        created_at: Utc::now(),
        token_encryption_key: None,
        server_client_id: Some(server.to_owned()),
    };
    tessera::store::resources::insert_resource(&app.state.dbs.ops, &row)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_issuer_is_no_resource_identifier_and_never_a_served_audience() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (client, client_secret) = app.machine_app().await;
    let (server, server_secret) = app.machine_app().await;
    for identifier in [app.issuer.clone(), format!("{}/", app.issuer)] {
        let res = app
            .client
            .post(format!("{}/api/resources", app.admin_url))
            .bearer_auth(&admin)
            .json(&json!({ "identifier": identifier, "name": "Everything", "server_client_id": server }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{identifier}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request");
        assert_eq!(
            error["error_description"],
            "the resource identifier must not be the issuer: tokens requested without a resource have it as their `aud`"
        );
    }
    let listed: Value = app
        .client
        .get(format!("{}/api/resources", app.admin_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["resources"], json!([]), "nothing registered");

    // One registered before the refusal does not make its server app see Tessera's own tokens.
    stored_resource(&app, &app.issuer, &server).await;
    let token = client_token(&app, &client, &client_secret).await;
    assert_eq!(
        app.introspect((&server, &server_secret), &token).await,
        json!({"active": false})
    );
    assert_eq!(
        app.introspect((&client, &client_secret), &token).await["active"],
        true
    );
}

/// A public app with the code flow; returns its client id.
async fn public_app(app: &TestApp) -> String {
    app.create_app(tessera::apps::NewApp {
        name: "SPA".into(),
        is_public: true,
        redirect_uris: vec!["https://spa.example.com/cb".into()],
        ..Default::default()
    })
    .await
    .client_id
}

#[tokio::test]
async fn a_public_app_cannot_be_a_resource_server() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let public = public_app(&app).await;
    let expected = format!(
        "server_client_id: `{public}` is a public app; the resource server must authenticate as a confidential one (client_secret_basic, client_secret_post or private_key_jwt)"
    );
    let (status, error) = served_resource(&app, &admin, Some(&public)).await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"], "invalid_request");
    assert_eq!(error["field"], "server_client_id");
    assert_eq!(error["error_description"], expected.as_str());

    let (status, resource) = served_resource(&app, &admin, None).await;
    assert_eq!(status, 201, "{resource}");
    let id = resource["id"].as_str().unwrap();
    let change = json!({ "server_client_id": public, "name": "Renamed" });
    let (status, error) = change_resource(&app, &admin, id, change).await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["field"], "server_client_id");
    assert_eq!(error["error_description"], expected.as_str());
    let (status, unchanged) = change_resource(&app, &admin, id, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(unchanged, resource, "nothing changed");

    // A public app named before that was refused, authenticating with its id alone, sees the
    // resource's tokens inactive.
    const OLD: &str = "https://old.example.com/api";
    stored_resource(&app, OLD, &public).await;
    let (client, client_secret) = app.machine_app().await;
    let res = app
        .post_token(
            &[("grant_type", "client_credentials"), ("resource", OLD)],
            Some((&client, &client_secret)),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let res = app
        .client
        .post(format!("{}/introspect", app.public_url))
        .form(&[("token", token), ("client_id", public.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a public app authenticates by its id");
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"active": false}));
}
