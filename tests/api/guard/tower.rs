//! A real Tessera token through `tessera_guard::tower::GuardLayer` around a `service_fn` over
//! `http` 1.x requests (what axum, hyper and tonic run): the verified claims reach the handler
//! in the request extensions, and refusals are answered as by the actix middleware.

use std::convert::Infallible;

use ::tower::{service_fn, Layer, ServiceExt};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{Request, Response};
use serde_json::{json, Value};
use tessera_guard::tower::GuardLayer;
use tessera_guard::{AccessClaims, Validator};

use super::{guard_config, machine, machine_token, reports_api, reports_policy, API, REALM};
use crate::common::spawn_app;

/// What `layer` answers to `GET path`: (status, `WWW-Authenticate`, JSON body). The handler
/// answers `{"path": ..., "claims": ...}`, with the claims it finds in the request extensions.
async fn get(layer: &GuardLayer, path: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let handler = service_fn(|req: Request<()>| async move {
        let claims = req.extensions().get::<AccessClaims>();
        let body = json!({ "path": req.uri().path(), "claims": claims });
        Ok::<_, Infallible>(Response::new(body.to_string()))
    });
    let mut req = Request::get(path);
    if let Some(token) = token {
        req = req.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let res: Response<String> = layer
        .layer(handler)
        .oneshot(req.body(()).unwrap())
        .await
        .unwrap();
    let challenge = res
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    (
        res.status().as_u16(),
        challenge,
        serde_json::from_str(res.body()).unwrap(),
    )
}

#[tokio::test]
async fn a_real_token_passes_the_tower_layer_with_its_claims_in_the_request_extensions() {
    let app = spawn_app().await;
    let role = reports_api(&app).await;
    let (id, secret) = machine(&app, Some(&role)).await;
    let token = machine_token(&app, (&id, &secret)).await;
    let validator = Validator::new(guard_config(&app).build().unwrap())
        .await
        .unwrap();
    let layer = GuardLayer::new(validator, reports_policy()).realm(REALM);

    let (status, _, me) = get(&layer, "/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    let claims = &me["claims"];
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["client_id"], id.as_str());
    assert_eq!(claims["aud"], json!([API]));
    assert_eq!(claims["iss"], app.issuer);
    assert_eq!(claims["roles"], json!(["analyst"]));
    assert_eq!(
        claims["rights"],
        json!({"reports:read": {"region": ["eu"]}, "reports:write": {}})
    );
    let (status, _, eu) = get(&layer, "/reports/eu", Some(&token)).await;
    assert_eq!((status, &eu["claims"]["sub"]), (200, &json!(id)), "{eu}");

    // The handler does not run for a refusal: the body is the layer's.
    let (status, challenge, bare) = get(&layer, "/me", None).await;
    assert_eq!(status, 401, "{bare}");
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"reports\""));
    assert_eq!(bare["error"], "unauthorized");
    let (status, challenge, us) = get(&layer, "/reports/us", Some(&token)).await;
    assert_eq!(status, 403, "{us}");
    assert!(
        challenge.as_deref().is_some_and(
            |c| c.starts_with("Bearer realm=\"reports\", error=\"insufficient_scope\"")
        ),
        "{challenge:?}"
    );
    assert_eq!(us["error"], "insufficient_scope");
    let (status, challenge, tampered) = get(&layer, "/me", Some(&format!("{token}x"))).await;
    assert_eq!((status, &tampered["error"]), (401, &json!("invalid_token")));
    assert!(challenge.is_some_and(|c| c.contains("error=\"invalid_token\"")));

    // A public route reaches the handler without claims.
    let (status, _, health) = get(&layer, "/health", None).await;
    assert_eq!(
        (status, health),
        (200, json!({"path": "/health", "claims": null}))
    );
}
