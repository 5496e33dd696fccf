//! Requests racing each other: wrong codes sent at once get no more checks than one at a time
//! (five before the account's pause, five per pending sign-in), and a set-up confirms only the
//! secret its first code was checked against.

use chrono::Duration;
use futures_util::future::join_all;
use secrecy::SecretString;
use tessera::clock::{Clock, FixedClock};
use tessera::identity::mfa::{self, CodeCheck};
use tessera::identity::{self, CodeOutcome};
use tessera::store::totp_factors;

use super::{
    authorize_url, code_now, password_step, set_cookies, spawn, user_with_mfa, wrong_code,
    PENDING_COOKIE,
};
use crate::common::TestApp;
use crate::flow::{EMAIL, PASSWORD};

const RACERS: usize = 20;

/// Checks `code` for the user's factor, as the sign-in and the account page do.
async fn verify(app: &TestApp, user_id: &str, code: &str, clock: &FixedClock) -> CodeCheck {
    mfa::verify_code(
        &app.state.dbs.accounts,
        &app.state.pii,
        user_id,
        code,
        clock.now(),
    )
    .await
    .unwrap()
}

/// Starts a hosted sign-in up to the code step; returns the pending sign-in's token.
async fn pending_sign_in(app: &TestApp) -> SecretString {
    let (client_id, _) = app.web_app().await;
    let res = password_step(app, &app.browser(), &authorize_url(app, &client_id).0).await;
    let cookie = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with(&format!("{PENDING_COOKIE}=")))
        .expect("a pending sign-in cookie");
    let value = cookie.split(';').next().unwrap()[PENDING_COOKIE.len() + 1..].to_owned();
    SecretString::from(value)
}

async fn finish(
    app: &TestApp,
    token: &SecretString,
    code: &str,
    clock: &FixedClock,
) -> CodeOutcome {
    identity::finish_pending_login(
        &app.state.dbs,
        &app.state.pii,
        token,
        code,
        clock.now(),
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn wrong_codes_at_once_get_five_checks_before_the_pause() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let wrong = wrong_code(&secret, &clock);

    let checks = join_all((0..RACERS).map(|_| verify(&app, &user_id, &wrong, &clock))).await;
    let refused = checks.iter().filter(|c| **c == CodeCheck::Refused).count();
    let locked = checks.iter().filter(|c| **c == CodeCheck::Locked).count();
    assert_eq!(
        (refused, locked),
        (5, RACERS - 5),
        "five codes checked, the rest paused: {checks:?}"
    );
    let factor = totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        factor.failed_attempts, 5,
        "the paused ones were not counted"
    );

    // Even the right code waits for the pause to end.
    let right = code_now(&secret, &clock);
    assert_eq!(
        verify(&app, &user_id, &right, &clock).await,
        CodeCheck::Locked
    );
    clock.advance(Duration::seconds(61));
    let right = code_now(&secret, &clock);
    assert_eq!(
        verify(&app, &user_id, &right, &clock).await,
        CodeCheck::Accepted
    );
}

#[tokio::test]
async fn the_right_code_after_four_wrong_ones_is_accepted_and_clears_the_count() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let wrong = wrong_code(&secret, &clock);
    for _ in 0..4 {
        assert_eq!(
            verify(&app, &user_id, &wrong, &clock).await,
            CodeCheck::Refused
        );
    }
    // Its own check completes the run of five, and the pause that starts is not held against it.
    let right = code_now(&secret, &clock);
    assert_eq!(
        verify(&app, &user_id, &right, &clock).await,
        CodeCheck::Accepted
    );
    let factor = totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(factor.failed_attempts, 0);
    assert_eq!(factor.locked_until, None);

    // The count starts again: four more wrong codes do not pause.
    clock.advance(Duration::seconds(30));
    let wrong = wrong_code(&secret, &clock);
    for _ in 0..4 {
        verify(&app, &user_id, &wrong, &clock).await;
    }
    let right = code_now(&secret, &clock);
    assert_eq!(
        verify(&app, &user_id, &right, &clock).await,
        CodeCheck::Accepted
    );
}

#[tokio::test]
async fn a_right_code_checked_before_a_pause_others_started_is_refused() {
    let (app, clock) = spawn().await;
    let (user_id, _) = user_with_mfa(&app, &clock).await;
    let (db, now) = (&app.state.dbs.accounts, clock.now());
    let pauses = [now + Duration::minutes(1)];
    let reserve = || totp_factors::reserve_attempt(db, &user_id, 5, &pauses, now);

    let mine = reserve().await.unwrap().expect("a check");
    assert_eq!(mine, 1);
    for n in 2..=5 {
        assert_eq!(reserve().await.unwrap(), Some(n), "others' wrong codes");
    }
    assert_eq!(reserve().await.unwrap(), None, "paused");
    let step = now.timestamp() / 30;
    assert!(
        !totp_factors::consume_step(db, &user_id, step, mine, now)
            .await
            .unwrap(),
        "the pause others started holds"
    );
    assert!(
        totp_factors::consume_step(db, &user_id, step, 5, now)
            .await
            .unwrap(),
        "the check that started the pause was within the allowance"
    );
}

#[tokio::test]
async fn wrong_codes_at_once_end_a_pending_sign_in_after_five_checks() {
    let (app, clock) = spawn().await;
    let (user_id, secret) = user_with_mfa(&app, &clock).await;
    let token = pending_sign_in(&app).await;
    let wrong = wrong_code(&secret, &clock);

    let outcomes = join_all((0..RACERS).map(|_| finish(&app, &token, &wrong, &clock))).await;
    let wrong_codes = outcomes
        .iter()
        .filter(|o| matches!(o, CodeOutcome::WrongCode))
        .count();
    assert_eq!(wrong_codes, 4, "{outcomes:?}");
    assert!(
        !outcomes.iter().any(|o| matches!(o, CodeOutcome::Locked)),
        "the sign-in's own limit stops the rest before the account's pause: {outcomes:?}"
    );
    let factor = totp_factors::find_factor(&app.state.dbs.accounts, &user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(factor.failed_attempts, 5, "five codes checked");

    // The sign-in is gone; the right code (after the account's pause) does not bring it back.
    assert!(
        identity::find_pending_login(&app.state.dbs.ops, &token, clock.now())
            .await
            .unwrap()
            .is_none()
    );
    clock.advance(Duration::seconds(61));
    let outcome = finish(&app, &token, &code_now(&secret, &clock), &clock).await;
    assert!(matches!(outcome, CodeOutcome::Expired), "{outcome:?}");
}

#[tokio::test]
async fn a_set_up_started_again_meanwhile_is_not_confirmed_by_the_old_code() {
    let (app, clock) = spawn().await;
    let user_id = app.create_user(EMAIL, PASSWORD).await;
    let (db, pii, issuer) = (
        &app.state.dbs.accounts,
        &app.state.pii,
        &app.state.settings.issuer,
    );
    mfa::enroll(db, pii, issuer, &user_id, clock.now())
        .await
        .unwrap();
    let first = totp_factors::find_factor(db, &user_id)
        .await
        .unwrap()
        .unwrap();

    // "Set up" again in another tab, between reading the first secret and confirming it.
    let second = mfa::enroll(db, pii, issuer, &user_id, clock.now())
        .await
        .unwrap();
    let step = clock.now().timestamp() / 30;
    assert!(
        !totp_factors::update_confirmed(db, &user_id, &first.secret_sealed, step, clock.now())
            .await
            .unwrap(),
        "the first secret is gone"
    );
    let factor = totp_factors::find_factor(db, &user_id)
        .await
        .unwrap()
        .unwrap();
    assert!(factor.confirmed_at.is_none(), "nothing confirmed");
    assert_ne!(factor.secret_sealed, first.secret_sealed);

    // The secret on the screen now is the one a code confirms.
    let secret = secrecy::ExposeSecret::expose_secret(&second.secret_base32).to_owned();
    let code = code_now(&secret, &clock);
    assert!(mfa::confirm(db, pii, &user_id, &code, clock.now())
        .await
        .unwrap());
}
