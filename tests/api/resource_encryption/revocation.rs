//! Introspection (RFC 7662) and revocation (RFC 7009) of encrypted access tokens by their own
//! app, through the record Tessera keeps of each (it cannot read them back): revoking one
//! revokes the signed token inside for the resource server too; records go when they expire.

use std::sync::Arc;

use chrono::Utc;
use josekit::jwk::alg::ec::EcCurve;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use tessera::clock::{Clock, FixedClock};
use tessera::crypto::sha256_hex;
use tessera::operators::OperatorRole;
use tessera::store::encrypted_access_tokens::find_encrypted_access_token;

use super::{admin, client_token, ec_key, open, register, rsa_key, EC_API, RSA_API};
use crate::admin_api::operator_token;
use crate::common::{spawn_app, spawn_app_in, TestApp, TestEnv};
use crate::flow::{code_for_scopes, exchange, urlencode, EMAIL, PASSWORD};

/// How many rows `table` of the ops database has.
async fn rows(app: &TestApp, table: &str) -> i64 {
    let db = &app.state.dbs.ops;
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Names a new app the resource's server app; returns its credentials.
async fn serve_with_new_app(
    app: &TestApp,
    admin_token: &str,
    resource: &Value,
) -> (String, String) {
    let (server, secret) = app.machine_app().await;
    let path = format!("/api/resources/{}", resource["id"].as_str().unwrap());
    let named = json!({ "server_client_id": server });
    let (status, body) = admin(app, admin_token, Method::PATCH, &path, Some(named)).await;
    assert_eq!(status, 200, "{body}");
    (server, secret)
}

/// What introspecting an encrypted token tells its own app: what Tessera recorded of it.
fn recorded(client_id: &str, claims: &Value) -> Value {
    json!({
        "active": true,
        "token_type": "Bearer",
        "client_id": client_id,
        "jti": claims["jti"],
        "exp": claims["exp"],
    })
}

#[tokio::test]
async fn an_encrypted_client_credentials_token_is_introspected_and_revoked_by_its_app() {
    let app = spawn_app().await;
    let admin_token = operator_token(&app, OperatorRole::Admin).await;
    let key = ec_key(EcCurve::P256, None);
    let resource = register(&app, &admin_token, EC_API, Some(&key.public)).await;
    let (server, server_secret) = serve_with_new_app(&app, &admin_token, &resource).await;
    let (id, secret) = app.machine_app().await;
    let (other, other_secret) = app.machine_app().await;

    // A signed token is not recorded; an encrypted one is, once.
    let res = app
        .post_token(
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(rows(&app, "encrypted_access_tokens").await, 0);
    let body = client_token(&app, (&id, &secret), EC_API).await;
    let jwe = body["access_token"].as_str().unwrap();
    assert_eq!(rows(&app, "encrypted_access_tokens").await, 1);
    let (inner, claims) = open(&app, jwe, &key).await;
    let row = find_encrypted_access_token(&app.state.dbs.ops, &sha256_hex(jwe.as_bytes()))
        .await
        .unwrap()
        .expect("recorded by its hash");
    assert_eq!(row.jti, claims["jti"].as_str().unwrap());
    assert_eq!(row.app_id, id);
    assert_eq!(row.expires_at.timestamp(), claims["exp"].as_i64().unwrap());

    // Its app learns what was recorded, not the claims; the server app introspects the token
    // inside; nobody else learns anything.
    let info = app.introspect((&id, &secret), jwe).await;
    assert_eq!(info, recorded(&id, &claims));
    let inactive = json!({ "active": false });
    assert_eq!(
        app.introspect((&server, &server_secret), jwe).await,
        inactive
    );
    let info = app.introspect((&server, &server_secret), &inner).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(app.introspect((&other, &other_secret), jwe).await, inactive);

    // Another app cannot revoke it.
    assert_eq!(
        app.revoke((&other, &other_secret), jwe, "access_token")
            .await,
        200
    );
    assert_eq!(
        app.introspect((&id, &secret), jwe).await,
        recorded(&id, &claims)
    );

    // A made-up JWE: 200 (RFC 7009 §2.2), and nothing is stored.
    let revoked_before = rows(&app, "revoked_tokens").await;
    let made_up = "eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d";
    assert_eq!(
        app.revoke((&id, &secret), made_up, "access_token").await,
        200
    );
    assert_eq!(rows(&app, "revoked_tokens").await, revoked_before);
    assert_eq!(rows(&app, "encrypted_access_tokens").await, 1);
    assert_eq!(app.introspect((&id, &secret), made_up).await, inactive);

    // Its app revokes it: inactive to it, and the token inside to the resource server.
    assert_eq!(app.revoke((&id, &secret), jwe, "access_token").await, 200);
    assert_eq!(rows(&app, "revoked_tokens").await, revoked_before + 1);
    assert_eq!(app.introspect((&id, &secret), jwe).await, inactive);
    assert_eq!(
        app.introspect((&server, &server_secret), &inner).await,
        inactive
    );
    // Again is still 200.
    assert_eq!(app.revoke((&id, &secret), jwe, "access_token").await, 200);
}

#[tokio::test]
async fn an_encrypted_code_flow_token_is_introspected_and_revoked_by_its_app() {
    let app = spawn_app().await;
    let admin_token = operator_token(&app, OperatorRole::Admin).await;
    let key = rsa_key(2048, Some("rsa-1"));
    let resource = register(&app, &admin_token, RSA_API, Some(&key.public)).await;
    let (server, server_secret) = serve_with_new_app(&app, &admin_token, &resource).await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let scopes = format!("openid&resource={}", urlencode(RSA_API));
    let (_, code, verifier) = code_for_scopes(&app, &id, &scopes).await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let jwe = tokens["access_token"].as_str().unwrap();
    let (inner, claims) = open(&app, jwe, &key).await;

    assert_eq!(
        app.introspect((&id, &secret), jwe).await,
        recorded(&id, &claims)
    );
    let info = app.introspect((&server, &server_secret), &inner).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["sub"], claims["sub"]);

    assert_eq!(app.revoke((&id, &secret), jwe, "access_token").await, 200);
    let inactive = json!({ "active": false });
    assert_eq!(app.introspect((&id, &secret), jwe).await, inactive);
    assert_eq!(
        app.introspect((&server, &server_secret), &inner).await,
        inactive
    );
}

#[tokio::test]
async fn an_expired_encrypted_token_is_inactive_and_its_record_purged() {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    let admin_token = operator_token(&app, OperatorRole::Admin).await;
    let key = ec_key(EcCurve::P256, None);
    register(&app, &admin_token, EC_API, Some(&key.public)).await;
    let (id, secret) = app.machine_app().await;
    let old = client_token(&app, (&id, &secret), EC_API).await;
    let old = old["access_token"].as_str().unwrap();
    assert_eq!(app.introspect((&id, &secret), old).await["active"], true);

    clock.advance(chrono::Duration::minutes(10));
    assert_eq!(
        app.introspect((&id, &secret), old).await,
        json!({ "active": false })
    );
    let fresh = client_token(&app, (&id, &secret), EC_API).await;
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_eq!(rows(&app, "encrypted_access_tokens").await, 2);
    tessera::oauth::housekeeping::purge_expired(&app.state.dbs.ops, clock.now())
        .await
        .unwrap();
    let db = &app.state.dbs.ops;
    let (old_hash, fresh_hash) = (sha256_hex(old.as_bytes()), sha256_hex(fresh.as_bytes()));
    let old_row = find_encrypted_access_token(db, &old_hash).await.unwrap();
    assert_eq!(old_row, None, "purged");
    let fresh_row = find_encrypted_access_token(db, &fresh_hash).await.unwrap();
    assert!(fresh_row.is_some(), "kept until it expires");
    assert_eq!(app.introspect((&id, &secret), fresh).await["active"], true);
}
