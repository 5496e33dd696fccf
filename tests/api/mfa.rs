//! Two-step verification (TOTP, RFC 6238): enrolment on `/account/mfa`, the code step of the
//! sign-in (`/login/mfa`), replay and wrong-code limits, and an operator's reset through the admin
//! API. Codes are computed with totp-rs from the secret the enrolment page shows, at the time of
//! the app's fixed clock: no test sleeps.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use openidconnect::PkceCodeChallenge;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use tessera::clock::{Clock, FixedClock};
use tessera::identity::{self, CodeOutcome};
use tessera::operators::OperatorRole;
use tessera::store::totp_factors;
use totp_rs::{Algorithm, Secret, TOTP};

use super::flow::{allow, exchange, sign_in_as, urlencode, EMAIL, PASSWORD};
use crate::admin_api::operator_token;
use crate::common::console::Console;
use crate::common::{hidden, location, query_of, spawn_app_in, TestApp, TestEnv, WEB_REDIRECT};

mod races;

const PENDING_COOKIE: &str = "tessera_pending_login";
const SESSION_COOKIE: &str = "tessera_session";

/// A Tessera whose clock moves only when told to.
async fn spawn() -> (TestApp, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    (app, clock)
}

fn totp(secret: &str) -> TOTP {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())
}

/// The code an authenticator app shows now (by the app's clock).
fn code_now(secret: &str, clock: &FixedClock) -> String {
    totp(secret).generate(clock.now().timestamp() as u64)
}

/// Six digits that are no valid code now (nor one step either side).
fn wrong_code(secret: &str, clock: &FixedClock) -> String {
    let totp = totp(secret);
    let now = clock.now().timestamp() as u64;
    let valid = [now - 30, now, now + 30].map(|t| totp.generate(t));
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|c| !valid.contains(c))
        .unwrap()
}

/// The text of the element with this id.
fn text_of(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in page:\n{html}"))
        + marker.len();
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].to_owned()
}

/// The `Set-Cookie` headers of a response.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn sets_cookie(res: &reqwest::Response, name: &str) -> bool {
    set_cookies(res)
        .iter()
        .any(|c| c.starts_with(&format!("{name}=")) && !c.starts_with(&format!("{name}=;")))
}

async fn get_page(app: &TestApp, browser: &reqwest::Client, path: &str) -> reqwest::Response {
    browser
        .get(format!("{}{path}", app.public_url))
        .send()
        .await
        .unwrap()
}

async fn get_html(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    let res = get_page(app, browser, path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.unwrap()
}

/// Signs in on the dashboard's own page; returns the response to the credentials.
async fn dashboard_sign_in(app: &TestApp, browser: &reqwest::Client) -> reqwest::Response {
    let html = get_html(app, browser, "/dashboard/login").await;
    let form = [
        ("csrf_token", hidden(&html, "csrf_token")),
        ("email", EMAIL.to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    browser
        .post(format!("{}/dashboard/login", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Whether `browser` has a live session (the dashboard shows instead of sending to sign-in).
async fn is_signed_in(app: &TestApp, browser: &reqwest::Client) -> bool {
    let res = get_page(app, browser, "/dashboard").await;
    match res.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(location(&res), "/dashboard/login");
            false
        }
        other => panic!("/dashboard answered {other}"),
    }
}

/// Posts one of the `/account/mfa` forms; returns where it leads.
async fn account_post(
    app: &TestApp,
    browser: &reqwest::Client,
    action: &str,
    code: &str,
) -> String {
    let html = get_html(app, browser, "/account/mfa").await;
    let form = [
        ("csrf_token", hidden(&html, "csrf_token")),
        ("action", action.to_owned()),
        ("code", code.to_owned()),
    ];
    let res = browser
        .post(format!("{}/account/mfa", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "POST /account/mfa {action}");
    location(&res)
}

/// Starts enrolment in a signed-in `browser`; returns the secret the page shows.
async fn start_enrolment(app: &TestApp, browser: &reqwest::Client) -> String {
    assert_eq!(
        account_post(app, browser, "start", "").await,
        "/account/mfa"
    );
    let html = get_html(app, browser, "/account/mfa").await;
    text_of(&html, "totp-secret")
}

/// A user with confirmed two-step verification, signed out; returns (user id, secret). The
/// clock moves on a step, so the confirmation code's step is over.
async fn user_with_mfa(app: &TestApp, clock: &FixedClock) -> (String, String) {
    let user_id = app.create_user(EMAIL, PASSWORD).await;
    let browser = app.browser();
    assert_eq!(
        location(&dashboard_sign_in(app, &browser).await),
        "/dashboard"
    );
    let secret = start_enrolment(app, &browser).await;
    let code = code_now(&secret, clock);
    assert_eq!(
        account_post(app, &browser, "confirm", &code).await,
        "/account/mfa?done=on"
    );
    clock.advance(Duration::seconds(30));
    (user_id, secret)
}

/// A web app's authorization URL (code flow, PKCE); returns it with the PKCE verifier.
fn authorize_url(app: &TestApp, client_id: &str) -> (String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let url = format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20email%20offline_access&state=s1&nonce=n1&code_challenge={}&code_challenge_method=S256",
        app.public_url,
        urlencode(WEB_REDIRECT),
        challenge.as_str()
    );
    (url, verifier.secret().clone())
}

/// The password step of the hosted sign-in that `authorize_url` leads to; returns the response
/// to the credentials.
async fn password_step(
    app: &TestApp,
    browser: &reqwest::Client,
    authorize_url: &str,
) -> reqwest::Response {
    let res = browser.get(authorize_url).send().await.unwrap();
    let login = location(&res);
    assert!(login.starts_with("/login?request="), "{login}");
    let html = get_html(app, browser, &login).await;
    let form = [
        ("request", hidden(&html, "request")),
        ("csrf_token", hidden(&html, "csrf_token")),
        ("email", EMAIL.to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    browser
        .post(format!("{}/login", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Submits a code on the code page; returns the response.
async fn code_step(app: &TestApp, browser: &reqwest::Client, code: &str) -> reqwest::Response {
    let html = get_html(app, browser, "/login/mfa").await;
    let form = [
        ("csrf_token", hidden(&html, "csrf_token")),
        ("code", code.to_owned()),
    ];
    browser
        .post(format!("{}/login/mfa", app.public_url))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Consents on the page `next` names (if it is the consent page); returns the app's callback.
async fn consent(app: &TestApp, browser: &reqwest::Client, next: String) -> String {
    if !next.starts_with("/consent") {
        return next;
    }
    let html = get_html(app, browser, &next).await;
    allow(app, browser, &html).await
}

#[tokio::test]
async fn enrolment_needs_a_right_first_code() {
    let (app, clock) = spawn().await;
    let user_id = app.create_user(EMAIL, PASSWORD).await;
    let browser = app.browser();

    let res = get_page(&app, &browser, "/account/mfa").await;
    assert_eq!(res.status(), 303, "no session: sign in first");
    assert_eq!(location(&res), "/dashboard/login");

    dashboard_sign_in(&app, &browser).await;
    let res = get_page(&app, &browser, "/account/mfa").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Two-step verification is off"), "{html}");

    let secret = start_enrolment(&app, &browser).await;
    assert_eq!(secret.len(), 32, "a 20-byte secret in base32");
    let html = get_html(&app, &browser, "/account/mfa").await;
    let uri = text_of(&html, "totp-uri").replace("&amp;", "&");
    assert!(
        uri.starts_with("otpauth://totp/127.0.0.1:alice%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );

    // A wrong code: refused, nothing confirmed, and the same secret is still shown.
    let wrong = wrong_code(&secret, &clock);
    assert_eq!(
        account_post(&app, &browser, "confirm", &wrong).await,
        "/account/mfa?error=code"
    );
    let html = get_html(&app, &browser, "/account/mfa?error=code").await;
    assert!(html.contains("The code is wrong"), "{html}");
    assert_eq!(text_of(&html, "totp-secret"), secret);
    let factor = totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .unwrap();
    assert!(factor.confirmed_at.is_none() && factor.last_used_step.is_none());
    assert!(!identity::has_mfa(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap());

    // The right code turns it on.
    let code = code_now(&secret, &clock);
    assert_eq!(
        account_post(&app, &browser, "confirm", &code).await,
        "/account/mfa?done=on"
    );
    assert!(identity::has_mfa(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap());
    let html = get_html(&app, &browser, "/account/mfa?done=on").await;
    assert!(html.contains("Two-step verification is now on"), "{html}");
    assert!(!html.contains(&secret), "the secret is not shown again");

    // Setting up again is refused while it is on: the secret stays.
    account_post(&app, &browser, "start", "").await;
    let again = totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.secret_sealed, factor.secret_sealed);
    assert!(again.confirmed_at.is_some());
}

#[tokio::test]
async fn the_secret_is_sealed_at_rest() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let row = totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .unwrap();
    let raw = Secret::Encoded(secret.clone()).to_bytes().unwrap();
    let stored = &row.secret_sealed;
    assert!(stored.len() > raw.len());
    assert!(!stored.windows(raw.len()).any(|w| w == raw.as_slice()));
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert!(
        app.state.pii.open(&user_id, "email", stored).is_err(),
        "sealed for its own field"
    );
}

#[tokio::test]
async fn a_user_with_mfa_signs_in_with_a_code_and_the_flow_completes() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let (client_id, client_secret) = app.web_app().await;
    let (url, verifier) = authorize_url(&app, &client_id);
    let browser = app.browser();

    // The right password leads to the code page, and no session exists yet.
    let res = password_step(&app, &browser, &url).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login/mfa");
    assert!(sets_cookie(&res, PENDING_COOKIE));
    assert!(
        !sets_cookie(&res, SESSION_COOKIE),
        "{:?}",
        set_cookies(&res)
    );
    assert!(set_cookies(&res).iter().any(|c| c.contains("HttpOnly")
        && c.contains("SameSite=Lax")
        && c.contains("Max-Age=300")));
    assert!(!is_signed_in(&app, &browser).await);

    let page = get_page(&app, &browser, "/login/mfa").await;
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("autocomplete=\"one-time-code\""), "{html}");

    // A wrong code is refused and the page says so.
    let res = code_step(&app, &browser, &wrong_code(&secret, &clock)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login/mfa?error=1");
    assert!(!sets_cookie(&res, SESSION_COOKIE));
    let html = get_html(&app, &browser, "/login/mfa?error=1").await;
    assert!(html.contains("The code is wrong"), "{html}");
    assert!(!is_signed_in(&app, &browser).await);

    // The right code signs in and the flow goes on to the app.
    let res = code_step(&app, &browser, &code_now(&secret, &clock)).await;
    assert_eq!(res.status(), 303);
    let resume = location(&res);
    assert!(resume.starts_with("/authorize/resume?request="), "{resume}");
    assert!(sets_cookie(&res, SESSION_COOKIE));
    let next = location(&get_page(&app, &browser, &resume).await);
    let callback = consent(&app, &browser, next).await;
    assert!(callback.starts_with(WEB_REDIRECT), "{callback}");
    let params = query_of(&callback);
    assert_eq!(params["state"], "s1");
    let (status, tokens) = exchange(
        &app,
        (&client_id, &client_secret),
        &params["code"],
        Some(&verifier),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], user_id);
    assert_eq!(
        claims["amr"],
        serde_json::json!(["pwd", "otp", "mfa"]),
        "RFC 8176"
    );
    assert_eq!(claims["acr"], tessera::oauth::tokens::ACR_MFA);

    // The ID token of a refresh says the same: the grant began with both factors.
    let refreshed: Value = app
        .client
        .post(format!("{}/token", app.public_url))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = refreshed["id_token"]
        .as_str()
        .expect("a refreshed ID token");
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["acr"], tessera::oauth::tokens::ACR_MFA);

    // The pending sign-in is finished: its cookie is gone and cannot be used again.
    assert!(get_page(&app, &browser, "/login/mfa").await.status() == 400);
}

#[tokio::test]
async fn a_code_is_accepted_once() {
    let (app, clock) = spawn().await;
    let (_, secret) = user_with_mfa(&app, &clock).await;
    let (client_id, _) = app.web_app().await;
    let code = code_now(&secret, &clock);

    let first = app.browser();
    password_step(&app, &first, &authorize_url(&app, &client_id).0).await;
    let res = code_step(&app, &first, &code).await;
    assert!(location(&res).starts_with("/authorize/resume"));

    // The same code again, in another browser in the same time step: refused.
    let second = app.browser();
    password_step(&app, &second, &authorize_url(&app, &client_id).0).await;
    let res = code_step(&app, &second, &code).await;
    assert_eq!(location(&res), "/login/mfa?error=1", "a replayed code");
    assert!(!is_signed_in(&app, &second).await);

    // The next step's code works.
    clock.advance(Duration::seconds(30));
    let res = code_step(&app, &second, &code_now(&secret, &clock)).await;
    assert!(location(&res).starts_with("/authorize/resume"));
    assert!(is_signed_in(&app, &second).await);
}

#[tokio::test]
async fn five_wrong_codes_drop_the_pending_sign_in() {
    let (app, clock) = spawn().await;
    let (_, secret) = user_with_mfa(&app, &clock).await;
    let (client_id, _) = app.web_app().await;
    let browser = app.browser();
    let res = password_step(&app, &browser, &authorize_url(&app, &client_id).0).await;
    let pending = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with(PENDING_COOKIE))
        .unwrap();
    let pending = pending.split(';').next().unwrap().to_owned();

    let wrong = wrong_code(&secret, &clock);
    for _ in 0..4 {
        let res = code_step(&app, &browser, &wrong).await;
        assert_eq!(location(&res), "/login/mfa?error=1");
    }
    let res = code_step(&app, &browser, &wrong).await;
    assert_eq!(res.status(), 403, "the fifth wrong code");
    assert!(set_cookies(&res)
        .iter()
        .any(|c| c.starts_with(&format!("{PENDING_COOKIE}=;"))));
    assert!(res.text().await.unwrap().contains("Too many wrong codes"));

    // Gone: the right code does not help, not even with the old cookie sent again.
    let res = get_page(&app, &browser, "/login/mfa").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("has expired"));
    let old_token = SecretString::from(pending[PENDING_COOKIE.len() + 1..].to_owned());
    let outcome = identity::finish_pending_login(
        &app.state.dbs,
        &app.state.pii,
        &old_token,
        &code_now(&secret, &clock),
        clock.now(),
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert!(matches!(outcome, CodeOutcome::Expired), "{outcome:?}");
    assert!(!is_signed_in(&app, &browser).await);

    // Five wrong codes in a row also pause code checks for a minute, whatever the sign-in.
    let res = password_step(&app, &browser, &authorize_url(&app, &client_id).0).await;
    assert_eq!(location(&res), "/login/mfa");
    let res = code_step(&app, &browser, &code_now(&secret, &clock)).await;
    assert_eq!(res.status(), 429);
    assert!(!is_signed_in(&app, &browser).await);

    clock.advance(Duration::seconds(61));
    password_step(&app, &browser, &authorize_url(&app, &client_id).0).await;
    let res = code_step(&app, &browser, &code_now(&secret, &clock)).await;
    assert!(location(&res).starts_with("/authorize/resume"));
    assert!(is_signed_in(&app, &browser).await);
}

#[tokio::test]
async fn a_user_without_mfa_signs_in_with_the_password_only() {
    let (app, clock) = spawn().await;
    let user_id = app.create_user(EMAIL, PASSWORD).await;
    let (client_id, _) = app.web_app().await;

    // An enrolment never confirmed changes nothing.
    let browser = app.browser();
    dashboard_sign_in(&app, &browser).await;
    start_enrolment(&app, &browser).await;
    assert!(!identity::has_mfa(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap());

    let browser = app.browser();
    let next = sign_in_as(&app, &browser, &authorize_url(&app, &client_id).0, EMAIL).await;
    assert!(next.starts_with("/consent"), "{next}");
    let _ = clock;
}

#[tokio::test]
async fn the_dashboard_sign_in_asks_for_the_code_too() {
    let (app, clock) = spawn().await;
    let (_, secret) = user_with_mfa(&app, &clock).await;
    let browser = app.browser();
    let res = dashboard_sign_in(&app, &browser).await;
    assert_eq!(location(&res), "/login/mfa");
    assert!(!sets_cookie(&res, SESSION_COOKIE));
    assert!(!is_signed_in(&app, &browser).await);

    // Czech texts from Accept-Language.
    let html = browser
        .get(format!("{}/login/mfa", app.public_url))
        .header("accept-language", "cs")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Dvoufázové ověření"), "{html}");

    let res = code_step(&app, &browser, &code_now(&secret, &clock)).await;
    assert_eq!(location(&res), "/dashboard");
    assert!(is_signed_in(&app, &browser).await);
}

#[tokio::test]
async fn a_user_turns_it_off_with_a_current_code() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let browser = app.browser();
    dashboard_sign_in(&app, &browser).await;
    code_step(&app, &browser, &code_now(&secret, &clock)).await;
    clock.advance(Duration::seconds(30));

    let wrong = wrong_code(&secret, &clock);
    assert_eq!(
        account_post(&app, &browser, "remove", &wrong).await,
        "/account/mfa?error=code"
    );
    assert!(identity::has_mfa(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap());
    let code = code_now(&secret, &clock);
    assert_eq!(
        account_post(&app, &browser, "remove", &code).await,
        "/account/mfa?done=off"
    );
    assert!(totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn an_operator_reset_removes_the_factor_and_ends_the_sessions() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let (client_id, _) = app.web_app().await;
    let token = operator_token(&app, OperatorRole::User).await;
    let reset = |id: &str| {
        app.client
            .post(format!("{}/api/users/{id}/mfa/reset", app.admin_url))
            .bearer_auth(&token)
            .send()
    };

    let signed_in = app.browser();
    password_step(&app, &signed_in, &authorize_url(&app, &client_id).0).await;
    code_step(&app, &signed_in, &code_now(&secret, &clock)).await;
    assert!(is_signed_in(&app, &signed_in).await);
    clock.advance(Duration::seconds(30));
    let waiting = app.browser();
    password_step(&app, &waiting, &authorize_url(&app, &client_id).0).await;

    let has_mfa = || async {
        let res = app
            .client
            .get(format!("{}/api/users/{user_id}", app.admin_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["has_mfa"].as_bool().expect("has_mfa in a user's view")
    };
    assert!(has_mfa().await);

    let res = reset("no-such-user").await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(identity::has_mfa(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap());

    let res = reset(&user_id).await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.text().await.unwrap().is_empty());
    assert!(totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .is_none());
    assert!(!is_signed_in(&app, &signed_in).await, "sessions ended");
    assert!(!has_mfa().await);

    // A sign-in waiting for its code when the factor went is over.
    let res = get_page(&app, &waiting, "/login/mfa").await;
    assert_eq!(res.status(), 400);
    assert!(!is_signed_in(&app, &waiting).await);

    // The password alone signs in now.
    let browser = app.browser();
    let next = sign_in_as(&app, &browser, &authorize_url(&app, &client_id).0, EMAIL).await;
    assert!(next.starts_with("/consent"), "{next}");

    // Resetting a user without a factor is fine too.
    assert_eq!(reset(&user_id).await.unwrap().status(), 204);
}

#[tokio::test]
async fn the_console_shows_two_step_verification_and_turns_it_off() {
    let (app, clock) = spawn().await;
    let (user_id, _) = user_with_mfa(&app, &clock).await;
    let page = format!("/users/{user_id}");
    let action = format!("{page}/mfa/reset");
    let has_mfa = || identity::has_mfa(&app.state.dbs.accounts, &user_id);

    // A guest reads the state but gets no form, and a post is refused.
    let guest = Console::sign_in(&app, "guest@example.com", OperatorRole::Guest).await;
    let (status, html) = guest.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<dd id=\"user-mfa\">on</dd>"), "{html}");
    assert!(!html.contains(&action));
    let res = guest.post(&action, &[("csrf_token", "x")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(has_mfa().await.unwrap());

    // A user operator's form with a forged token changes nothing.
    let operator = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;
    let res = operator.post(&action, &[("csrf_token", "forged")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(has_mfa().await.unwrap());

    let res = operator.submit(&page, &action, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("{page}?done=mfa-reset"));
    assert!(!has_mfa().await.unwrap());
    let (_, html) = operator.get(&format!("{page}?done=mfa-reset")).await;
    assert!(html.contains("<dd id=\"user-mfa\">off</dd>"), "{html}");
    assert!(html.contains("Two-step verification is off"));
    assert!(!html.contains(&action), "no form without a factor");
}
