//! The layer in front of a `service_fn`, against the identity provider of `test_support`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use ::tower::{service_fn, ServiceExt};
use http::header::WWW_AUTHENTICATE;
use serde_json::Value;

use super::*;
use crate::claims::AccessClaims;
use crate::test_support::*;
use crate::ManualClock;

struct Setup {
    idp: Idp,
    clock: Arc<ManualClock>,
    layer: GuardLayer,
}

async fn setup(key: &TestKey) -> Setup {
    let (idp, clock, validator, policy) = reports_service(key).await;
    Setup {
        idp,
        clock,
        layer: GuardLayer::new(validator, policy).realm("reports"),
    }
}

/// Answers `200` with `<sub> <path>`, or `- <path>` when no claims were stored.
async fn call(layer: &GuardLayer, uri: &str, auth: Option<&str>) -> Response<String> {
    let app = layer.layer(service_fn(|req: Request<()>| async move {
        let sub = req
            .extensions()
            .get::<AccessClaims>()
            .map_or("-".to_owned(), |c| c.sub.clone());
        Ok::<_, Infallible>(Response::new(format!("{sub} {}", req.uri().path())))
    }));
    let mut req = Request::get(uri);
    if let Some(auth) = auth {
        req = req.header(AUTHORIZATION, auth);
    }
    app.oneshot(req.body(()).unwrap()).await.unwrap()
}

fn www_authenticate(res: &Response<String>) -> Option<&str> {
    res.headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap())
}

fn body(res: &Response<String>) -> Value {
    assert_eq!(res.headers()[CONTENT_TYPE], "application/json");
    serde_json::from_str(res.body()).unwrap()
}

#[tokio::test]
async fn public_routes_need_no_token_and_ignore_a_bad_one() {
    let key = es256_key("a");
    let s = setup(&key).await;
    for auth in [None, Some("Bearer garbage")] {
        let res = call(&s.layer, "/health", auth).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.body(), "- /health");
    }
}

#[tokio::test]
async fn a_protected_route_without_a_token_is_401_with_a_bare_challenge() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let res = call(&s.layer, "/reports/eu", None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(www_authenticate(&res), Some("Bearer realm=\"reports\""));
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(body(&res)["error"], "unauthorized");

    let res = call(&s.layer, "/reports/eu", Some("Bearer a b")).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res)
        .unwrap()
        .starts_with("Bearer realm=\"reports\", error=\"invalid_token\", error_description=\""));
    assert_eq!(body(&res)["error"], "invalid_token");
}

#[tokio::test]
async fn a_valid_token_reaches_the_service_with_its_claims_in_the_extensions() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let token = sign(&key, &claims(&s.idp.url(), now_secs(&s.clock)));
    let res = call(&s.layer, "/reports/eu", Some(&format!("bEaReR {token}"))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.body(), "user-1 /reports/eu");
}

#[tokio::test]
async fn a_constrained_right_for_another_value_is_403_insufficient_scope() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let token = sign(&key, &claims(&s.idp.url(), now_secs(&s.clock)));
    let res = call(&s.layer, "/reports/us", Some(&format!("Bearer {token}"))).await;
    assert_eq!(res.status(), 403);
    assert!(www_authenticate(&res)
        .unwrap()
        .contains("error=\"insufficient_scope\""));
    assert_eq!(body(&res)["error"], "insufficient_scope");

    let res = call(&s.layer, "/other", Some(&format!("Bearer {token}"))).await;
    assert_eq!(res.status(), 403);
    assert_eq!(www_authenticate(&res), None);
    assert_eq!(body(&res)["error"], "forbidden");
}

#[tokio::test]
async fn an_unknown_key_while_the_idp_is_down_is_503() {
    let key = es256_key("a");
    let other = es256_key("b");
    let s = setup(&key).await;
    let issuer = s.idp.url();
    s.idp.stop().await;
    s.clock.advance(Duration::from_secs(301));
    let token = sign(&other, &claims(&issuer, now_secs(&s.clock)));
    let res = call(&s.layer, "/reports/eu", Some(&format!("Bearer {token}"))).await;
    assert_eq!(res.status(), 503);
    assert_eq!(www_authenticate(&res), None);
    assert_eq!(res.headers()["retry-after"], "5");
    assert_eq!(body(&res)["error"], "temporarily_unavailable");
}
