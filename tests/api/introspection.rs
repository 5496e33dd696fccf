//! Introspection (RFC 7662) and revocation (RFC 7009) of access tokens.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde_json::Value;
use tessera::clock::FixedClock;

use crate::common::{spawn_app, spawn_app_in, TestApp, TestEnv};

async fn client_token(app: &TestApp, id: &str, secret: &str) -> String {
    let res = app
        .post_token(&[("grant_type", "client_credentials")], Some((id, secret)))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn revoke(app: &TestApp, (id, secret): (&str, &str), token: &str) -> u16 {
    app.client
        .post(format!("{}/revoke", app.public_url))
        .basic_auth(id, Some(secret))
        .form(&[("token", token), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
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

    assert_eq!(revoke(&app, (&id, &secret), &token).await, 200);
    assert_eq!(
        app.introspect((&id, &secret), &token).await,
        serde_json::json!({"active": false})
    );
    // Revoking again, or revoking garbage, is still 200 (RFC 7009 §2.2).
    assert_eq!(revoke(&app, (&id, &secret), &token).await, 200);
    assert_eq!(revoke(&app, (&id, &secret), "garbage").await, 200);
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
    assert_eq!(revoke(&app, (&b_id, &b_secret), &token).await, 200);
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
