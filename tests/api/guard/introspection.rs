//! Introspection (RFC 7662) by the guard, as the app Tessera knows as the resource's server:
//! a token revoked at Tessera (RFC 7009) is refused before it expires, once a cached answer
//! has aged past its TTL; credentials Tessera refuses stop the guard at start, and fail closed
//! (503) when refused after it; an app that may not introspect the resource's tokens sees them
//! all inactive (401); an encrypted token is introspected by the signed token inside, and dies
//! when its app revokes it or its refresh token.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::ExposeSecret;
use serde_json::json;
use tessera::access::{ResourceChange, Subject};
use tessera_guard::{
    AuthError, Clock, Config, InitError, Introspection, ManualClock, Method, Validator,
};

use super::{
    change_reports, grant, guard, guard_config, guard_of, introspection_as, introspection_endpoint,
    jwe_header, machine, machine_token, reports_api, reports_service, request, send, EncryptionKey,
    API,
};
use crate::common::{spawn_app, TestApp};
use crate::flow::{code_for_scopes, exchange, urlencode, EMAIL, PASSWORD};

const REVOKED: &str = "the access token is no longer active";

/// Registers the reports API (see `reports_api`) with a new app as its resource server's;
/// returns the analyst role's id and the server app's credentials.
async fn served_reports(app: &TestApp) -> (String, (String, String)) {
    let role = reports_api(app).await;
    let (server, secret) = app.machine_app().await;
    serve_reports_as(app, &server).await;
    (role, (server, secret))
}

/// Names `client_id` the app of the reports API's resource server.
async fn serve_reports_as(app: &TestApp, client_id: &str) {
    let change = ResourceChange {
        server_client_id: Some(Some(client_id.to_owned())),
        ..Default::default()
    };
    change_reports(app, change).await;
}

#[tokio::test]
async fn a_revoked_token_passes_a_plain_guard_and_is_refused_by_an_introspecting_one() {
    let app = spawn_app().await;
    let (role, (server, server_secret)) = served_reports(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    // Neither a JWKS URL nor an endpoint: both come from discovery.
    let endpoint = introspection_endpoint(&app).await;
    assert_eq!(endpoint, format!("{}/introspect", app.issuer));
    let config = Config::builder(app.issuer.clone())
        .audience(API)
        .allow_insecure_http(true)
        .introspection(Introspection::new(&server, &server_secret).cache_ttl(Duration::ZERO))
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    assert_eq!(
        validator.introspection_endpoint().map(|u| u.as_str()),
        Some(endpoint.as_str())
    );
    let checked = guard_of(&validator);
    let checked = reports_service!(checked);
    let plain = guard(guard_config(&app).build().unwrap()).await;
    let plain = reports_service!(plain);
    let (checked, plain) = (&checked, &plain);
    let at_checked = |token: String| async move {
        send(
            checked,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };
    let at_plain = |token: String| async move {
        send(
            plain,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };

    let active = at_checked(token.clone()).await;
    assert_eq!(
        active.status, 200,
        "another app's token, active: {active:?}"
    );
    assert_eq!(at_plain(token.clone()).await.status, 200);

    assert_eq!(
        app.revoke((&id, &secret), &token, "access_token").await,
        200
    );
    assert_eq!(
        app.introspect((&server, &server_secret), &token).await,
        json!({"active": false})
    );
    at_checked(token.clone()).await.assert_refused_as(REVOKED);
    assert_eq!(validator.validate(&token).await, Err(AuthError::Revoked));
    // Without introspection the signed token is valid until its exp: why introspection exists.
    let unaware = at_plain(token).await;
    assert_eq!(unaware.status, 200, "no introspection: {unaware:?}");

    // Only that token: a new one of the same app passes.
    let fresh = machine_token(&app, (&id, &secret)).await;
    let fresh = at_checked(fresh).await;
    assert_eq!(fresh.status, 200, "{fresh:?}");
}

#[tokio::test]
async fn a_cached_active_answer_lets_a_revoked_token_pass_until_the_cache_ttl_has_passed() {
    let app = spawn_app().await;
    let (role, server) = served_reports(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    // Well within the token's 10 minutes, and long enough that the cache's own wall-clock
    // eviction (at the same TTL) cannot happen during the test.
    let ttl = Duration::from_secs(300);
    let introspection = introspection_as(&app, (&server.0, &server.1))
        .await
        .cache_ttl(ttl);
    let config = guard_config(&app)
        .clock(clock.clone() as Arc<dyn Clock>)
        .introspection(introspection)
        .build()
        .unwrap();
    let guard = guard(config).await;
    let service = reports_service!(guard);
    let eu = || {
        send(
            &service,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
    };

    assert_eq!(eu().await.status, 200, "asked: active");
    assert_eq!(
        app.revoke((&id, &secret), &token, "access_token").await,
        200
    );
    assert_eq!(
        app.introspect((&server.0, &server.1), &token).await,
        json!({"active": false})
    );
    assert_eq!(eu().await.status, 200, "the cached answer, just after");
    clock.advance(ttl - Duration::from_secs(1));
    assert_eq!(
        eu().await.status,
        200,
        "the cached answer, a second before the TTL"
    );
    clock.advance(Duration::from_secs(1));
    eu().await.assert_refused_as(REVOKED);
}

/// `Validator::new` asks Tessera once about a made-up token: credentials it refuses (a wrong
/// secret, an unknown app) stop the service at start instead of making every request a 503.
/// Real credentials of an app that may not introspect the resource's tokens pass that check
/// (Tessera answers it `"active": false` like any token) and see every token inactive.
#[tokio::test]
async fn refused_guard_credentials_fail_the_start_and_an_app_that_may_not_introspect_sees_tokens_inactive(
) {
    let app = spawn_app().await;
    let (role, (server, _)) = served_reports(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    let endpoint = introspection_endpoint(&app).await;
    let with_credentials = |(id, secret): (&str, &str)| {
        let introspection = Introspection::new(id, secret).cache_ttl(Duration::ZERO);
        let config = Config::builder(app.issuer.clone())
            .audience(API)
            .allow_insecure_http(true)
            .introspection(introspection)
            .build()
            .unwrap();
        Validator::new(config)
    };

    // Tessera answers the start-up request itself with 401: the guard's own misconfiguration.
    for (what, credentials) in [
        (
            "the server app with a wrong secret",
            (server.as_str(), "not-the-server-secret-7f3a"),
        ),
        (
            "an unknown app",
            ("no-such-app", "secret-of-no-such-app-9c1e"),
        ),
    ] {
        let err = with_credentials(credentials).await.unwrap_err();
        let InitError::Introspection { url, reason } = &err else {
            panic!("{what}: expected InitError::Introspection, got {err:?}");
        };
        assert_eq!(url, &endpoint, "{what}");
        assert!(
            reason.contains("401") && reason.contains("credentials"),
            "{what}: {reason}"
        );
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(credentials.1), "{what}: {shown}");
    }

    // Real credentials of an app that is neither the token's nor the resource server's: the
    // guard starts, and Tessera tells it nothing, so every token is inactive.
    let (stranger, stranger_secret) = app.machine_app().await;
    let validator = with_credentials((&stranger, &stranger_secret))
        .await
        .unwrap();
    let guard = guard_of(&validator);
    let service = reports_service!(guard);
    let eu = || {
        send(
            &service,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
    };
    eu().await.assert_refused_as(REVOKED);
    // Named the resource's server app instead, the same guard passes the same token.
    serve_reports_as(&app, &stranger).await;
    let served = eu().await;
    assert_eq!(served.status, 200, "{served:?}");
}

/// Credentials that Tessera stops accepting after the guard started (its app's secret rotated
/// without grace, before the service got the new one) are the guard's misconfiguration, not
/// the token's fault: it fails closed with 503, and a restart with the old secret fails.
#[tokio::test]
async fn a_guard_secret_rotated_away_after_the_start_is_503_and_fails_the_next_start() {
    let app = spawn_app().await;
    let (role, (server, server_secret)) = served_reports(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    let config = |secret: &str| {
        let introspection = Introspection::new(&server, secret).cache_ttl(Duration::ZERO);
        Config::builder(app.issuer.clone())
            .audience(API)
            .allow_insecure_http(true)
            .introspection(introspection)
            .build()
            .unwrap()
    };
    let validator = Validator::new(config(&server_secret)).await.unwrap();
    let guard = guard_of(&validator);
    let service = reports_service!(guard);
    let eu = || {
        send(
            &service,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
    };
    let before = eu().await;
    assert_eq!(before.status, 200, "{before:?}");

    let registered = app.state.apps.find(&server).await.unwrap().unwrap();
    let rotated = tessera::apps::rotate_keys(
        &app.state.dbs.ops,
        &app.state.clock,
        &registered,
        Duration::ZERO,
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    eu().await
        .assert_unavailable("the guard's secret no longer works");
    assert_eq!(
        validator.validate(&token).await,
        Err(AuthError::IntrospectionUnavailable)
    );

    let err = Validator::new(config(&server_secret)).await.unwrap_err();
    assert!(
        matches!(&err, InitError::Introspection { reason, .. } if reason.contains("401")),
        "{err:?}"
    );
    let validator = Validator::new(config(rotated.client_secret.expose_secret()))
        .await
        .unwrap();
    assert_eq!(
        validator.validate(&token).await.map(|c| c.client_id),
        Ok(id)
    );
}

#[tokio::test]
async fn an_encrypted_token_is_introspected_by_the_token_inside_and_dies_when_revoked_or_with_its_refresh_token(
) {
    let app = spawn_app().await;
    let (role, (server, server_secret)) = served_reports(&app).await;
    let key = EncryptionKey::ec(Some("reports-ec-1"));
    let change = ResourceChange {
        token_encryption_key: Some(Some(key.public.clone())),
        ..Default::default()
    };
    change_reports(&app, change).await;
    let alice = app.create_user(EMAIL, PASSWORD).await;
    grant(&app, &role, Subject::User(alice)).await;
    let (client, client_secret) = app.web_app().await;
    // The code flow with a refresh token: (access token, refresh token).
    let sign_in = || async {
        let scopes = format!("openid%20offline_access&resource={}", urlencode(API));
        let (_, code, verifier) = code_for_scopes(&app, &client, &scopes).await;
        let (status, tokens) =
            exchange(&app, (&client, &client_secret), &code, Some(&verifier)).await;
        assert_eq!(status, 200, "{tokens}");
        let access_token = tokens["access_token"].as_str().unwrap().to_owned();
        assert_eq!(jwe_header(&access_token)["alg"], "ECDH-ES+A256KW");
        (
            access_token,
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        )
    };
    let (access_token, _) = sign_in().await;
    // Sent as is, the JWE is for its own app to introspect (Tessera keeps only its hash, and
    // cannot read the claims): to the server app it is inactive. The guard asks about the
    // signed token inside.
    assert_eq!(
        app.introspect((&server, &server_secret), &access_token)
            .await,
        json!({"active": false})
    );

    let introspection = introspection_as(&app, (&server, &server_secret))
        .await
        .cache_ttl(Duration::ZERO);
    let checked = guard(
        guard_config(&app)
            .decryption_key(key.decryption_key())
            .introspection(introspection)
            .build()
            .unwrap(),
    )
    .await;
    let checked = reports_service!(checked);
    let plain = guard(
        guard_config(&app)
            .decryption_key(key.decryption_key())
            .build()
            .unwrap(),
    )
    .await;
    let plain = reports_service!(plain);
    let (checked, plain) = (&checked, &plain);
    let at_checked = |token: String| async move {
        send(
            checked,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };
    let at_plain = |token: String| async move {
        send(
            plain,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };

    let active = at_checked(access_token.clone()).await;
    assert_eq!(
        active.status, 200,
        "the signed token inside is active: {active:?}"
    );
    // RFC 7009: the client revokes the JWE it was given; Tessera finds it by its hash and
    // revokes the signed token inside, which the introspecting guard then refuses.
    assert_eq!(
        app.revoke((&client, &client_secret), &access_token, "access_token")
            .await,
        200
    );
    at_checked(access_token.clone())
        .await
        .assert_refused_as(REVOKED);
    let unaware = at_plain(access_token).await;
    assert_eq!(unaware.status, 200, "no introspection: {unaware:?}");

    // RFC 7009 §2.1: revoking the refresh token revokes the access tokens of its grant.
    let (access_token, refresh_token) = sign_in().await;
    let active = at_checked(access_token.clone()).await;
    assert_eq!(active.status, 200, "another grant's token: {active:?}");
    assert_eq!(
        app.revoke((&client, &client_secret), &refresh_token, "refresh_token")
            .await,
        200
    );
    at_checked(access_token.clone())
        .await
        .assert_refused_as(REVOKED);
    let unaware = at_plain(access_token).await;
    assert_eq!(unaware.status, 200, "no introspection: {unaware:?}");
}
