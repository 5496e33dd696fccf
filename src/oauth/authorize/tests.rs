use std::collections::BTreeSet;

use super::*;
use crate::apps::AuthMethod;

const ISS: &str = "https://id.example.com";

fn app() -> RegisteredApp {
    RegisteredApp {
        redirect_uris: vec!["https://app.example.com/cb".into()],
        grant_types: [GrantType::AuthorizationCode].into(),
        scopes: ["openid", "profile", "email"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        ..RegisteredApp::for_tests("c1", AuthMethod::ClientSecret)
    }
}

fn no_hint(_: &str) -> Option<String> {
    None
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn params(extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut p: HashMap<String, String> = [
        ("client_id", "c1"),
        ("redirect_uri", "https://app.example.com/cb"),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "s1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        if v.is_empty() {
            p.remove(*k);
        } else {
            p.insert(k.to_string(), v.to_string());
        }
    }
    p
}

fn error_code(result: Result<AuthorizationRequest, AuthorizeError>) -> String {
    match result {
        Err(AuthorizeError::Redirect(r)) => {
            assert_eq!(
                r.params.last().unwrap(),
                &("iss".to_string(), ISS.to_string())
            );
            assert!(r.params.contains(&("state".into(), "s1".into())));
            r.params
                .iter()
                .find(|(k, _)| k == "error")
                .unwrap()
                .1
                .clone()
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
}

#[test]
fn a_good_request_validates() {
    let r = validate(ISS, &params(&[]), Some(&app()), &no_hint).unwrap();
    assert_eq!(r.scopes, vec!["openid", "email"]);
    assert_eq!(r.code_challenge.as_deref(), Some(CHALLENGE));
    assert_eq!(r.response_mode, ResponseMode::Query);
}

#[test]
fn untrusted_requests_never_redirect() {
    assert!(matches!(
        validate(ISS, &params(&[]), None, &no_hint),
        Err(AuthorizeError::Untrusted(_))
    ));
    for uri in [
        "https://app.example.com/cb/",
        "https://evil.example.com/cb",
        "",
    ] {
        let result = validate(
            ISS,
            &params(&[("redirect_uri", uri)]),
            Some(&app()),
            &no_hint,
        );
        assert!(matches!(result, Err(AuthorizeError::Untrusted(_))), "{uri}");
    }
    let huge = "x".repeat(MAX_PARAM_LEN + 1);
    assert!(matches!(
        validate(ISS, &params(&[("state", &huge)]), Some(&app()), &no_hint),
        Err(AuthorizeError::Untrusted(_))
    ));
}

#[test]
fn bad_parameters_redirect_with_their_error_code() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("response_type", "")], "invalid_request"),
        (&[("scope", "openid admin")], "invalid_scope"),
        (&[("scope", "")], "invalid_scope"),
        (&[("nonce", &"n".repeat(513))], "invalid_request"),
        (&[("scope", "openid offline_access")], "invalid_scope"),
        (&[("code_challenge_method", "plain")], "invalid_request"),
        (&[("code_challenge_method", "")], "invalid_request"),
        (
            &[("code_challenge", ""), ("code_challenge_method", "")],
            "invalid_request",
        ),
        (&[("code_challenge", "short")], "invalid_request"),
        (&[("prompt", "none login")], "invalid_request"),
        (&[("prompt", "select_account")], "invalid_request"),
        (&[("max_age", "soon")], "invalid_request"),
        (&[("response_mode", "fragment")], "invalid_request"),
        (&[("id_token_hint", "not-a-token")], "invalid_request"),
    ];
    for (extra, code) in cases {
        assert_eq!(
            error_code(validate(ISS, &params(extra), Some(&app()), &no_hint)),
            *code,
            "{extra:?}"
        );
    }
}

#[test]
fn the_response_carries_code_state_and_iss_in_the_query() {
    let r = validate(
        ISS,
        &params(&[("redirect_uri", "https://app.example.com/cb")]),
        Some(&app()),
        &no_hint,
    )
    .unwrap();
    let location = AuthorizationResponse::code(ISS, &r, "abc").location();
    assert_eq!(
        location,
        "https://app.example.com/cb?code=abc&state=s1&iss=https%3A%2F%2Fid.example.com"
    );
}
