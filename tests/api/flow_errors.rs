//! Each bad input of the authorization code flow: the exact error, and nothing changed.

use serde_json::Value;

use super::flow::{code_for, code_for_scopes, exchange, urlencode, EMAIL, PASSWORD};
use crate::common::{hidden, location, query_of, spawn_app, spawn_app_with, WEB_REDIRECT};

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_tokens_it_gave() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let (status, first) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{first}");
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(app.introspect((&id, &secret), access).await["active"], true);

    let (status, replay) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        app.introspect((&id, &secret), access).await["active"],
        false,
        "the first tokens are revoked"
    );
}

#[tokio::test]
async fn pkce_is_checked_at_the_token_endpoint() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let wrong = "x".repeat(43);
    assert_eq!(
        exchange(&app, (&id, &secret), &code, Some(&wrong)).await.1["error"],
        "invalid_grant"
    );
    let mismatched = app
        .post_token(
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "https://reports.example.com/other"),
                ("code_verifier", &verifier),
            ],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(
        mismatched.json::<Value>().await.unwrap()["error"],
        "invalid_grant",
        "redirect_uri must equal"
    );
    // Neither refusal used the code up.
    assert_eq!(
        exchange(&app, (&id, &secret), &code, Some(&verifier))
            .await
            .0,
        200
    );
    let (_, code, _) = code_for(&app, &id, "").await;
    assert_eq!(
        exchange(&app, (&id, &secret), &code, None).await.1["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_code_cannot_be_used_by_another_app() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (other_id, other_secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let (status, body) = exchange(&app, (&other_id, &other_secret), &code, Some(&verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The refused attempt changed nothing: the code still works for its own app.
    let (status, body) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_unregistered_redirect_uri_shows_an_error_page_and_never_redirects() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    for uri in [
        "https://evil.example.com/callback",
        "https://reports.example.com/callback/x",
    ] {
        let url = format!("{}/authorize?response_type=code&client_id={id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256", app.public_url, urlencode(uri), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let res = app.browser().get(&url).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.headers().get("location").is_none());
        assert!(res.text().await.unwrap().contains("not registered"));
    }
    let res = app
        .browser()
        .get(format!(
            "{}/authorize?response_type=code&client_id=nobody&redirect_uri=x",
            app.public_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    let url = authorize_url(&app, &id, &format!("&prompt=none{PKCE}"));
    let res = app.browser().get(&url).send().await.unwrap();
    let params = query_of(&location(&res));
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["state"], "s1");
    assert_eq!(params["iss"], app.issuer);
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_creates_no_session() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = app.web_app().await;
    let url = authorize_url(&app, &id, PKCE);
    let browser = app.browser();
    let html = super::flow::open_login(&app, &browser, &url).await;
    let request = hidden(&html, "request");
    for csrf in ["", "forged"] {
        let form = [
            ("request", request.as_str()),
            ("csrf_token", csrf),
            ("email", EMAIL),
            ("password", PASSWORD),
        ];
        let res = browser
            .post(format!("{}/login", app.public_url))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert!(
            res.headers().get("set-cookie").is_none(),
            "no session cookie"
        );
    }
    // Still not signed in: the flow asks for a login again.
    let res = browser.get(&url).send().await.unwrap();
    assert!(location(&res).starts_with("/login"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = app.web_app().await;
    let url = authorize_url(&app, &id, PKCE);
    let browser = app.browser();
    let html = super::flow::open_login(&app, &browser, &url).await;
    let mut answers = Vec::new();
    for (email, password) in [(EMAIL, "wrong password"), ("nobody@example.com", PASSWORD)] {
        let form = [
            ("request", hidden(&html, "request")),
            ("csrf_token", hidden(&html, "csrf_token")),
            ("email", email.to_owned()),
            ("password", password.to_owned()),
        ];
        let res = browser
            .post(format!("{}/login", app.public_url))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert!(res.headers().get("set-cookie").is_none());
        answers.push(location(&res));
    }
    assert_eq!(answers[0], answers[1]);
    let page = browser
        .get(format!("{}{}", app.public_url, answers[0]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("The email or password is wrong."));
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_family_and_scope_only_narrows() {
    let app = spawn_app_with(|s| s.tokens.refresh_reuse_grace = std::time::Duration::ZERO).await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );

    let (_, code, verifier) = code_for_scopes(&app, &id, "openid%20email%20offline_access").await;
    let (_, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String, scope: Option<&'static str>| {
        let app = &app;
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", token),
            ];
            if let Some(scope) = scope {
                form.push(("scope", scope.to_owned()));
            }
            let res = app
                .client
                .post(format!("{}/token", app.public_url))
                .basic_auth(&id, Some(&secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, wide) = refresh(first.clone(), Some("openid profile")).await;
    assert_eq!(
        (status, wide["error"].as_str()),
        (400, Some("invalid_scope")),
        "scope only narrows"
    );
    let (status, second) = refresh(first.clone(), Some("openid")).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["scope"], "openid", "the access token is narrowed");
    assert!(
        second["refresh_token"].is_string(),
        "the refresh token keeps its scope, offline_access included (RFC 6749 §6)"
    );
    let second_token = second["refresh_token"].as_str().unwrap().to_owned();
    let access = second["access_token"].as_str().unwrap().to_owned();

    let (status, reused) = refresh(first.clone(), None).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, after) = refresh(second_token, None).await;
    assert_eq!(
        (status, after["error"].as_str()),
        (400, Some("invalid_grant")),
        "the whole family is revoked"
    );
    let res = app
        .client
        .get(format!("{}/userinfo", app.public_url))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "and its access tokens");
}

#[tokio::test]
async fn userinfo_refuses_unsigned_and_tampered_tokens() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let (_, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    let token = tokens["access_token"].as_str().unwrap();
    let ok = app
        .client
        .get(format!("{}/userinfo", app.public_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let info: Value = ok.json().await.unwrap();
    assert_eq!(info["email"], EMAIL);
    assert!(info.get("name").is_none(), "no profile scope, no name");

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["alg"] = "none".into();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        parts[1]
    );
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "someone-else".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    for bad in [unsigned.as_str(), tampered.as_str(), "garbage"] {
        let res = app
            .client
            .get(format!("{}/userinfo", app.public_url))
            .bearer_auth(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert!(res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
    let none = app
        .client
        .get(format!("{}/userinfo", app.public_url))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"tessera\""
    );
    // A client-credentials token has no openid scope.
    let (mid, msecret) = app.machine_app().await;
    let machine = app
        .post_token(
            &[("grant_type", "client_credentials")],
            Some((&mid, &msecret)),
        )
        .await;
    let machine: Value = machine.json().await.unwrap();
    let res = app
        .client
        .get(format!("{}/userinfo", app.public_url))
        .bearer_auth(machine["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn an_unregistered_post_logout_redirect_uri_is_never_followed() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = app.web_app().await;
    let (browser, _, _) = code_for(&app, &id, "").await;
    let url = format!(
        "{}/end_session?client_id={id}&post_logout_redirect_uri={}",
        app.public_url,
        urlencode("https://evil.example.com/")
    );
    let res = browser.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    // The session was not ended either.
    let again = authorize_url(&app, &id, PKCE);
    assert!(location(&browser.get(&again).send().await.unwrap()).starts_with(WEB_REDIRECT));
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let clock = std::sync::Arc::new(tessera::clock::FixedClock::new(chrono::Utc::now()));
    let app =
        crate::common::spawn_app_in(crate::common::TestEnv::new().await, clock.clone(), |_| {})
            .await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    clock.advance(chrono::Duration::seconds(61));
    let (status, body) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_access_tokens() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for_scopes(&app, &id, "openid%20offline_access").await;
    let (_, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let info = app.introspect((&id, &secret), refresh).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["token_type"], "refresh_token");
    let res = app
        .client
        .post(format!("{}/revoke", app.public_url))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", refresh), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.introspect((&id, &secret), refresh).await["active"],
        false
    );
    assert_eq!(
        app.introspect((&id, &secret), access).await["active"],
        false,
        "its access token goes too"
    );
    let again = app
        .post_token(
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn oversize_parameters_get_a_clear_400() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    let huge = "x".repeat(5000);
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&state={huge}",
        app.public_url,
        urlencode(WEB_REDIRECT)
    );
    let res = app.browser().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("too large"));
}

/// A valid S256 challenge (RFC 7636 Appendix B), for requests that never reach the token endpoint.
pub const PKCE: &str =
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

pub fn authorize_url(app: &crate::common::TestApp, client_id: &str, extra: &str) -> String {
    authorize_url_to(app, client_id, WEB_REDIRECT, extra)
}

/// An authorization URL for `openid email` with another redirect URI.
pub fn authorize_url_to(
    app: &crate::common::TestApp,
    client_id: &str,
    redirect_uri: &str,
    extra: &str,
) -> String {
    format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20email&state=s1{extra}",
        app.public_url,
        urlencode(redirect_uri)
    )
}

#[tokio::test]
async fn tokens_issued_while_a_replay_revokes_the_code_are_refused() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    // A replay that won the race marked the family revoked before this exchange recorded its
    // tokens: the exchange must not hand out tokens that escaped the revocation.
    let family = tessera::crypto::sha256_hex(code.as_bytes());
    let now = chrono::Utc::now();
    tessera::store::issued_tokens::revoke_family(
        &app.state.dbs.ops,
        &family,
        now,
        now + chrono::Duration::days(1),
    )
    .await
    .unwrap();
    let (status, body) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}
