//! The guard in front of a small actix app, against the identity provider of `test_support`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use actix_web::{web, App, HttpResponse};
use serde_json::Value;

use super::*;
use crate::test_support::*;
use crate::ManualClock;

async fn report(claims: Claims, region: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", claims.sub, region.into_inner()))
}

struct Setup {
    idp: Idp,
    clock: Arc<ManualClock>,
    guard: Guard,
}

async fn setup(key: &TestKey) -> Setup {
    let (idp, clock, validator, policy) = reports_service(key).await;
    Setup {
        idp,
        clock,
        guard: Guard::new(validator, policy).realm("reports"),
    }
}

macro_rules! app {
    ($guard:expr) => {
        init_service(
            App::new()
                .wrap($guard.clone())
                .route("/health", web::get().to(HttpResponse::Ok))
                .route("/reports/{region}", web::get().to(report))
                .route("/other", web::get().to(HttpResponse::Ok)),
        )
        .await
    };
}

fn www_authenticate(
    res: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
) -> String {
    res.headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[actix_web::test]
async fn public_routes_need_no_token_and_ignore_a_bad_one() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let app = app!(s.guard);
    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), 200);
    let req = TestRequest::get()
        .uri("/health")
        .insert_header((header::AUTHORIZATION, "Bearer garbage"))
        .to_request();
    assert_eq!(call_service(&app, req).await.status(), 200);
}

#[actix_web::test]
async fn a_protected_route_without_a_token_is_401_with_a_bare_challenge() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let app = app!(s.guard);
    let res = call_service(&app, TestRequest::get().uri("/reports/eu").to_request()).await;
    assert_eq!(res.status(), 401);
    assert_eq!(www_authenticate(&res), "Bearer realm=\"reports\"");
    let body: Value = read_body_json(res).await;
    assert_eq!(body["error"], "unauthorized");
}

#[actix_web::test]
async fn garbage_and_malformed_headers_are_invalid_token() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let app = app!(s.guard);
    for value in [
        "Bearer garbage",
        "Basic dXNlcjpwdw==",
        "Bearer",
        "Bearer a b",
    ] {
        let req = TestRequest::get()
            .uri("/reports/eu")
            .insert_header((header::AUTHORIZATION, value))
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status(), 401, "{value}");
        let challenge = www_authenticate(&res);
        assert!(
            challenge.starts_with(
                "Bearer realm=\"reports\", error=\"invalid_token\", error_description=\""
            ),
            "{challenge}"
        );
        let body: Value = read_body_json(res).await;
        assert_eq!(body["error"], "invalid_token");
    }
}

#[actix_web::test]
async fn a_valid_token_with_the_right_reaches_the_handler_with_its_claims() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let app = app!(s.guard);
    let token = sign(&key, &claims(&s.idp.url(), now_secs(&s.clock)));
    let req = TestRequest::get()
        .uri("/reports/eu")
        .insert_header((header::AUTHORIZATION, format!("bEaReR {token}")))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    let body = actix_web::test::read_body(res).await;
    assert_eq!(body, "user-1 eu");
}

#[actix_web::test]
async fn a_constrained_right_for_another_value_is_403_insufficient_scope() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let app = app!(s.guard);
    let token = sign(&key, &claims(&s.idp.url(), now_secs(&s.clock)));
    let req = TestRequest::get()
        .uri("/reports/us")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 403);
    assert!(www_authenticate(&res).contains("error=\"insufficient_scope\""));
    let body: Value = read_body_json(res).await;
    assert_eq!(body["error"], "insufficient_scope");
}

#[actix_web::test]
async fn an_unmatched_route_is_403_even_with_a_valid_token() {
    let key = es256_key("a");
    let s = setup(&key).await;
    let app = app!(s.guard);
    let token = sign(&key, &claims(&s.idp.url(), now_secs(&s.clock)));
    for auth in [None, Some(format!("Bearer {token}"))] {
        let mut req = TestRequest::get().uri("/other");
        if let Some(auth) = auth {
            req = req.insert_header((header::AUTHORIZATION, auth));
        }
        let res = call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), 403);
        let body: Value = read_body_json(res).await;
        assert_eq!(body["error"], "forbidden");
    }
    let res = call_service(&app, TestRequest::post().uri("/reports/eu").to_request()).await;
    assert_eq!(res.status(), 403);
}

#[actix_web::test]
async fn an_unknown_key_while_the_idp_is_down_is_503() {
    let key = es256_key("a");
    let other = es256_key("b");
    let s = setup(&key).await;
    let issuer = s.idp.url();
    let app = app!(s.guard);
    s.idp.stop().await;
    s.clock.advance(Duration::from_secs(301));
    let token = sign(&other, &claims(&issuer, now_secs(&s.clock)));
    let req = TestRequest::get()
        .uri("/reports/eu")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().get(header::WWW_AUTHENTICATE).is_none());
    let body: Value = read_body_json(res).await;
    assert_eq!(body["error"], "temporarily_unavailable");
}

#[actix_web::test]
async fn the_extractor_is_401_outside_the_guard() {
    let app = init_service(App::new().route("/reports/{region}", web::get().to(report))).await;
    let res = call_service(&app, TestRequest::get().uri("/reports/eu").to_request()).await;
    assert_eq!(res.status(), 401);
    assert_eq!(www_authenticate(&res), "Bearer");
}
