//! Validator tests against the counting identity provider of `test_support`. Time is a
//! `ManualClock`: nothing sleeps.

use std::sync::Arc;
use std::time::Duration;

use josekit::jws::{JwsHeader, HS256, PS256};
use josekit::jwt::JwtPayload;
use serde_json::{json, Value};

use super::*;
use crate::test_support::*;
use crate::{ConfigBuilder, ManualClock};

// ---- setup ----

struct Setup {
    idp: Idp,
    clock: Arc<ManualClock>,
    validator: Validator,
}

impl Setup {
    fn claims(&self) -> Value {
        claims(&self.idp.url(), now_secs(&self.clock))
    }
}

async fn setup(keys: &[&TestKey]) -> Setup {
    setup_with(keys, |b| b).await
}

async fn setup_with(
    keys: &[&TestKey],
    tweak: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> Setup {
    let idp = Idp::start(keys).await;
    let clock = Arc::new(ManualClock::new(start()));
    let config = tweak(
        Config::builder(idp.url())
            .audience(AUDIENCE)
            .clock(clock.clone()),
    )
    .build()
    .unwrap();
    let validator = Validator::new(config).await.unwrap();
    Setup {
        idp,
        clock,
        validator,
    }
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

// ---- valid tokens ----

#[tokio::test]
async fn a_valid_token_passes_with_its_access_claims() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    assert_eq!(s.idp.discovery_hits(), 1);
    assert_eq!(s.idp.jwks_hits(), 1);
    assert_eq!(
        s.validator.jwks_url().as_str(),
        format!("{}/jwks", s.idp.url())
    );

    let claims = s
        .validator
        .validate(&sign(&key, &s.claims()))
        .await
        .unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.client_id, "app-1");
    assert!(claims.has_scope("reports"));
    assert!(claims.has_role("analyst"));
    assert!(claims
        .rights
        .get("reports:read")
        .unwrap()
        .allows("region", "eu"));
    assert!(!claims
        .rights
        .get("reports:read")
        .unwrap()
        .allows("region", "us"));
    assert_eq!(s.idp.jwks_hits(), 1, "a cached key needs no fetch");
}

#[tokio::test]
async fn rs256_ps256_and_eddsa_tokens_pass() {
    let (rsa, rsa_der) = rsa_key("rsa");
    let ed = ed25519_key("ed");
    let s = setup(&[&rsa, &ed]).await;
    let ps256 = PS256.signer_from_der(&rsa_der).unwrap();
    for token in [
        sign(&rsa, &s.claims()),
        sign_with(&ps256, Some("rsa"), "at+jwt", &s.claims()),
        sign(&ed, &s.claims()),
    ] {
        s.validator.validate(&token).await.unwrap();
    }
}

#[tokio::test]
async fn typ_is_compared_case_insensitively_with_or_without_application_prefix() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    for typ in ["AT+JWT", "application/at+jwt", "Application/At+Jwt"] {
        let token = sign_with(&*key.signer, Some("a"), typ, &s.claims());
        s.validator.validate(&token).await.unwrap();
    }
}

#[tokio::test]
async fn aud_may_be_an_array_and_times_get_the_leeway() {
    let key = es256_key("a");
    let s = setup_with(&[&key], |b| b.leeway(Duration::from_secs(30))).await;
    let now = now_secs(&s.clock);
    let aud = with(s.claims(), "aud", json!(["other", AUDIENCE]));
    s.validator.validate(&sign(&key, &aud)).await.unwrap();
    let late = with(s.claims(), "exp", json!(now - 29));
    s.validator.validate(&sign(&key, &late)).await.unwrap();
    let early = with(
        with(s.claims(), "nbf", json!(now + 29)),
        "iat",
        json!(now + 29),
    );
    s.validator.validate(&sign(&key, &early)).await.unwrap();
}

#[tokio::test]
async fn a_configured_jwks_url_skips_discovery() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let clock = Arc::new(ManualClock::new(start()));
    let config = Config::builder("https://id.example.com")
        .jwks_url(format!("{}/jwks", idp.url()))
        .audience(AUDIENCE)
        .clock(clock.clone())
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    assert_eq!(idp.discovery_hits(), 0);
    let token = sign(&key, &claims("https://id.example.com", now_secs(&clock)));
    validator.validate(&token).await.unwrap();
}

#[tokio::test]
async fn discovery_naming_another_issuer_or_an_unreachable_idp_fails_init() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let config = Config::builder(format!("{}/", idp.url()))
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let err = Validator::new(config).await.unwrap_err();
    assert!(matches!(err, InitError::IssuerMismatch { .. }), "{err:?}");

    let url = idp.url();
    idp.stop().await;
    let config = Config::builder(url).audience(AUDIENCE).build().unwrap();
    let err = Validator::new(config).await.unwrap_err();
    assert!(matches!(err, InitError::Discovery { .. }), "{err:?}");
}

/// The default client follows no redirect: another URL never answers for the issuer.
#[tokio::test]
async fn redirects_from_discovery_or_the_jwks_are_failures_and_not_followed() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let elsewhere = Idp::start(&[&key]).await;
    let discovery = "/.well-known/openid-configuration";
    idp.redirect(discovery, &format!("{}{discovery}", elsewhere.url()));
    idp.redirect("/jwks", &format!("{}/jwks", elsewhere.url()));

    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let err = Validator::new(config).await.unwrap_err();
    assert!(
        matches!(&err, InitError::Discovery { reason, .. } if reason.contains("307")),
        "{err:?}"
    );
    let config = Config::builder(idp.url())
        .jwks_url(format!("{}/jwks", idp.url()))
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let err = Validator::new(config).await.unwrap_err();
    assert!(
        matches!(&err, InitError::Jwks { reason, .. } if reason.contains("307")),
        "{err:?}"
    );
    assert_eq!((elsewhere.discovery_hits(), elsewhere.jwks_hits()), (0, 0));

    // A refresh answered with a redirect keeps the cached keys and finds no new one.
    let s = setup(&[&key]).await;
    let new = es256_key("b");
    let moved = Idp::start(&[&new]).await;
    s.idp.redirect("/jwks", &format!("{}/jwks", moved.url()));
    s.clock.advance(Duration::from_secs(10));
    let token = sign(&new, &s.claims());
    assert_eq!(
        s.validator.validate(&token).await,
        Err(AuthError::KeysUnavailable)
    );
    assert_eq!(moved.jwks_hits(), 0);
    s.validator
        .validate(&sign(&key, &s.claims()))
        .await
        .unwrap();
}

// ---- the key cache ----

#[tokio::test]
async fn keys_are_refetched_when_max_age_passes_within_the_configured_bounds() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    idp.set_cache_control("public, max-age=60");
    let clock = Arc::new(ManualClock::new(start()));
    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .clock(clock.clone())
        .jwks_ttl_bounds(Duration::ZERO, Duration::from_secs(120))
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    let validate = |clock: &ManualClock| {
        let token = sign(&key, &claims(&idp.url(), now_secs(clock)));
        let validator = validator.clone();
        async move { validator.validate(&token).await.unwrap() }
    };
    assert_eq!(idp.jwks_hits(), 1);
    clock.advance(Duration::from_secs(59));
    validate(&clock).await;
    assert_eq!(idp.jwks_hits(), 1, "fresh for max-age");
    clock.advance(Duration::from_secs(1));
    validate(&clock).await;
    assert_eq!(idp.jwks_hits(), 2, "stale at max-age");

    // A max-age above the bound is clamped to it.
    idp.set_cache_control("max-age=100000");
    clock.advance(Duration::from_secs(61));
    validate(&clock).await;
    assert_eq!(idp.jwks_hits(), 3);
    clock.advance(Duration::from_secs(119));
    validate(&clock).await;
    assert_eq!(idp.jwks_hits(), 3);
    clock.advance(Duration::from_secs(1));
    validate(&clock).await;
    assert_eq!(idp.jwks_hits(), 4, "max-age clamped to 120 s");
}

#[tokio::test]
async fn no_store_with_a_zero_minimum_refetches_on_every_validation() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    idp.set_cache_control("no-store");
    let clock = Arc::new(ManualClock::new(start()));
    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .clock(clock.clone())
        .jwks_ttl_bounds(Duration::ZERO, Duration::from_secs(120))
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    let token = sign(&key, &claims(&idp.url(), now_secs(&clock)));
    validator.validate(&token).await.unwrap();
    validator.validate(&token).await.unwrap();
    assert_eq!(idp.jwks_hits(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_causes_exactly_one_fetch_for_100_concurrent_validations() {
    let a = es256_key("a");
    let b = es256_key("b");
    // No cooldown: only the single flight keeps the 99 others from fetching too.
    let s = setup_with(&[&a], |b| b.refresh_cooldown(Duration::ZERO)).await;
    s.idp.publish(&[&a, &b]);
    // The JWKS answer waits until all 100 requests are queued behind the one fetch.
    s.idp.hold_jwks();
    let token = sign(&b, &s.claims());
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let validator = s.validator.clone();
            let token = token.clone();
            tokio::spawn(async move { validator.validate(&token).await })
        })
        .collect();
    let waiters = &s.validator.keys.unknown_kid_waiters;
    let all_waiting = async {
        while waiters.load(std::sync::atomic::Ordering::SeqCst) < 100 {
            tokio::task::yield_now().await;
        }
    };
    // A guard against hanging, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(30), all_waiting)
        .await
        .unwrap();
    s.idp.release_jwks();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(s.idp.jwks_hits(), 2);
}

#[tokio::test]
async fn unknown_kids_within_the_cooldown_cause_no_fetch() {
    let a = es256_key("a");
    let b = es256_key("b");
    let bogus = es256_key("bogus");
    let s = setup_with(&[&a], |b| b.refresh_cooldown(Duration::from_secs(10))).await;
    s.idp.publish(&[&a, &b]);
    s.clock.advance(Duration::from_secs(10));
    s.validator.validate(&sign(&b, &s.claims())).await.unwrap();
    assert_eq!(s.idp.jwks_hits(), 2);

    s.clock.advance(Duration::from_secs(9));
    for _ in 0..20 {
        let err = s.validator.validate(&sign(&bogus, &s.claims())).await;
        assert_eq!(err, Err(AuthError::UnknownKey("bogus".into())));
    }
    assert_eq!(s.idp.jwks_hits(), 2, "no fetch within the cooldown");

    s.clock.advance(Duration::from_secs(1));
    let err = s.validator.validate(&sign(&bogus, &s.claims())).await;
    assert_eq!(err, Err(AuthError::UnknownKey("bogus".into())));
    assert_eq!(s.idp.jwks_hits(), 3, "one fetch once the cooldown is over");
}

#[tokio::test]
async fn cached_keys_keep_working_while_the_idp_is_down() {
    let a = es256_key("a");
    let b = es256_key("b");
    let s = setup(&[&a]).await;
    let issuer = s.idp.url();
    s.idp.stop().await;
    s.clock.advance(Duration::from_secs(301)); // past max-age: the refresh fails
    let now = now_secs(&s.clock);
    s.validator
        .validate(&sign(&a, &claims(&issuer, now)))
        .await
        .unwrap();
    s.clock.advance(Duration::from_secs(11));
    let now = now_secs(&s.clock);
    s.validator
        .validate(&sign(&a, &claims(&issuer, now)))
        .await
        .unwrap();
    // A key we never saw cannot be fetched: that is our outage (503), not a bad token.
    let err = s.validator.validate(&sign(&b, &claims(&issuer, now))).await;
    assert_eq!(err, Err(AuthError::KeysUnavailable));
    assert_eq!(AuthError::KeysUnavailable.status(), 503);
}

// ---- refused tokens ----

#[tokio::test]
async fn bad_claims_fail_with_their_own_error() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    let now = now_secs(&s.clock);
    let cases = [
        (with(s.claims(), "exp", json!(now - 31)), AuthError::Expired),
        (
            with(s.claims(), "nbf", json!(now + 31)),
            AuthError::NotYetValid,
        ),
        (
            with(s.claims(), "iat", json!(now + 31)),
            AuthError::IssuedInFuture,
        ),
        (
            with(s.claims(), "aud", json!("https://api.example.com/other")),
            AuthError::WrongAudience,
        ),
        (with(s.claims(), "aud", json!([])), AuthError::WrongAudience),
        (
            with(s.claims(), "iss", json!("https://evil.example.com")),
            AuthError::WrongIssuer,
        ),
    ];
    for (claims, expected) in cases {
        let got = s.validator.validate(&sign(&key, &claims)).await;
        assert_eq!(got, Err(expected), "{claims}");
    }
    let mut no_client = s.claims();
    no_client.as_object_mut().unwrap().remove("client_id");
    let got = s.validator.validate(&sign(&key, &no_client)).await;
    assert!(matches!(got, Err(AuthError::InvalidClaims(_))), "{got:?}");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    let mut header = JwsHeader::new();
    header.set_token_type("at+jwt");
    header.set_key_id("a");
    let payload = JwtPayload::from_map(s.claims().as_object().unwrap().clone()).unwrap();
    let token = josekit::jwt::encode_unsecured(&payload, &header).unwrap();
    let got = s.validator.validate(&token).await;
    assert_eq!(got, Err(AuthError::DisallowedAlgorithm("none".into())));
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    let jwks = s.idp.jwks();
    for secret in [serde_json::to_vec(&key.public).unwrap(), jwks.into_bytes()] {
        let hmac = HS256.signer_from_bytes(&secret).unwrap();
        let token = sign_with(&hmac, Some("a"), "at+jwt", &s.claims());
        let got = s.validator.validate(&token).await;
        assert_eq!(got, Err(AuthError::DisallowedAlgorithm("HS256".into())));
    }
}

#[tokio::test]
async fn an_algorithm_outside_the_allow_list_is_refused() {
    let (rsa, _) = rsa_key("rsa");
    let s = setup_with(&[&rsa], |b| b.algorithms([Algorithm::Es256])).await;
    let got = s.validator.validate(&sign(&rsa, &s.claims())).await;
    assert_eq!(got, Err(AuthError::DisallowedAlgorithm("RS256".into())));
}

#[tokio::test]
async fn an_es256_header_naming_an_rsa_key_is_refused() {
    let ec = es256_key("ec");
    let (rsa, _) = rsa_key("rsa");
    let s = setup(&[&ec, &rsa]).await;
    let token = sign_with(&*ec.signer, Some("rsa"), "at+jwt", &s.claims());
    let got = s.validator.validate(&token).await;
    assert_eq!(
        got,
        Err(AuthError::KeyAlgorithmMismatch {
            kid: "rsa".into(),
            alg: "ES256".into()
        })
    );
}

#[tokio::test]
async fn a_token_signed_by_one_key_naming_another_is_refused() {
    let a = es256_key("a");
    let b = es256_key("b");
    let s = setup(&[&a, &b]).await;
    let token = sign_with(&*a.signer, Some("b"), "at+jwt", &s.claims());
    assert_eq!(
        s.validator.validate(&token).await,
        Err(AuthError::InvalidSignature)
    );
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    let token = sign(&key, &s.claims());
    let forged = sign(&key, &with(s.claims(), "sub", json!("admin")));
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[1] = forged.split('.').nth(1).unwrap();
    let tampered = parts.join(".");
    assert_eq!(
        s.validator.validate(&tampered).await,
        Err(AuthError::InvalidSignature)
    );
}

#[tokio::test]
async fn a_wrong_or_missing_typ_is_refused() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    for typ in ["JWT", "application/jwt", "at+jwt2", ""] {
        let token = sign_with(&*key.signer, Some("a"), typ, &s.claims());
        assert_eq!(
            s.validator.validate(&token).await,
            Err(AuthError::WrongType),
            "{typ}"
        );
    }
}

#[tokio::test]
async fn a_missing_kid_or_garbage_is_refused_without_a_fetch() {
    let key = es256_key("a");
    let s = setup(&[&key]).await;
    let token = sign_with(&*key.signer, None, "at+jwt", &s.claims());
    assert_eq!(
        s.validator.validate(&token).await,
        Err(AuthError::MissingKeyId)
    );
    for garbage in ["", "abc", "a.b.c", "a.b.c.d.e"] {
        let got = s.validator.validate(garbage).await;
        assert!(
            matches!(got, Err(AuthError::Malformed(_))),
            "{garbage}: {got:?}"
        );
    }
    assert_eq!(s.idp.jwks_hits(), 1);
}
