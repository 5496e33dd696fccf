//! Introspection through the whole validator, against the identity provider of
//! `test_support` (which checks the Basic credentials, counts calls and answers from a set of
//! revoked `jti`s). Its `introspection_hits` count requests about tokens; the validator's
//! start-up probe is counted apart (`probe_hits`, tested in `probe`). Time is a
//! `ManualClock`: nothing sleeps.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::*;
use crate::test_support::*;
use crate::{AccessClaims, Config, ConfigBuilder, ManualClock, Validator};

mod probe;

// ---- setup ----

struct Setup {
    idp: Idp,
    clock: Arc<ManualClock>,
    key: TestKey,
    validator: Validator,
}

impl Setup {
    fn claims(&self) -> Value {
        claims(&self.idp.url(), now_secs(&self.clock))
    }

    /// A valid token with these claims changed.
    fn token_with(&self, changes: Value) -> String {
        let mut claims = self.claims();
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        sign(&self.key, &claims)
    }

    fn token(&self) -> String {
        self.token_with(json!({}))
    }

    async fn validate(&self, token: &str) -> Result<AccessClaims, AuthError> {
        self.validator.validate(token).await
    }
}

/// A validator introspecting at the identity provider with its credentials, after `tweak`.
async fn setup(tweak: impl FnOnce(Introspection) -> Introspection) -> Setup {
    setup_with(|b, idp| b.introspection(tweak(idp.introspection()))).await
}

async fn setup_with(tweak: impl FnOnce(ConfigBuilder, &Idp) -> ConfigBuilder) -> Setup {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let clock = Arc::new(ManualClock::new(start()));
    let builder = Config::builder(idp.url())
        .audience(AUDIENCE)
        .clock(clock.clone());
    let validator = Validator::new(tweak(builder, &idp).build().unwrap())
        .await
        .unwrap();
    Setup {
        idp,
        clock,
        key,
        validator,
    }
}

// ---- the request and the cache ----

#[tokio::test]
async fn an_active_token_is_introspected_once_per_ttl_with_an_rfc_7662_request() {
    let s = setup(|i| i).await;
    let token = s.token();
    for _ in 0..5 {
        s.validate(&token).await.unwrap();
    }
    assert_eq!(s.idp.introspection_hits(), 1, "cached for the TTL");

    let request = s.idp.last_introspection().unwrap();
    assert_eq!(request.param("token"), Some(token.as_str()));
    assert_eq!(request.param("token_type_hint"), Some("access_token"));
    // RFC 6749 §2.3.1: "reports api" and "s3cr:t+/=%" are form-urlencoded inside Basic.
    assert_eq!(
        request.header("authorization"),
        Some(basic_authorization(INTROSPECTION_CLIENT_ID, INTROSPECTION_SECRET).as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.header("x-origin"), None);

    s.clock.advance(Duration::from_secs(29));
    s.validate(&token).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), 1);
    s.clock.advance(Duration::from_secs(1));
    s.validate(&token).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), 2, "asked again once 30 s old");
    s.validate(&token).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), 2);
}

#[tokio::test]
async fn each_token_has_its_own_cache_entry_and_a_zero_ttl_asks_every_time() {
    let s = setup(|i| i).await;
    let (a, b) = (
        s.token_with(json!({"jti": "a"})),
        s.token_with(json!({"jti": "b"})),
    );
    for _ in 0..3 {
        s.validate(&a).await.unwrap();
        s.validate(&b).await.unwrap();
    }
    assert_eq!(s.idp.introspection_hits(), 2);

    let s = setup(|i| i.cache_ttl(Duration::ZERO)).await;
    let token = s.token();
    for _ in 0..3 {
        s.validate(&token).await.unwrap();
    }
    assert_eq!(s.idp.introspection_hits(), 3);
}

#[tokio::test]
async fn a_positive_answer_is_not_used_past_the_tokens_exp() {
    // Default leeway 30 s: the token still passes locally 10 s after its exp.
    let s = setup(|i| i.cache_ttl(Duration::from_secs(60))).await;
    let exp = now_secs(&s.clock) + 10;
    let token = s.token_with(json!({ "exp": exp }));
    s.validate(&token).await.unwrap();
    s.clock.advance(Duration::from_secs(9));
    s.validate(&token).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), 1);
    s.clock.advance(Duration::from_secs(1));
    s.validate(&token).await.unwrap();
    assert_eq!(
        s.idp.introspection_hits(),
        2,
        "at exp the cached answer is unusable"
    );
}

#[tokio::test]
async fn a_revoked_token_is_invalid_token_and_the_answer_is_cached() {
    let s = setup(|i| i).await;
    let token = s.token();
    s.idp.revoke("jti-1");
    let got = s.validate(&token).await;
    assert_eq!(got, Err(AuthError::Revoked));
    let err = got.unwrap_err();
    assert_eq!(
        (err.status(), err.error_code(), err.description()),
        (
            401,
            Some("invalid_token"),
            "the access token is no longer active"
        )
    );
    s.idp.unrevoke("jti-1");
    assert_eq!(s.validate(&token).await, Err(AuthError::Revoked));
    assert_eq!(s.idp.introspection_hits(), 1, "inactive answers are cached");
    s.clock.advance(Duration::from_secs(30));
    s.validate(&token).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), 2);
}

#[tokio::test]
async fn an_active_answer_about_another_jti_or_without_one_is_refused_and_not_cached() {
    for answer in [
        IntrospectionAnswer::OtherJti("jti-2".into()),
        IntrospectionAnswer::NoJti,
    ] {
        let s = setup(|i| i).await;
        s.idp.set_introspection_answer(answer.clone());
        let token = s.token();
        assert_eq!(
            s.validate(&token).await,
            Err(AuthError::Revoked),
            "{answer:?}"
        );
        assert_eq!(
            s.validate(&token).await,
            Err(AuthError::Revoked),
            "{answer:?}"
        );
        assert_eq!(s.idp.introspection_hits(), 2, "{answer:?} is not cached");
        s.idp.set_introspection_answer(IntrospectionAnswer::Normal);
        s.validate(&token).await.unwrap();
    }
}

// ---- failures ----

#[tokio::test]
async fn an_introspection_outage_is_503_and_nothing_is_cached() {
    let s = setup(|i| i).await;
    let token = s.token();
    let mut hits = 0;
    for answer in [
        IntrospectionAnswer::Status(503),
        IntrospectionAnswer::Status(500),
        IntrospectionAnswer::Status(404),
        IntrospectionAnswer::NotJson,
    ] {
        s.idp.set_introspection_answer(answer.clone());
        for _ in 0..2 {
            let got = s.validate(&token).await;
            assert_eq!(got, Err(AuthError::IntrospectionUnavailable), "{answer:?}");
            hits += 1;
            assert_eq!(s.idp.introspection_hits(), hits, "a failure is not cached");
        }
    }
    let err = AuthError::IntrospectionUnavailable;
    assert_eq!((err.status(), err.error_code()), (503, None));

    s.idp.set_introspection_answer(IntrospectionAnswer::Normal);
    s.validate(&token).await.unwrap();
    s.validate(&token).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), hits + 1);
}

/// The endpoint answered the start-up probe, then went away; the keys are still cached.
#[tokio::test]
async fn an_unreachable_introspection_endpoint_is_503() {
    let endpoint = Idp::start(&[]).await;
    let s = setup(|i| i.endpoint(endpoint.introspection_url())).await;
    assert_eq!(endpoint.probe_hits(), 1);
    endpoint.stop().await;
    let token = s.token();
    for _ in 0..2 {
        assert_eq!(
            s.validate(&token).await,
            Err(AuthError::IntrospectionUnavailable)
        );
    }
}

/// A `307` would have reqwest's default client resend the token (and, on the same host, the
/// client credentials) to wherever it points, and trust that answer.
#[tokio::test]
async fn a_redirect_from_the_endpoint_is_503_and_is_not_followed() {
    let s = setup(|i| i).await;
    let elsewhere = Idp::start(&[&s.key]).await;
    s.idp
        .redirect("/introspect", &elsewhere.introspection_url());
    let token = s.token();
    assert_eq!(
        s.validate(&token).await,
        Err(AuthError::IntrospectionUnavailable)
    );
    assert_eq!(
        elsewhere.introspection_hits(),
        0,
        "the redirect was followed"
    );

    // On the same host reqwest would even keep the credentials, and the answer would pass.
    let s = setup(|i| i).await;
    let moved = format!("{}/moved", s.idp.introspection_url());
    s.idp.redirect("/introspect", &moved);
    assert_eq!(
        s.validate(&s.token()).await,
        Err(AuthError::IntrospectionUnavailable)
    );
    assert_eq!(s.idp.introspection_hits(), 0, "the redirect was followed");
}

/// A configured client that follows redirects has sent the request by the time the guard sees
/// the answer (which is why `http_client` says not to); the answer is refused all the same.
#[tokio::test]
async fn an_answer_reached_through_a_redirect_by_a_configured_client_is_refused() {
    let s = setup_with(|b, idp| {
        b.http_client(reqwest::Client::new())
            .introspection(idp.introspection())
    })
    .await;
    let moved = format!("{}/moved", s.idp.introspection_url());
    s.idp.redirect("/introspect", &moved);
    assert_eq!(
        s.validate(&s.token()).await,
        Err(AuthError::IntrospectionUnavailable)
    );
    assert_eq!(s.idp.introspection_hits(), 1, "the client followed it");
}

/// Wrong credentials are the resource server's misconfiguration, not the client's fault: a
/// `503` (and a warning in the log), so clients do not throw valid tokens away. At start they
/// fail `Validator::new` (see `probe`); here the secret is rotated at the identity provider
/// after the validator started.
#[tokio::test]
async fn wrong_client_credentials_are_503_not_401() {
    let s = setup(|i| i).await;
    s.idp
        .accept_introspection_credentials(INTROSPECTION_CLIENT_ID, "rotated");
    let token = s.token();
    assert_eq!(
        s.validate(&token).await,
        Err(AuthError::IntrospectionUnavailable)
    );
    assert_eq!(s.validate(&token).await.unwrap_err().status(), 503);
    assert_eq!(s.idp.introspection_hits(), 2);
}

#[tokio::test]
async fn an_invalid_token_never_reaches_the_introspection_endpoint() {
    let s = setup(|i| i).await;
    let now = now_secs(&s.clock);
    let other = es256_key("a");
    let tokens = [
        s.token_with(json!({ "exp": now - 60 })),
        s.token_with(json!({ "aud": "https://api.example.com/other" })),
        sign(&other, &s.claims()),
        "garbage".to_owned(),
        "a.b.c.d.e".to_owned(),
    ];
    for token in &tokens {
        assert!(s.validate(token).await.is_err());
    }
    assert_eq!(s.idp.introspection_hits(), 0);
}

#[tokio::test]
async fn the_origin_is_sent_as_x_origin() {
    let s = setup(|i| i.origin("https://reports.example.com")).await;
    s.validate(&s.token()).await.unwrap();
    let request = s.idp.last_introspection().unwrap();
    assert_eq!(
        request.header("x-origin"),
        Some("https://reports.example.com")
    );
}

#[tokio::test]
async fn an_encrypted_token_is_introspected_as_its_inner_signed_token() {
    let service = ServiceKey::ec(Some("enc"));
    let s = setup_with(|b, idp| {
        b.decryption_key(service.decryption_key())
            .introspection(idp.introspection())
    })
    .await;
    let jws = s.token();
    let jwe = encrypt(&jws, &service);
    s.validate(&jwe).await.unwrap();
    let request = s.idp.last_introspection().unwrap();
    assert_eq!(request.param("token"), Some(jws.as_str()));
    // Another encryption of the same token shares its cache entry.
    s.validate(&encrypt(&jws, &service)).await.unwrap();
    assert_eq!(s.idp.introspection_hits(), 1);
}

// ---- where the endpoint comes from ----

#[tokio::test]
async fn the_endpoint_comes_from_discovery_unless_configured() {
    let s = setup(|i| i).await;
    assert_eq!(
        s.validator.introspection_endpoint().map(Url::as_str),
        Some(s.idp.introspection_url().as_str())
    );

    let plain = setup_with(|b, _| b).await;
    assert_eq!(plain.validator.introspection_endpoint(), None);

    // Not advertised: an init error, unless configured.
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    idp.hide_introspection();
    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .introspection(idp.introspection())
        .build()
        .unwrap();
    let err = Validator::new(config).await.unwrap_err();
    assert!(
        matches!(&err, InitError::Discovery { reason, .. } if reason.contains("introspection_endpoint")),
        "{err:?}"
    );
    let clock = Arc::new(ManualClock::new(start()));
    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .clock(clock.clone())
        .introspection(idp.introspection().endpoint(idp.introspection_url()))
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    let token = sign(&key, &claims(&idp.url(), now_secs(&clock)));
    validator.validate(&token).await.unwrap();
    assert_eq!(idp.introspection_hits(), 1);
}

/// The guard sends its client secret and every token to the introspection endpoint: the
/// discovery document may only name one at the issuer's origin.
#[tokio::test]
async fn a_discovered_endpoint_must_be_at_the_issuers_origin() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let other = Idp::start(&[&key]).await;
    let port = Url::parse(&idp.url()).unwrap().port().unwrap();
    let builder = || {
        Config::builder(idp.url())
            .audience(AUDIENCE)
            .introspection(idp.introspection())
    };
    for foreign in [
        "https://id.example.com/introspect".to_owned(),
        "http://id.example.com/introspect".to_owned(),
        format!("http://localhost:{port}/introspect"),
        format!("https://127.0.0.1:{port}/introspect"),
        other.introspection_url(),
    ] {
        idp.advertise_introspection(&foreign);
        // Even where plain http to any host is allowed.
        let config = builder().allow_insecure_http(true).build().unwrap();
        let err = Validator::new(config).await.unwrap_err();
        assert!(
            matches!(&err, InitError::Discovery { reason, .. } if reason.contains("origin")),
            "{foreign}: {err:?}"
        );
    }
    // The https rule still comes first.
    idp.advertise_introspection("http://id.example.com/introspect");
    let err = Validator::new(builder().build().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            InitError::InvalidConfig {
                key: "introspection_endpoint",
                ..
            }
        ),
        "{err:?}"
    );
    // Credentials in the URL are refused, and not repeated.
    idp.advertise_introspection(&format!("http://rs:pa55word@127.0.0.1:{port}/introspect"));
    let err = Validator::new(builder().build().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            InitError::InvalidConfig {
                key: "introspection_endpoint",
                ..
            }
        ) && !format!("{err:?} {err}").contains("pa55word"),
        "{err:?}"
    );
    // Neither the probe (with the client secret) nor anything else was sent anywhere.
    assert_eq!(
        other.introspection_hits() + other.probe_hits() + idp.introspection_hits(),
        0
    );
    assert_eq!(idp.probe_hits(), 0);

    // Another path at the issuer's origin is fine.
    let same_origin = format!("{}/introspect/v2", idp.url());
    idp.advertise_introspection(&same_origin);
    let validator = Validator::new(builder().build().unwrap()).await.unwrap();
    assert_eq!(
        validator.introspection_endpoint().map(Url::as_str),
        Some(same_origin.as_str())
    );
    assert_eq!((idp.probe_hits(), other.probe_hits()), (1, 0));
    // A configured endpoint is the operator's choice, wherever it is.
    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .introspection(idp.introspection().endpoint(other.introspection_url()))
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    assert_eq!(
        validator.introspection_endpoint().map(Url::as_str),
        Some(other.introspection_url().as_str())
    );
    assert_eq!((idp.probe_hits(), other.probe_hits()), (1, 1));
}

#[tokio::test]
async fn with_a_jwks_url_the_endpoint_is_required_and_discovery_is_skipped() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let builder = |introspection: Introspection| {
        Config::builder("https://id.example.com")
            .jwks_url(format!("{}/jwks", idp.url()))
            .audience(AUDIENCE)
            .introspection(introspection)
    };
    let err = builder(idp.introspection()).build().unwrap_err();
    assert!(
        matches!(&err, InitError::InvalidConfig { key: "introspection", reason } if reason.contains("endpoint")),
        "{err:?}"
    );
    let config = builder(idp.introspection().endpoint(idp.introspection_url()))
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    assert_eq!(idp.discovery_hits(), 0);
    assert_eq!(
        validator.introspection_endpoint().map(Url::as_str),
        Some(idp.introspection_url().as_str())
    );
}

// ---- settings ----

#[test]
fn bad_introspection_settings_fail_the_build_and_debug_hides_the_secret() {
    let build = |i: Introspection| match Config::builder("https://id.example.com")
        .audience(AUDIENCE)
        .introspection(i)
        .build()
    {
        Err(InitError::InvalidConfig {
            key: "introspection",
            reason,
        }) => reason,
        other => panic!("expected an introspection refusal, got {other:?}"),
    };
    let ok = || Introspection::new("rs", "secret");
    assert!(build(Introspection::new("", "secret")).contains("client_id"));
    assert!(build(Introspection::new("rs", "")).contains("client_secret"));
    assert!(build(ok().max_entries(0)).contains("max_entries"));
    assert!(build(ok().cache_ttl(Duration::from_secs(400 * 86400))).contains("cache_ttl"));
    assert!(build(ok().origin("https://a.example\r\nX-Evil: 1")).contains("origin"));
    build(ok().endpoint("http://id.example.com/introspect"));
    build(ok().endpoint("not a url"));

    let debug = format!("{:?}", Introspection::new("rs", "hunter2-secret"));
    assert!(
        debug.contains("rs") && !debug.contains("hunter2"),
        "{debug}"
    );
    assert!(debug.contains("[redacted]"));
    let config = Config::builder("https://id.example.com")
        .audience(AUDIENCE)
        .introspection(Introspection::new("rs", "hunter2-secret"))
        .build()
        .unwrap();
    let debug = format!("{config:?}");
    assert!(
        debug.contains("introspection") && !debug.contains("hunter2"),
        "{debug}"
    );
}
