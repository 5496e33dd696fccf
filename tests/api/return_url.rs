//! Return-URL protection at the authorization and end-session endpoints: exact URIs and strict
//! prefixes; a mismatch shows an error page and never redirects. Also the front-channel domain
//! check and the per-app settings (lifetimes, PKCE, first-party consent skip, logo).

use secrecy::ExposeSecret;
use serde_json::Value;
use tessera::apps::NewApp;

use super::flow::{sign_in_and_consent, sign_in_as, urlencode, EMAIL, PASSWORD};
use super::flow_errors::authorize_url_to;
use super::protections::change;
use crate::common::{location, query_of, spawn_app, TestApp};

const PREFIX: &str = "https://example.org/callback/";
/// A PKCE pair: the verifier and its S256 challenge.
const VERIFIER: &str = "tessera-test-verifier-0123456789-abcdefghijkl";
const PKCE: &str =
    "&code_challenge=0bB5qDDqlA-PncD-KEqBHtFa1A2c3YWsv3V9f_6v46w&code_challenge_method=S256";

async fn prefixed_app(app: &TestApp) -> (String, String) {
    let created = app
        .create_app(NewApp {
            name: "Reports".into(),
            redirect_uri_prefixes: vec![PREFIX.into()],
            post_logout_redirect_uri_prefixes: vec!["https://example.org/bye/".into()],
            ..Default::default()
        })
        .await;
    let secret = created.client_secret.unwrap().expose_secret().to_owned();
    (created.client_id, secret)
}

fn authorize(app: &TestApp, client_id: &str, redirect_uri: &str) -> String {
    authorize_url_to(app, client_id, redirect_uri, PKCE)
}

#[tokio::test]
async fn a_prefix_allows_uris_below_it_and_nothing_else() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = prefixed_app(&app).await;
    let browser = app.browser();

    // The seed example: accepted, and the code comes back to that exact URI.
    let good = "https://example.org/callback/abcdefgh/?tracking=123456";
    let callback = sign_in_and_consent(&app, &browser, &authorize(&app, &id, good)).await;
    assert!(callback.starts_with(good), "{callback}");
    let params = query_of(&callback);
    let res = app
        .post_token(
            &[
                ("grant_type", "authorization_code"),
                ("code", params["code"].as_str()),
                ("redirect_uri", good),
                ("code_verifier", VERIFIER),
            ],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    for bad in [
        "https://example.org/invalid",
        "https://example.org/callback/../admin",
        "https://example.org/callback/%2e%2e/admin",
        "https://example.org/callback/%2E%2E/admin",
        "https://example.org/callback/a%2Fb",
        "https://example.org/callback/%252e%252e/",
        "https://example.org/callbackX",
        "https://example.org/callback",
        "https://example.org.evil.com/callback/",
        "https://user@example.org/callback/",
        "https://example.org/callback/x#fragment",
        "http://example.org/callback/x",
        "https://example.org:8443/callback/x",
        "https://EXAMPLE.org/callback/x",
        "https://example.org/callback/x\\..\\admin",
    ] {
        let res = browser.get(authorize(&app, &id, bad)).send().await.unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert!(res.headers().get("location").is_none(), "{bad}");
        let page = res.text().await.unwrap();
        assert!(page.contains("redirect_uri is not registered"), "{bad}");
    }
}

#[tokio::test]
async fn post_logout_prefixes_follow_the_same_rules() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, _) = prefixed_app(&app).await;
    let browser = app.browser();
    sign_in_and_consent(
        &app,
        &browser,
        &authorize(&app, &id, "https://example.org/callback/a"),
    )
    .await;
    let end = |uri: &str| {
        format!(
            "{}/end_session?client_id={id}&post_logout_redirect_uri={}",
            app.public_url,
            urlencode(uri)
        )
    };
    for bad in [
        "https://example.org/bye",
        "https://example.org/bye/../admin",
        "https://example.org/bye/%2e%2e/",
        "https://evil.example.com/bye/",
    ] {
        let res = browser.get(end(bad)).send().await.unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert!(res.headers().get("location").is_none(), "{bad}");
    }
    // Still signed in: the refused requests ended nothing.
    let res = browser
        .get(authorize(&app, &id, "https://example.org/callback/a"))
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("https://example.org/callback/a?"));
    let res = browser
        .get(end("https://example.org/bye/now?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "https://example.org/bye/now?x=1");
}

#[tokio::test]
async fn a_browser_post_from_an_unlisted_origin_gets_the_error_page() {
    let app = spawn_app().await;
    let (id, _) = prefixed_app(&app).await;
    change(&app, &id, |s| {
        s.allowed_origins = vec!["https://example.org".into()]
    })
    .await;
    let form = |origin: &'static str| {
        app.client
            .post(format!("{}/authorize", app.public_url))
            .header("Origin", origin)
            .form(&[
                ("response_type", "code"),
                ("client_id", id.as_str()),
                ("redirect_uri", "https://example.org/callback/a"),
                ("scope", "openid"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "S256"),
            ])
            .send()
    };
    let res = form("https://evil.example.com").await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("domain protection"));
    let res = form("https://example.org").await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));
}

#[tokio::test]
async fn per_app_lifetimes_pkce_consent_skip_and_logo() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let created = app
        .create_app(NewApp {
            name: "Reports".into(),
            redirect_uri_prefixes: vec![PREFIX.into()],
            grant_types: vec!["authorization_code".into(), "client_credentials".into()],
            access_token_ttl: Some(std::time::Duration::from_secs(120)),
            id_token_ttl: Some(std::time::Duration::from_secs(180)),
            require_pkce: Some(false),
            logo_uri: Some("https://cdn.example.org/logo.png".into()),
            ..Default::default()
        })
        .await;
    let id = created.client_id;
    let secret = created.client_secret.unwrap().expose_secret().to_owned();

    let res = app
        .post_token(
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 120, "{body}");

    // PKCE off for this confidential app; the consent page shows the logo.
    let browser = app.browser();
    let url = format!(
        "{}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=s1",
        app.public_url,
        urlencode("https://example.org/callback/x")
    );
    let login = location(&browser.get(&url).send().await.unwrap());
    assert!(login.starts_with("/login"), "{login}");
    let callback = sign_in_and_consent(&app, &browser, &url).await;
    let code = query_of(&callback)["code"].clone();
    let res = app
        .post_token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", "https://example.org/callback/x"),
            ],
            Some((&id, &secret)),
        )
        .await;
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(tokens["expires_in"], 120, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims =
        tessera::oauth::tokens::verify_id_token_hint(&app.state.keys, &app.issuer, id_token)
            .unwrap();
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 180);

    // Consent page shows the logo (a second user, who has not consented yet).
    app.create_user("bob@example.com", PASSWORD).await;
    let bob = app.browser();
    let consent = sign_in_as(&app, &bob, &url, "bob@example.com").await;
    assert!(consent.starts_with("/consent"), "{consent}");
    let page = bob
        .get(format!("{}{consent}", app.public_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("src=\"https://cdn.example.org/logo.png\""),
        "{page}"
    );

    // First-party: a signed-in user who never consented goes straight back with a code.
    change(&app, &id, |s| s.is_first_party = true).await;
    app.create_user("carol@example.com", PASSWORD).await;
    let carol = app.browser();
    let next = sign_in_as(&app, &carol, &url, "carol@example.com").await;
    assert!(
        next.starts_with("https://example.org/callback/x?code="),
        "no consent page for a first-party app"
    );
    // prompt=consent still asks.
    let res = carol
        .get(format!("{url}&prompt=consent"))
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("/consent"));
}
