//! An operator with two-step verification gives the code before the console opens; a pending
//! sign-in of the hosted pages never opens the console, nor the console's the hosted pages.

use std::sync::Arc;

use chrono::Utc;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use tessera::access::Subject;
use tessera::clock::{Clock, FixedClock};
use tessera::identity::{self, mfa, NewUser};
use tessera::operators::{self, OperatorRole};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::common::console::{form_token, OPERATOR_PASSWORD};
use crate::common::{hidden, location, spawn_app_in, TestApp, TestEnv};

const EMAIL: &str = "root@example.com";

fn code(secret: &str, clock: &FixedClock, offset_steps: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new());
    totp.generate((clock.now().timestamp() + offset_steps * 30) as u64)
}

/// An admin operator with a confirmed factor; returns their id and secret.
async fn operator_with_mfa(app: &TestApp, clock: &FixedClock) -> (String, String) {
    let state = &app.state;
    let user_id = identity::create_user(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        &state.clock,
        NewUser {
            email: EMAIL.parse().unwrap(),
            name: None,
            password: SecretString::from(OPERATOR_PASSWORD.to_owned()),
        },
    )
    .await
    .unwrap();
    let subject = Subject::User(user_id.clone());
    operators::add_operator(&state.dbs.ops, &state.clock, &subject, OperatorRole::Admin)
        .await
        .unwrap();
    let enrollment = mfa::enroll(
        &state.dbs.accounts,
        &state.pii,
        &app.public_url,
        &user_id,
        clock.now(),
    )
    .await
    .unwrap();
    let secret = enrollment.secret_base32.expose_secret().to_owned();
    let confirmed = mfa::confirm(
        &state.dbs.accounts,
        &state.pii,
        &user_id,
        &code(&secret, clock, 0),
        clock.now(),
    )
    .await
    .unwrap();
    assert!(confirmed);
    clock.advance(chrono::Duration::seconds(30));
    (user_id, secret)
}

async fn get(app: &TestApp, browser: &reqwest::Client, path: &str) -> reqwest::Response {
    browser
        .get(format!("{}{path}", app.admin_url))
        .send()
        .await
        .unwrap()
}

async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(format!("{}{path}", app.admin_url))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The password step of the console sign-in.
async fn password_step(app: &TestApp, browser: &reqwest::Client) -> reqwest::Response {
    let html = get(app, browser, "/login").await.text().await.unwrap();
    let token = form_token(&html, "/login");
    post(
        app,
        browser,
        "/login",
        &[
            ("csrf_token", token.as_str()),
            ("email", EMAIL),
            ("password", OPERATOR_PASSWORD),
        ],
    )
    .await
}

async fn code_step(app: &TestApp, browser: &reqwest::Client, code: &str) -> reqwest::Response {
    let page = get(app, browser, "/login/code").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let token = hidden(&html, "csrf_token");
    post(
        app,
        browser,
        "/login/code",
        &[("csrf_token", token.as_str()), ("code", code)],
    )
    .await
}

/// Whether the browser has a console session: the home page answers instead of the sign-in.
async fn is_signed_in(app: &TestApp, browser: &reqwest::Client) -> bool {
    get(app, browser, "/").await.status() == StatusCode::OK
}

fn sets_session(res: &reqwest::Response) -> bool {
    res.headers().get_all("set-cookie").iter().any(|c| {
        c.to_str().unwrap().starts_with("tessera_admin_session=")
            && !c.to_str().unwrap().starts_with("tessera_admin_session=;")
    })
}

#[tokio::test]
async fn an_operator_with_two_step_verification_gives_the_code_before_the_console_opens() {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    let (_, secret) = operator_with_mfa(&app, &clock).await;
    let browser = app.browser();

    // The right password leads to the code page, with no session.
    let res = password_step(&app, &browser).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login/code");
    assert!(!sets_session(&res));
    assert!(!is_signed_in(&app, &browser).await);

    // A forged form and a wrong code do not sign in.
    let res = post(
        &app,
        &browser,
        "/login/code",
        &[
            ("csrf_token", "forged"),
            ("code", &code(&secret, &clock, 0)),
        ],
    )
    .await;
    assert!(!sets_session(&res));
    let res = code_step(&app, &browser, &code(&secret, &clock, 5)).await;
    assert_eq!(location(&res), "/login/code?error=1");
    assert!(!sets_session(&res));
    assert!(!is_signed_in(&app, &browser).await);

    // The right code opens the console.
    let res = code_step(&app, &browser, &code(&secret, &clock, 0)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    assert!(sets_session(&res));
    assert!(is_signed_in(&app, &browser).await);

    // Without a pending sign-in the code page sends back to the password.
    let other = app.browser();
    assert_eq!(location(&get(&app, &other, "/login/code").await), "/login");
}

#[tokio::test]
async fn pending_sign_ins_stay_on_their_listener() {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    let (user_id, _) = operator_with_mfa(&app, &clock).await;
    let ops = &app.state.dbs.ops;

    // A pending sign-in of the hosted pages, its token put in the console's cookie.
    let public = identity::start_pending_login(ops, &user_id, "/dashboard", None, clock.now())
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser
        .get(format!("{}/login/code", app.admin_url))
        .header(
            "cookie",
            format!("tessera_admin_pending={}", public.expose_secret()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login", "not the console's");

    // The console's pending sign-in, its token given to the hosted code page.
    let console = identity::start_pending_login(ops, &user_id, "admin:/", None, clock.now())
        .await
        .unwrap();
    let res = browser
        .get(format!("{}/login/mfa", app.public_url))
        .header(
            "cookie",
            format!("tessera_pending_login={}", console.expose_secret()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "not the hosted pages'"
    );
    // Both are still there for their own page: nothing was used up.
    for token in [&public, &console] {
        assert!(identity::find_pending_login(ops, token, clock.now())
            .await
            .unwrap()
            .is_some());
    }
}
