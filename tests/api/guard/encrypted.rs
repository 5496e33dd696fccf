//! Encrypted access tokens (a JWE around the signed token, RFC 7519 §5.2) of a resource that
//! registered an encryption key: the guard holding the service's private key opens them and
//! checks the token inside like any other; a token it cannot open, a plain token where an
//! encrypted one is required, and a JWE at a guard without a key are 401 `invalid_token`.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera::access::{self, ResourceChange, ResourceTokenSettings};
use tessera::operators::OperatorRole;
use tessera_guard::{AuthError, Method, Validator};

use super::{
    change_reports, guard, guard_config, guard_of, jwe_header, machine, machine_token,
    machine_token_for, reports_api, reports_service, request, send, user_tokens, EncryptionKey,
    API,
};
use crate::admin_api::operator_token;
use crate::common::{spawn_app, TestApp};

const BILLING: &str = "https://api.example.com/billing";
const UNDECRYPTABLE: &str = "the access token cannot be decrypted";

/// Registers the reports API (see `reports_api`) with `key` as its token encryption key;
/// returns the analyst role's id.
async fn encrypted_reports(app: &TestApp, key: &EncryptionKey) -> String {
    let role = reports_api(app).await;
    let change = ResourceChange {
        token_encryption_key: Some(Some(key.public.clone())),
        ..Default::default()
    };
    change_reports(app, change).await;
    role
}

/// A client_credentials token and a code-flow token of the reports API encrypted to `key`
/// pass the guard holding its private half, with their claims and rights as if signed only.
async fn encrypted_tokens_pass_with_the_private_key(key: EncryptionKey) {
    let app = spawn_app().await;
    let role = encrypted_reports(&app, &key).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let app_token = machine_token(&app, (&id, &secret)).await;
    let user = user_tokens(&app, Some(API), Some(&role)).await;
    let config = guard_config(&app).decryption_key(key.decryption_key());
    let guard = guard(config.build().unwrap()).await;
    let service = reports_service!(guard);
    let service = &service;
    let call = |path: &'static str, token: String| async move {
        send(
            service,
            request(Method::Get, path, Some(&token)).to_request(),
        )
        .await
    };

    for (token, sub, client_id) in [
        (app_token, &id, &id),
        (user.access_token, &user.user_id, &user.client_id),
    ] {
        let header = jwe_header(&token);
        assert_eq!(header["alg"], key.public["alg"], "{header}");
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["cty"], "JWT");
        assert_eq!(header.get("kid"), key.public.get("kid"));

        let me = call("/me", token.clone()).await;
        assert_eq!(me.status, 200, "{me:?}");
        assert_eq!(me.body["sub"], sub.as_str());
        assert_eq!(me.body["client_id"], client_id.as_str());
        assert_eq!(me.body["aud"], json!([API]));
        assert_eq!(me.body["roles"], json!(["analyst"]));
        assert_eq!(
            me.body["rights"],
            json!({"reports:read": {"region": ["eu"]}, "reports:write": {}})
        );
        let eu = call("/reports/eu", token.clone()).await;
        assert_eq!(eu.status, 200, "{eu:?}");
        call("/reports/us", token)
            .await
            .assert_insufficient_scope("reports:read is constrained to region eu");
    }
}

#[tokio::test]
async fn rsa_oaep_256_encrypted_tokens_pass_a_guard_holding_the_private_key() {
    encrypted_tokens_pass_with_the_private_key(EncryptionKey::rsa(None)).await;
}

#[tokio::test]
async fn ecdh_es_encrypted_tokens_pass_a_guard_holding_the_private_key() {
    encrypted_tokens_pass_with_the_private_key(EncryptionKey::ec(Some("reports-ec-1"))).await;
}

#[tokio::test]
async fn a_token_encrypted_for_another_service_or_to_another_key_is_refused() {
    let app = spawn_app().await;
    let reports_key = EncryptionKey::rsa(Some("reports-1"));
    let role = encrypted_reports(&app, &reports_key).await;
    // The billing API's key has no kid: its tokens are tried with every RSA key a guard holds.
    let billing_key = EncryptionKey::rsa(None);
    let billing = ResourceTokenSettings {
        token_encryption_key: Some(billing_key.public.clone()),
        server_client_id: None,
    };
    access::register_resource_with(
        &app.state.dbs.ops,
        &app.state.clock,
        BILLING,
        "Billing API",
        billing,
    )
    .await
    .unwrap();
    let (id, secret) = machine(&app, Some(&role)).await;
    let reports_token = machine_token(&app, (&id, &secret)).await;
    let billing_token = machine_token_for(&app, (&id, &secret), BILLING).await;
    assert_eq!(jwe_header(&billing_token).get("kid"), None);

    let reports = guard(
        guard_config(&app)
            .decryption_key(reports_key.decryption_key())
            .build()
            .unwrap(),
    )
    .await;
    let service = reports_service!(reports);
    let me = send(
        &service,
        request(Method::Get, "/me", Some(&reports_token)).to_request(),
    )
    .await;
    assert_eq!(me.status, 200, "the reports token: {me:?}");
    send(
        &service,
        request(Method::Get, "/me", Some(&billing_token)).to_request(),
    )
    .await
    .assert_refused_as(UNDECRYPTABLE);

    // A guard that also holds the billing key opens the billing token, and still refuses it:
    // the token inside is for another audience.
    let both = guard(
        guard_config(&app)
            .decryption_key(reports_key.decryption_key())
            .decryption_key(billing_key.decryption_key())
            .build()
            .unwrap(),
    )
    .await;
    let service = reports_service!(both);
    send(
        &service,
        request(Method::Get, "/me", Some(&billing_token)).to_request(),
    )
    .await
    .assert_refused_as("the access token is for another audience");
    let me = send(
        &service,
        request(Method::Get, "/me", Some(&reports_token)).to_request(),
    )
    .await;
    assert_eq!(me.status, 200, "the reports token with both keys: {me:?}");

    // A rotation mistake: the guard got a new private key, not the registered key's, whether
    // under the registered kid (decryption is tried and fails) or under none (no key has it).
    for (what, wrong) in [
        (
            "another key, same kid",
            EncryptionKey::rsa(Some("reports-1")),
        ),
        ("another key, no kid", EncryptionKey::rsa(None)),
    ] {
        let mistaken = guard(
            guard_config(&app)
                .decryption_key(wrong.decryption_key())
                .build()
                .unwrap(),
        )
        .await;
        let service = reports_service!(mistaken);
        let answer = send(
            &service,
            request(Method::Get, "/me", Some(&reports_token)).to_request(),
        )
        .await;
        assert_eq!(answer.body["error_description"], UNDECRYPTABLE, "{what}");
        answer.assert_invalid_token(what);
    }
}

#[tokio::test]
async fn a_guard_holding_a_key_refuses_plain_tokens_unless_it_allows_them() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let key = EncryptionKey::ec(None);
    let (id, secret) = machine(&app, Some(&role)).await;
    let strict = guard(
        guard_config(&app)
            .decryption_key(key.decryption_key())
            .build()
            .unwrap(),
    )
    .await;
    let lenient = guard(
        guard_config(&app)
            .decryption_key(key.decryption_key())
            .allow_unencrypted(true)
            .build()
            .unwrap(),
    )
    .await;
    let strict = reports_service!(strict);
    let lenient = reports_service!(lenient);
    let strict = &strict;
    let lenient = &lenient;
    let at_strict = |token: String| async move {
        send(
            strict,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };
    let at_lenient = |token: String| async move {
        send(
            lenient,
            request(Method::Get, "/reports/eu", Some(&token)).to_request(),
        )
        .await
    };

    // The resource registered no key yet: its tokens are signed only.
    let plain = machine_token(&app, (&id, &secret)).await;
    assert_eq!(plain.split('.').count(), 3);
    at_strict(plain.clone())
        .await
        .assert_refused_as("the access token must be encrypted");
    let passed = at_lenient(plain).await;
    assert_eq!(passed.status, 200, "allow_unencrypted(true): {passed:?}");

    // Registered: both guards pass the encrypted token.
    let change = ResourceChange {
        token_encryption_key: Some(Some(key.public.clone())),
        ..Default::default()
    };
    change_reports(&app, change).await;
    let encrypted = machine_token(&app, (&id, &secret)).await;
    jwe_header(&encrypted);
    for (what, answer) in [
        ("strict", at_strict(encrypted.clone()).await),
        ("lenient", at_lenient(encrypted).await),
    ] {
        assert_eq!(answer.status, 200, "{what}: {answer:?}");
    }

    // Cleared with the admin API: the next token is signed only again.
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let reports = access::find_resource_by_identifier(&app.state.dbs.ops, API)
        .await
        .unwrap()
        .unwrap();
    let res = app
        .client
        .patch(format!("{}/api/resources/{}", app.admin_url, reports.id))
        .bearer_auth(&admin)
        .json(&json!({ "token_encryption_key": null }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let cleared: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert!(cleared["token_encryption_key"].is_null(), "{cleared}");
    let plain = machine_token(&app, (&id, &secret)).await;
    assert_eq!(plain.split('.').count(), 3);
    at_strict(plain.clone())
        .await
        .assert_refused_as("the access token must be encrypted");
    let passed = at_lenient(plain).await;
    assert_eq!(passed.status, 200, "allow_unencrypted(true): {passed:?}");
}

#[tokio::test]
async fn a_guard_without_a_decryption_key_refuses_an_encrypted_token() {
    let app = spawn_app().await;
    let key = EncryptionKey::rsa(None);
    let role = encrypted_reports(&app, &key).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    jwe_header(&token);
    let validator = Validator::new(guard_config(&app).build().unwrap())
        .await
        .unwrap();

    let err = validator.validate(&token).await.unwrap_err();
    assert!(matches!(err, AuthError::Undecryptable(_)), "{err:?}");
    let guard = guard_of(&validator);
    let service = reports_service!(guard);
    for path in ["/me", "/reports/eu"] {
        send(
            &service,
            request(Method::Get, path, Some(&token)).to_request(),
        )
        .await
        .assert_refused_as(UNDECRYPTABLE);
    }
}
