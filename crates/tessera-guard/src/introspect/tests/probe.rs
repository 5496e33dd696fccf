//! The start-up probe: `Validator::new` asks once about `PROBE_TOKEN`, so wrong credentials or
//! an endpoint that gives no usable answer stop the service at start instead of answering
//! every request with `503`.

use tokio::net::TcpListener;

use super::*;

/// Builds a validator for `idp` introspecting with `introspection`, after `tweak`.
async fn init(
    idp: &Idp,
    introspection: Introspection,
    tweak: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> Result<Validator, InitError> {
    let builder = Config::builder(idp.url())
        .audience(AUDIENCE)
        .introspection(introspection);
    Validator::new(tweak(builder).build().unwrap()).await
}

/// The `url` and `reason` of an `InitError::Introspection`.
fn refusal(got: Result<Validator, InitError>) -> (String, String) {
    match got {
        Err(InitError::Introspection { url, reason }) => (url, reason),
        other => panic!("expected InitError::Introspection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_good_endpoint_gets_exactly_one_probe_with_the_credentials_and_origin() {
    let s = setup(|i| i.origin("https://reports.example.com")).await;
    assert_eq!((s.idp.probe_hits(), s.idp.introspection_hits()), (1, 0));
    let probe = s.idp.last_probe().unwrap();
    assert_eq!(probe.param("token"), Some(PROBE_TOKEN));
    assert_eq!(PROBE_TOKEN, "tessera-guard-start-up-probe");
    assert_eq!(probe.param("token_type_hint"), Some("access_token"));
    // RFC 6749 §2.3.1, like every request: form-urlencoded inside Basic.
    assert_eq!(
        probe.header("authorization"),
        Some(basic_authorization(INTROSPECTION_CLIENT_ID, INTROSPECTION_SECRET).as_str())
    );
    assert_eq!(probe.header("accept"), Some("application/json"));
    assert_eq!(
        probe.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        probe.header("x-origin"),
        Some("https://reports.example.com")
    );

    // Requests, and clones of the validator, never probe again.
    let validator = s.validator.clone();
    validator.validate(&s.token()).await.unwrap();
    s.validate(&s.token_with(json!({ "jti": "jti-2" })))
        .await
        .unwrap();
    assert_eq!((s.idp.probe_hits(), s.idp.introspection_hits()), (1, 2));

    // Without an origin, no `X-Origin`.
    let s = setup(|i| i).await;
    assert_eq!(s.idp.probe_hits(), 1);
    assert_eq!(s.idp.last_probe().unwrap().header("x-origin"), None);
}

#[tokio::test]
async fn there_is_no_probe_without_introspection() {
    let s = setup_with(|b, _| b).await;
    assert_eq!(s.validator.introspection_endpoint(), None);
    s.validate(&s.token()).await.unwrap();
    assert_eq!((s.idp.probe_hits(), s.idp.introspection_hits()), (0, 0));
}

/// The point of the probe: a wrong secret or an unknown app stops the service at start. The
/// error says why without repeating the secret.
#[tokio::test]
async fn refused_credentials_fail_init_with_a_401_that_does_not_quote_the_secret() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let secret = "hunter2:wr/ng";
    for introspection in [
        Introspection::new(INTROSPECTION_CLIENT_ID, secret),
        Introspection::new("unknown app", INTROSPECTION_SECRET),
    ] {
        let (url, reason) = refusal(init(&idp, introspection, |b| b).await);
        assert_eq!(url, idp.introspection_url());
        assert!(
            reason.contains("401") && reason.contains("credentials"),
            "{reason}"
        );
    }
    assert_eq!(idp.probe_hits(), 2, "one probe each, no retry");

    let err = init(
        &idp,
        Introspection::new(INTROSPECTION_CLIENT_ID, secret),
        |b| b,
    )
    .await
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    let basic = basic_authorization(INTROSPECTION_CLIENT_ID, secret);
    let encoded = basic.trim_start_matches("Basic ");
    for leak in ["hunter2", "wr%2Fng", INTROSPECTION_SECRET, encoded] {
        assert!(!shown.contains(leak), "{leak} in {shown}");
    }
    assert!(shown.contains("401"), "{shown}");
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_init() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/introspect", listener.local_addr().unwrap())
    };
    let (url, _) = refusal(init(&idp, idp.introspection().endpoint(&closed), |b| b).await);
    assert_eq!(url, closed);
}

/// A redirect answered to the probe is refused like one answered to a request, and not
/// followed: the probe carries the client secret too.
#[tokio::test]
async fn a_redirect_at_start_fails_init_and_is_not_followed() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    let elsewhere = Idp::start(&[&key]).await;
    idp.redirect("/introspect", &elsewhere.introspection_url());
    let (url, reason) = refusal(init(&idp, idp.introspection(), |b| b).await);
    assert_eq!(url, idp.introspection_url());
    assert!(reason.contains("307"), "{reason}");
    assert_eq!(
        elsewhere.probe_hits() + elsewhere.introspection_hits(),
        0,
        "the redirect was followed"
    );

    // On the same host too, where reqwest would keep the credentials.
    let moved = format!("{}/moved", idp.introspection_url());
    idp.redirect("/introspect", &moved);
    let (_, reason) = refusal(init(&idp, idp.introspection(), |b| b).await);
    assert!(reason.contains("307"), "{reason}");
    assert_eq!(idp.probe_hits(), 0, "the redirect was followed");

    // A configured client that follows it has sent the probe; its answer is refused anyway.
    let (_, reason) = refusal(
        init(&idp, idp.introspection(), |b| {
            b.http_client(reqwest::Client::new())
        })
        .await,
    );
    assert!(reason.contains("another URL"), "{reason}");
    assert_eq!(idp.probe_hits(), 1);
}

/// A made-up token called active: the endpoint is not one to trust with tokens.
#[tokio::test]
async fn an_endpoint_calling_the_probe_active_fails_init() {
    for answer in [
        IntrospectionAnswer::OtherJti("jti-2".into()),
        IntrospectionAnswer::NoJti,
    ] {
        let key = es256_key("a");
        let idp = Idp::start(&[&key]).await;
        idp.set_introspection_answer(answer.clone());
        let (_, reason) = refusal(init(&idp, idp.introspection(), |b| b).await);
        assert!(reason.contains("active"), "{answer:?}: {reason}");
        assert_eq!(idp.probe_hits(), 1);
    }
}

#[tokio::test]
async fn an_endpoint_without_an_rfc_7662_answer_fails_init() {
    let key = es256_key("a");
    let idp = Idp::start(&[&key]).await;
    for (answer, expected) in [
        (IntrospectionAnswer::Status(503), "503"),
        (IntrospectionAnswer::Status(500), "500"),
        (IntrospectionAnswer::Status(404), "404"),
        (IntrospectionAnswer::NotJson, "RFC 7662"),
    ] {
        idp.set_introspection_answer(answer.clone());
        let (_, reason) = refusal(init(&idp, idp.introspection(), |b| b).await);
        assert!(reason.contains(expected), "{answer:?}: {reason}");
    }
    assert_eq!((idp.probe_hits(), idp.introspection_hits()), (4, 0));

    // The same endpoint, answering again, lets the service start.
    idp.set_introspection_answer(IntrospectionAnswer::Normal);
    init(&idp, idp.introspection(), |b| b).await.unwrap();
}
