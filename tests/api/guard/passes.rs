//! Real tokens that pass the guard, and the policy deciding on their rights.

use serde_json::json;
use tessera_guard::{Config, InitError, Method, Validator};

use super::{
    guard, guard_config, machine, machine_token, reports_api, reports_service, request, send,
    user_tokens, API,
};
use crate::common::spawn_app;

#[tokio::test]
async fn a_code_flow_token_for_the_resource_passes_with_its_user_and_app() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let user = user_tokens(&app, Some(API), Some(&role)).await;
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);

    let me = send(
        &service,
        request(Method::Get, "/me", Some(&user.access_token)).to_request(),
    )
    .await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["sub"], user.user_id.as_str());
    assert_eq!(me.body["client_id"], user.client_id.as_str());
    assert_eq!(me.body["aud"], json!([API]));
    assert_eq!(me.body["roles"], json!(["analyst"]));
    assert_eq!(
        me.body["rights"],
        json!({"reports:read": {"region": ["eu"]}, "reports:write": {}})
    );

    let health = send(&service, request(Method::Get, "/health", None).to_request()).await;
    assert_eq!((health.status, health.body.as_str()), (200, Some("ok")));

    // RFC 6750 §3.1: a request without credentials gets a bare challenge, no error code.
    let bare = send(&service, request(Method::Get, "/me", None).to_request()).await;
    assert_eq!(bare.status, 401, "{bare:?}");
    assert_eq!(bare.challenge.as_deref(), Some("Bearer realm=\"reports\""));
    assert_eq!(bare.error_code(), None);
}

#[tokio::test]
async fn a_client_credentials_token_for_the_resource_passes_as_the_app() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);

    let me = send(
        &service,
        request(Method::Get, "/me", Some(&token)).to_request(),
    )
    .await;
    assert_eq!(me.status, 200, "{me:?}");
    // RFC 9068 §2.2: the app acting for itself is the subject.
    assert_eq!(me.body["sub"], id.as_str());
    assert_eq!(me.body["client_id"], id.as_str());
    assert_eq!(me.body["roles"], json!(["analyst"]));

    let eu = send(
        &service,
        request(Method::Get, "/reports/eu", Some(&token)).to_request(),
    )
    .await;
    assert_eq!(eu.status, 200, "{eu:?}");
    assert_eq!(eu.body, json!({"region": "eu", "sub": id}));
}

#[tokio::test]
async fn rights_and_their_region_constraint_decide_each_route() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let granted = user_tokens(&app, Some(API), Some(&role)).await.access_token;
    let (id, secret) = machine(&app, None).await;
    let ungranted = machine_token(&app, (&id, &secret)).await;
    let guard = guard(guard_config(&app).build().unwrap()).await;
    let service = reports_service!(guard);
    let call = |method, path, token| send(&service, request(method, path, token).to_request());

    let eu = call(Method::Get, "/reports/eu", Some(&granted)).await;
    assert_eq!(eu.status, 200, "{eu:?}");
    assert_eq!(eu.body["region"], "eu");
    call(Method::Get, "/reports/us", Some(&granted))
        .await
        .assert_insufficient_scope("reports:read is constrained to region eu");
    let written = call(Method::Post, "/reports", Some(&granted)).await;
    assert_eq!(written.status, 201, "{written:?}");

    // A token for the resource without a grant carries no rights: any-token routes only.
    let me = call(Method::Get, "/me", Some(&ungranted)).await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["rights"], json!({}));
    call(Method::Get, "/reports/eu", Some(&ungranted))
        .await
        .assert_insufficient_scope("no grant, no reports:read");
    call(Method::Post, "/reports", Some(&ungranted))
        .await
        .assert_insufficient_scope("no grant, no reports:write");
}

#[tokio::test]
async fn a_guard_configured_with_only_the_issuer_discovers_the_real_jwks() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;

    let config = Config::builder(app.issuer.clone())
        .audience(API)
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let validator = Validator::new(config.clone()).await.unwrap();
    assert_eq!(
        validator.jwks_url().as_str(),
        format!("{}/jwks", app.issuer)
    );
    let claims = validator.validate(&token).await.unwrap();
    assert_eq!(claims.sub, id);
    let guard = guard(config).await;
    let service = reports_service!(guard);
    let eu = send(
        &service,
        request(Method::Get, "/reports/eu", Some(&token)).to_request(),
    )
    .await;
    assert_eq!(eu.status, 200, "{eu:?}");

    // OIDC Discovery §4.3: the document's issuer must be exactly the configured one.
    let near_miss = Config::builder(format!("{}/", app.issuer))
        .audience(API)
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let err = Validator::new(near_miss).await.unwrap_err();
    assert!(
        matches!(&err, InitError::IssuerMismatch { found, .. } if *found == app.issuer),
        "{err:?}"
    );
}
