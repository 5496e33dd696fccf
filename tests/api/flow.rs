//! The authorization code flow end to end, with the `openidconnect` crate as the relying party
//! and a cookie-keeping HTTP client as the browser.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;

use crate::common::{hidden, location, query_of, spawn_app, TestApp, WEB_LOGGED_OUT, WEB_REDIRECT};

pub const EMAIL: &str = "alice@example.com";
pub const PASSWORD: &str = "correct horse battery";

/// Signs `email` in on the login page `authorize_url` leads `browser` to; returns where the
/// flow goes next (the consent page or the app's redirect URI).
pub async fn sign_in_as(
    app: &TestApp,
    browser: &reqwest::Client,
    authorize_url: &str,
    email: &str,
) -> String {
    let res = browser.get(authorize_url).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let login = location(&res);
    assert!(login.starts_with("/login?request="), "{login}");
    let page = browser
        .get(format!("{}{login}", app.public_url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    let form = [
        ("request", hidden(&html, "request")),
        ("csrf_token", hidden(&html, "csrf_token")),
        ("email", email.to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    let res = browser
        .post(format!("{}/login", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "303 after a credential POST");
    let resume = location(&res);
    let res = browser
        .get(format!("{}{resume}", app.public_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

/// Signs in and consents in `browser`, starting at `authorize_url`; returns the final redirect.
pub async fn sign_in_and_consent(
    app: &TestApp,
    browser: &reqwest::Client,
    authorize_url: &str,
) -> String {
    let next = sign_in_as(app, browser, authorize_url, EMAIL).await;
    if !next.starts_with("/consent") {
        return next;
    }
    let html = browser
        .get(format!("{}{next}", app.public_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Reports") && html.contains("Know who you are"),
        "{html}"
    );
    allow(app, browser, &html).await
}

/// Allows what the consent page `html` asks; returns where the browser goes next.
pub async fn allow(app: &TestApp, browser: &reqwest::Client, html: &str) -> String {
    let form = [
        ("request", hidden(html, "request")),
        ("csrf_token", hidden(html, "csrf_token")),
        ("decision", "allow".to_owned()),
    ];
    let res = browser
        .post(format!("{}/consent", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

#[tokio::test]
async fn a_relying_party_runs_the_whole_flow_with_openidconnect() {
    let app = spawn_app().await;
    let user_id = app.create_user(EMAIL, PASSWORD).await;
    let (client_id, secret) = app.web_app().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(WEB_REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, csrf_state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = app.browser();
    let callback = sign_in_and_consent(&app, &browser, authorize_url.as_str()).await;
    assert!(callback.starts_with(WEB_REDIRECT), "{callback}");
    let params = query_of(&callback);
    assert_eq!(params["state"], *csrf_state.secret());
    assert_eq!(params["iss"], app.issuer, "RFC 9207");

    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = token.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), user_id);
    assert!(claims.auth_time().is_some());
    let id_header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            id_token.to_string().split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(id_header["alg"], "RS256", "OIDC's default");

    let info: CoreUserInfoClaims = client
        .user_info(token.access_token().to_owned(), None)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(info.email().unwrap().as_str(), EMAIL);

    // Refresh rotates the refresh token.
    let refresh = token
        .refresh_token()
        .expect("offline_access gives a refresh token")
        .clone();
    let refreshed = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    let rotated = refreshed.refresh_token().unwrap().clone();
    assert_ne!(rotated.secret(), refresh.secret());

    // A second sign-in needs no consent: it is remembered.
    let (challenge, _verifier) = PkceCodeChallenge::new_random_sha256();
    let (again, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let res = browser.get(again.as_str()).send().await.unwrap();
    assert!(
        location(&res).starts_with(WEB_REDIRECT),
        "signed in and consented: straight back"
    );

    // Logout ends the session and returns to the registered URI with the state.
    let logout = format!(
        "{}/end_session?id_token_hint={}&post_logout_redirect_uri={}&state=bye",
        app.public_url,
        id_token,
        urlencode(WEB_LOGGED_OUT)
    );
    let res = browser.get(&logout).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{WEB_LOGGED_OUT}?state=bye"));
    let res = browser.get(again.as_str()).send().await.unwrap();
    assert!(location(&res).starts_with("/login"), "the session is over");
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A flow driven by hand, for the bad-input tests: (browser, code, verifier), asking for
/// `openid email` with `extra` parameters.
pub async fn code_for(
    app: &TestApp,
    client_id: &str,
    extra: &str,
) -> (reqwest::Client, String, String) {
    code_with(app, client_id, "openid%20email", extra).await
}

/// Like [`code_for`] with other scopes.
pub async fn code_for_scopes(
    app: &TestApp,
    client_id: &str,
    scopes: &str,
) -> (reqwest::Client, String, String) {
    code_with(app, client_id, scopes, "").await
}

async fn code_with(
    app: &TestApp,
    client_id: &str,
    scopes: &str,
    extra: &str,
) -> (reqwest::Client, String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let url = format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={scopes}&state=s1&code_challenge={}&code_challenge_method=S256{extra}",
        app.public_url,
        urlencode(WEB_REDIRECT),
        challenge.as_str()
    );
    let browser = app.browser();
    let callback = sign_in_and_consent(app, &browser, &url).await;
    (
        browser,
        query_of(&callback)["code"].clone(),
        verifier.secret().clone(),
    )
}

/// The login page the authorization URL leads `browser` to.
pub async fn open_login(app: &TestApp, browser: &reqwest::Client, authorize_url: &str) -> String {
    let login = location(&browser.get(authorize_url).send().await.unwrap());
    browser
        .get(format!("{}{login}", app.public_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn exchange(
    app: &TestApp,
    (id, secret): (&str, &str),
    code: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", WEB_REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let res = app.post_token(&form, Some((id, secret))).await;
    (res.status().as_u16(), res.json().await.unwrap())
}
