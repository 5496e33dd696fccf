//! The authorization endpoint's parameters: PKCE refusals, response modes, prompt, max_age,
//! id_token_hint, ui_locales, and the app's registered ID-token algorithm.

use serde_json::Value;

use super::flow::{exchange, EMAIL, PASSWORD};
use super::flow_errors::{authorize_url, PKCE};
use crate::common::{hidden, location, query_of, spawn_app, WEB_REDIRECT};

#[tokio::test]
async fn missing_and_plain_pkce_are_refused_at_authorize() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    for extra in [
        "",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
    ] {
        let res = app
            .browser()
            .get(authorize_url(&app, &id, extra))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let params = query_of(&location(&res));
        assert_eq!(params["error"], "invalid_request", "{extra}");
        assert_eq!(params["state"], "s1");
        assert_eq!(params["iss"], app.issuer);
    }
}

#[tokio::test]
async fn form_post_answers_with_a_self_submitting_form_under_a_strict_csp() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    let extra = "&prompt=none&response_mode=form_post&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let res = app
        .browser()
        .get(authorize_url(&app, &id, extra))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'sha256-")
            && csp.contains("form-action https://reports.example.com"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"{WEB_REDIRECT}\"")),
        "{html}"
    );
    assert_eq!(hidden(&html, "error"), "login_required");
    assert_eq!(hidden(&html, "state"), "s1");
}

#[tokio::test]
async fn prompt_login_asks_again_even_with_a_session() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = app.web_app().await;
    let (browser, _, _) = super::flow::code_for(&app, &id, "").await;
    let pkce =
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let res = browser
        .get(authorize_url(&app, &id, pkce))
        .send()
        .await
        .unwrap();
    assert!(
        location(&res).starts_with(WEB_REDIRECT),
        "signed in: straight back"
    );
    let res = browser
        .get(authorize_url(&app, &id, &format!("{pkce}&prompt=login")))
        .send()
        .await
        .unwrap();
    assert!(
        location(&res).starts_with("/login"),
        "prompt=login shows the login page"
    );
}

#[tokio::test]
async fn max_age_asks_for_a_fresh_login_once_it_has_passed() {
    let clock = std::sync::Arc::new(tessera::clock::FixedClock::new(chrono::Utc::now()));
    let app =
        crate::common::spawn_app_in(crate::common::TestEnv::new().await, clock.clone(), |_| {})
            .await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = app.web_app().await;
    let (browser, _, _) = super::flow::code_for(&app, &id, "").await;
    clock.advance(chrono::Duration::minutes(2));
    let pkce =
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let recent = browser
        .get(authorize_url(&app, &id, &format!("{pkce}&max_age=600")))
        .send()
        .await
        .unwrap();
    assert!(
        location(&recent).starts_with(WEB_REDIRECT),
        "signed in 2 minutes ago: fine for 10"
    );
    let stale = browser
        .get(authorize_url(&app, &id, &format!("{pkce}&max_age=60")))
        .send()
        .await
        .unwrap();
    assert!(
        location(&stale).starts_with("/login"),
        "too old for 1 minute"
    );
}

#[tokio::test]
async fn an_id_token_hint_for_another_user_needs_a_new_login() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (browser, code, verifier) = super::flow::code_for(&app, &id, "").await;
    let (_, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    let own = tokens["id_token"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now().timestamp();
    let other = tessera::oauth::tokens::id_token(
        &app.state.keys,
        tessera::crypto::keyring::SigningAlg::Rs256,
        &tessera::oauth::tokens::IdTokenClaims {
            iss: app.issuer.clone(),
            sub: "another-user".into(),
            aud: id.clone(),
            exp: now + 60,
            iat: now,
            auth_time: now,
            nonce: None,
            at_hash: String::new(),
            sid: None,
            amr: vec!["pwd".into()],
            acr: tessera::oauth::tokens::ACR_PASSWORD.into(),
            azp: id.clone(),
        },
    )
    .unwrap();
    let with_hint = |hint: &str| {
        authorize_url(
            &app,
            &id,
            &format!("{PKCE}&prompt=none&id_token_hint={hint}"),
        )
    };
    let res = browser.get(with_hint(&own)).send().await.unwrap();
    assert!(
        query_of(&location(&res)).contains_key("code"),
        "the hinted user is signed in"
    );
    let res = browser.get(with_hint(&other)).send().await.unwrap();
    assert_eq!(query_of(&location(&res))["error"], "login_required");
    let res = browser.get(with_hint("garbage")).send().await.unwrap();
    assert_eq!(query_of(&location(&res))["error"], "invalid_request");
}

#[tokio::test]
async fn ui_locales_or_accept_language_choose_czech_pages() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    let login_page = |browser: reqwest::Client, url: String, accept: &'static str| {
        let app = &app;
        async move {
            let res = browser
                .get(&url)
                .header("accept-language", accept)
                .send()
                .await
                .unwrap();
            let login = location(&res);
            browser
                .get(format!("{}{login}", app.public_url))
                .header("accept-language", accept)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let czech = login_page(
        app.browser(),
        authorize_url(&app, &id, &format!("{PKCE}&ui_locales=cs")),
        "en",
    )
    .await;
    assert!(
        czech.contains("<html lang=\"cs\">") && czech.contains("Přihlásit se"),
        "{czech}"
    );
    let header = login_page(
        app.browser(),
        authorize_url(&app, &id, PKCE),
        "cs-CZ,en;q=0.5",
    )
    .await;
    assert!(header.contains("Přihlásit se"));
    let english = login_page(app.browser(), authorize_url(&app, &id, PKCE), "de").await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Sign in"));
}

#[tokio::test]
async fn an_app_that_registered_es256_gets_es256_id_tokens_and_userinfo_takes_post() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let created = app
        .create_app(tessera::apps::NewApp {
            name: "Reports".into(),
            redirect_uris: vec![WEB_REDIRECT.into()],
            id_token_alg: Some("ES256".into()),
            ..Default::default()
        })
        .await;
    use secrecy::ExposeSecret;
    let secret = created
        .client_secret
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    let id = created.client_id;
    let (_, code, verifier) = super::flow::code_for(&app, &id, "").await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = josekit::jwt::decode_header(id_token).unwrap();
    assert_eq!(header.claim("alg").unwrap(), "ES256");
    let kid = header.claim("kid").unwrap().as_str().unwrap();
    let jwks =
        josekit::jwk::JwkSet::from_bytes(app.get("/jwks").await.bytes().await.unwrap()).unwrap();
    let verifier = josekit::jws::ES256
        .verifier_from_jwk(jwks.get(kid)[0])
        .unwrap();
    let (claims, _) = josekit::jwt::decode_with_verifier(id_token, &verifier).unwrap();
    assert_eq!(claims.audience().unwrap(), vec![id.as_str()]);
    let expected = tessera::oauth::tokens::at_hash(
        tessera::crypto::keyring::SigningAlg::Es256,
        tokens["access_token"].as_str().unwrap(),
    );
    assert_eq!(claims.claim("at_hash").unwrap(), expected.as_str());

    let res = app
        .client
        .post(format!("{}/userinfo", app.public_url))
        .form(&[("access_token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], EMAIL);
}

#[tokio::test]
async fn max_age_zero_and_prompt_login_complete_after_a_fresh_sign_in() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    for extra in ["&max_age=0", "&prompt=login"] {
        // A fresh sign-in satisfies the request: no loop back to the login page.
        let (_, code, verifier) = super::flow::code_for(&app, &id, extra).await;
        assert_eq!(
            exchange(&app, (&id, &secret), &code, Some(&verifier))
                .await
                .0,
            200,
            "{extra}"
        );
    }
}

#[tokio::test]
async fn the_consent_page_cannot_skip_a_required_sign_in() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = app.web_app().await;
    let (browser, _, _) = super::flow::code_for(&app, &id, "").await;
    let res = browser
        .get(authorize_url(&app, &id, &format!("{PKCE}&prompt=login")))
        .send()
        .await
        .unwrap();
    let login = location(&res);
    assert!(login.starts_with("/login?request="), "{login}");
    let consent = login.replacen("/login", "/consent", 1);
    let res = browser
        .get(format!("{}{consent}", app.public_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        login,
        "the consent page sends the user to sign in first"
    );
}

#[tokio::test]
async fn a_request_without_scope_is_refused() {
    let app = spawn_app().await;
    let (id, _) = app.web_app().await;
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&state=s1{PKCE}",
        app.public_url,
        super::flow::urlencode(WEB_REDIRECT)
    );
    let res = app.browser().get(url).send().await.unwrap();
    assert_eq!(query_of(&location(&res))["error"], "invalid_scope");
}
