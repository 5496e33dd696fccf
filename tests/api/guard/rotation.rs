//! Key rotation with `tessera keys rotate`: one guard, never rebuilt, takes the new signing key
//! from the JWKS when a token first names it, and keeps accepting tokens of the retired key.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tessera::crypto::keyring::SigningAlg;
use tessera_guard::{Clock, ManualClock, Method};

use super::{
    guard, guard_config, kid_of, machine, machine_token, reports_api, reports_service, request,
    send,
};
use crate::common::{kids, spawn_app, stderr, stdout, TestApp};

/// Runs `tessera keys rotate --alg ES256 --now` and loads the ring into the running server
/// (as its key poller would); returns the new signing kid.
async fn rotate_es256_now(app: &TestApp) -> String {
    let out = app
        .env
        .cli(&["keys", "rotate", "--alg", "ES256", "--now"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["state"], "active");
    let new = line["kid"].as_str().unwrap().to_owned();
    app.state.keys.sync().await.unwrap();
    assert_eq!(app.state.keys.active(SigningAlg::Es256).unwrap().kid, new);
    new
}

#[tokio::test]
async fn after_a_rotation_new_and_old_tokens_pass_the_same_guard() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let old_token = machine_token(&app, (&id, &secret)).await;
    let guard = guard(
        guard_config(&app)
            .refresh_cooldown(Duration::ZERO)
            .build()
            .unwrap(),
    )
    .await;
    let service = reports_service!(guard);
    let service = &service;
    let eu = |token: String| async move {
        send(
            &service,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };
    assert_eq!(eu(old_token.clone()).await.status, 200);
    let known_to_the_guard = kids(&app.jwks().await);

    let new_kid = rotate_es256_now(&app).await;
    let new_token = machine_token(&app, (&id, &secret)).await;
    assert_eq!(kid_of(&new_token), new_kid);
    assert_ne!(kid_of(&new_token), kid_of(&old_token));
    assert!(
        !known_to_the_guard.contains(&new_kid),
        "the guard cached the JWKS before the new key existed"
    );

    let new = eu(new_token).await;
    assert_eq!(new.status, 200, "signed by the new key: {new:?}");
    let old = eu(old_token).await;
    assert_eq!(old.status, 200, "signed by the retired key: {old:?}");
}

#[tokio::test]
async fn an_unknown_kid_is_looked_up_again_only_after_the_refresh_cooldown() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let cooldown = Duration::from_secs(10);
    let guard = guard(
        guard_config(&app)
            .refresh_cooldown(cooldown)
            .clock(clock.clone() as Arc<dyn Clock>)
            .build()
            .unwrap(),
    )
    .await;
    let service = reports_service!(guard);

    rotate_es256_now(&app).await;
    let token = machine_token(&app, (&id, &secret)).await;
    let me = || {
        send(
            &service,
            request(Method::Get, "/me", Some(&token)).to_request(),
        )
    };
    // Within the cooldown since the guard's first fetch, the IdP is not asked again.
    me().await
        .assert_invalid_token("an unknown kid within the cooldown");
    clock.advance(cooldown);
    let after = me().await;
    assert_eq!(after.status, 200, "the cooldown has passed: {after:?}");
}
