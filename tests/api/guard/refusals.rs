//! Tokens the guard must refuse with 401 `invalid_token`: expired, for another audience or
//! issuer, unsigned, HMAC-signed with a public key, pointing at another key, tampered with, or
//! not access tokens. Where a token is forged with Tessera's real key, a control signed the same
//! way with only the checked property intact passes, so each refusal is that check's doing.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tessera::crypto::keyring::SigningAlg;
use tessera_guard::{Clock, ManualClock, Method};

use super::{
    b64, b64_json, guard, guard_config, guard_config_for, kid_of, machine, machine_token, mint,
    reports_api, reports_service, request, send, split, user_tokens, API,
};
use crate::common::{spawn_app, stderr, stdout, TestApp};

/// A token for the reports API, granted the analyst role, from client_credentials.
async fn granted_token(app: &TestApp) -> String {
    let role = reports_api(app).await;
    let (id, secret) = machine(app, Some(&role)).await;
    machine_token(app, (&id, &secret)).await
}

/// The published JWK with this kid, as served at /jwks.
async fn published_jwk(app: &TestApp, kid: &str) -> Value {
    app.jwks().await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("{kid} is not published"))
        .clone()
}

#[tokio::test]
async fn an_expired_token_is_refused_once_exp_and_the_leeway_have_passed() {
    let app = spawn_app().await;
    let token = granted_token(&app).await;
    let exp = split(&token).1["exp"].as_u64().unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let leeway = Duration::from_secs(30);
    let config = guard_config(&app)
        .leeway(leeway)
        .clock(clock.clone() as Arc<dyn Clock>)
        .build()
        .unwrap();
    let guard = guard(config).await;
    let service = reports_service!(guard);
    let me = || {
        send(
            &service,
            request(Method::Get, "/me", Some(&token)).to_request(),
        )
    };

    assert_eq!(me().await.status, 200, "fresh");
    let deadline = UNIX_EPOCH + Duration::from_secs(exp) + leeway;
    clock.set(deadline - Duration::from_secs(1));
    assert_eq!(me().await.status, 200, "within the leeway after exp");
    clock.set(deadline);
    me().await.assert_invalid_token("expired");
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let app = spawn_app().await;
    let token = granted_token(&app).await;
    let other = guard(
        guard_config_for(&app, "https://api.example.com/billing")
            .build()
            .unwrap(),
    )
    .await;
    let service = reports_service!(other);
    send(
        &service,
        request(Method::Get, "/me", Some(&token)).to_request(),
    )
    .await
    .assert_invalid_token("a reports token at the billing API");

    // A token asked for without a resource is for Tessera itself (aud = issuer).
    let plain = user_tokens(&app, None, None).await;
    assert_eq!(split(&plain.access_token).1["aud"], app.issuer.as_str());
    let reports = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(reports);
    send(
        &service,
        request(Method::Get, "/me", Some(&plain.access_token)).to_request(),
    )
    .await
    .assert_invalid_token("a token for Tessera itself at the reports API");
}

#[tokio::test]
async fn a_token_signed_by_tesseras_key_for_another_issuer_is_refused() {
    let app = spawn_app().await;
    let token = granted_token(&app).await;
    let (_, payload, _) = split(&token);
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);
    let service = &service;
    let me = |token: String| async move {
        send(
            &service,
            request(Method::Get, "/me", Some(&token)).to_request(),
        )
        .await
    };

    let control = me(mint(&app, "at+jwt", &payload)).await;
    assert_eq!(control.status, 200, "re-signed unchanged: {control:?}");
    for iss in [
        "https://evil.example.com".to_owned(),
        format!("{}/", app.issuer),
    ] {
        let mut forged = payload.clone();
        forged["iss"] = json!(iss);
        me(mint(&app, "at+jwt", &forged))
            .await
            .assert_invalid_token(&format!("iss {iss}"));
    }
}

#[tokio::test]
async fn unsigned_and_hmac_tokens_naming_real_keys_are_refused() {
    let app = spawn_app().await;
    let token = granted_token(&app).await;
    let (header, payload, _) = split(&token);
    let es_kid = header["kid"].as_str().unwrap().to_owned();
    let rs_kid = app
        .state
        .keys
        .active(SigningAlg::Rs256)
        .unwrap()
        .kid
        .clone();
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);

    // RFC 8725 §3.1: `alg: none`, with the real kid and an empty signature.
    let none = json!({"alg": "none", "typ": "at+jwt", "kid": es_kid});
    let unsigned = format!("{}.{}.", b64_json(&none), b64_json(&payload));
    send(
        &service,
        request(Method::Get, "/me", Some(&unsigned)).to_request(),
    )
    .await
    .assert_invalid_token("alg none");

    // HS256 keyed with the public key as published (the classic key-confusion attack).
    for kid in [&es_kid, &rs_kid] {
        let secret = serde_json::to_vec(&published_jwk(&app, kid).await).unwrap();
        let hs = json!({"alg": "HS256", "typ": "at+jwt", "kid": kid});
        let input = format!("{}.{}", b64_json(&hs), b64_json(&payload));
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
        mac.update(input.as_bytes());
        let tag = b64(&mac.finalize().into_bytes());
        let forged = format!("{input}.{tag}");
        send(
            &service,
            request(Method::Get, "/me", Some(&forged)).to_request(),
        )
        .await
        .assert_invalid_token(&format!("HS256 with the public JWK of {kid}"));
    }
}

#[tokio::test]
async fn a_real_token_pointed_at_another_published_key_is_refused() {
    let app = spawn_app().await;
    let token = granted_token(&app).await;
    let (header, payload, signature) = split(&token);
    // A successor ES256 key, published but not signing yet.
    let out = app.env.cli(&["keys", "rotate", "--alg", "ES256"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["state"], "next");
    let next_kid = line["kid"].as_str().unwrap().to_owned();
    app.state.keys.sync().await.unwrap();
    assert!(crate::common::kids(&app.jwks().await).contains(&next_kid));
    assert_eq!(
        app.state.keys.active(SigningAlg::Es256).unwrap().kid,
        kid_of(&token),
        "the successor does not sign yet"
    );
    let rs_kid = app
        .state
        .keys
        .active(SigningAlg::Rs256)
        .unwrap()
        .kid
        .clone();
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);

    let control = send(
        &service,
        request(Method::Get, "/me", Some(&token)).to_request(),
    )
    .await;
    assert_eq!(control.status, 200, "{control:?}");
    for kid in [rs_kid, next_kid] {
        let mut swapped = header.clone();
        swapped["kid"] = json!(kid);
        let forged = format!("{}.{}.{signature}", b64_json(&swapped), b64_json(&payload));
        send(
            &service,
            request(Method::Get, "/me", Some(&forged)).to_request(),
        )
        .await
        .assert_invalid_token(&format!("kid swapped to {kid}"));
    }
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let app = spawn_app().await;
    let token = granted_token(&app).await;
    let (_, payload, _) = split(&token);
    let header_part = token.split('.').next().unwrap();
    let signature = token.rsplit('.').next().unwrap();
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);
    let service = &service;
    let us = |token: String| async move {
        send(
            &service,
            request(Method::Get, "/reports/us", Some(&token)).to_request(),
        )
        .await
    };

    us(token.clone())
        .await
        .assert_insufficient_scope("the real token is for eu only");
    let mut widened = payload.clone();
    widened["rights"]["reports:read"]["region"] = json!(["eu", "us"]);
    let mut other_sub = payload.clone();
    other_sub["sub"] = json!("someone-else");
    for (what, forged) in [("rights", widened), ("sub", other_sub)] {
        let tampered = format!("{header_part}.{}.{signature}", b64_json(&forged));
        us(tampered)
            .await
            .assert_invalid_token(&format!("{what} changed"));
    }
}

#[tokio::test]
async fn id_tokens_and_other_jwts_without_typ_at_jwt_are_refused() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let user = user_tokens(&app, Some(API), Some(&role)).await;
    let (id_header, _, _) = split(&user.id_token);
    assert_eq!(id_header["typ"], "JWT");
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);
    let service = &service;
    let me = |token: String| async move {
        send(
            &service,
            request(Method::Get, "/me", Some(&token)).to_request(),
        )
        .await
    };

    // RFC 9068 §4: the real ID token, signed by Tessera's published RS256 key.
    me(user.id_token.clone())
        .await
        .assert_invalid_token("the ID token");
    // The access token's own claims, signed by the real ES256 key, with typ JWT.
    let (_, payload, _) = split(&user.access_token);
    let control = me(mint(&app, "at+jwt", &payload)).await;
    assert_eq!(control.status, 200, "{control:?}");
    me(mint(&app, "JWT", &payload))
        .await
        .assert_invalid_token("typ JWT");
}
