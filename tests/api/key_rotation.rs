//! The key ring: CLI rotation reaching running servers, the schedule, instances sharing a database.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tessera::clock::{Clock, FixedClock};
use tessera::crypto::keyring::SigningAlg;

use crate::common::{kids, spawn_app, spawn_app_with, stdout, TestEnv};

/// Polls `check` until it holds or `limit` passes (a bound, not a timing assertion).
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_rotation_from_the_cli_reaches_the_running_servers_jwks() {
    let app = spawn_app().await;
    let before = kids(&app.jwks().await);
    let etag_before = app.state.keys.jwks().etag.clone();

    let out = app.env.cli(&["keys", "rotate"], None);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let new_kids: Vec<String> = lines
        .iter()
        .map(|l| l["kid"].as_str().unwrap().to_owned())
        .collect();
    assert!(lines.iter().all(|l| l["state"] == "next"));

    let published = eventually(Duration::from_secs(10), || async {
        let now = kids(&app.jwks().await);
        new_kids.iter().all(|k| now.contains(k))
    })
    .await;
    assert!(
        published,
        "the new keys did not reach the running server's JWKS"
    );
    let after = kids(&app.jwks().await);
    assert!(
        before.iter().all(|k| after.contains(k)),
        "previous kids must stay published"
    );
    assert_ne!(app.state.keys.jwks().etag, etag_before);
    // Pre-published keys do not sign yet.
    let active = app.state.keys.active(SigningAlg::Es256).unwrap();
    assert!(before.contains(&active.kid));
}

#[tokio::test]
async fn an_immediate_rotation_switches_the_signer_and_keeps_the_old_key_published() {
    let app = spawn_app().await;
    let old = app
        .state
        .keys
        .active(SigningAlg::Es256)
        .unwrap()
        .kid
        .clone();
    let out = app
        .env
        .cli(&["keys", "rotate", "--alg", "ES256", "--now"], None);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["state"], "active");
    assert_eq!(line["retired"], old.as_str());
    let new = line["kid"].as_str().unwrap().to_owned();

    let switched = eventually(Duration::from_secs(10), || async {
        app.state
            .keys
            .active(SigningAlg::Es256)
            .is_some_and(|k| k.kid == new)
    })
    .await;
    assert!(switched, "the server did not switch to the new key");
    let published = kids(&app.jwks().await);
    assert!(published.contains(&old) && published.contains(&new));

    let listed: serde_json::Value =
        serde_json::from_str(&stdout(&app.env.cli(&["keys", "list"], None))).unwrap();
    let state_of = |kid: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of(&old), "retired");
    assert_eq!(state_of(&new), "active");
}

#[tokio::test]
async fn a_compromised_key_can_be_replaced_and_removed_at_once() {
    let app = spawn_app().await;
    let old = app
        .state
        .keys
        .active(SigningAlg::Es256)
        .unwrap()
        .kid
        .clone();
    let out = app.env.cli(
        &[
            "keys",
            "rotate",
            "--alg",
            "ES256",
            "--now",
            "--remove-previous",
        ],
        None,
    );
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let gone = eventually(Duration::from_secs(10), || async {
        !kids(&app.jwks().await).contains(&old)
    })
    .await;
    assert!(gone, "the compromised key must leave the JWKS");
    let listed = stdout(&app.env.cli(&["keys", "list"], None));
    assert!(!listed.contains(&old));
}

#[tokio::test]
async fn an_algorithm_is_retired_only_explicitly() {
    let app = spawn_app_with(|s| s.keys.algorithms.push(SigningAlg::Ps256)).await;
    let ps = app
        .state
        .keys
        .active(SigningAlg::Ps256)
        .unwrap()
        .kid
        .clone();
    let state_of = |listed: &str| -> String {
        let keys: serde_json::Value = serde_json::from_str(listed).unwrap();
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == ps.as_str())
            .unwrap()["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // A command run with the default algorithms (no PS256) leaves the PS256 key alone.
    assert_eq!(
        state_of(&stdout(&app.env.cli(&["keys", "list"], None))),
        "active"
    );

    let out = app.env.cli(&["keys", "retire", "--alg", "ES256"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a configured algorithm cannot be retired"
    );
    let out = app.env.cli(&["keys", "retire", "--alg", "PS256"], None);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert_eq!(
        state_of(&stdout(&app.env.cli(&["keys", "list"], None))),
        "retired"
    );
    assert!(
        kids(&app.jwks().await).contains(&ps),
        "a retired key stays published"
    );
}

#[tokio::test]
async fn bad_rotate_arguments_change_nothing() {
    let app = spawn_app().await;
    let before = app.state.keys.list().await.unwrap();
    for args in [
        &["keys", "rotate", "--alg", "HS256"][..],
        &["keys", "rotate", "--alg", "PS256"][..],
        &["keys", "rotate", "--remove-previous"][..],
    ] {
        let out = app.env.cli(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(app.state.keys.list().await.unwrap(), before);
}

#[tokio::test]
async fn the_schedule_prepublishes_promotes_and_removes_keys() {
    let env = TestEnv::new().await;
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let mut settings = env.settings();
    settings.keys.rotation_interval = Duration::from_secs(30 * 86_400);
    settings.keys.prepublish = Duration::from_secs(86_400);
    settings.keys.retention = Duration::from_secs(2 * 86_400);
    let state = env
        .open(settings, clock.clone() as Arc<dyn Clock>)
        .await
        .unwrap();
    let ring = &state.keys;
    let first = ring.active(SigningAlg::Es256).unwrap().kid.clone();
    let initial = kids(&serde_json::from_slice(&ring.jwks().body).unwrap());
    assert_eq!(initial.len(), 2);

    clock.advance(chrono::Duration::days(28));
    assert!(
        !ring.sync().await.unwrap(),
        "nothing is due before the pre-publication window"
    );

    clock.advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    assert!(ring.sync().await.unwrap());
    let published = kids(&serde_json::from_slice(&ring.jwks().body).unwrap());
    assert_eq!(published.len(), 4, "a successor per algorithm is published");
    assert_eq!(
        ring.active(SigningAlg::Es256).unwrap().kid,
        first,
        "but does not sign yet"
    );

    clock.advance(chrono::Duration::days(1));
    assert!(ring.sync().await.unwrap());
    let second = ring.active(SigningAlg::Es256).unwrap().kid.clone();
    assert_ne!(second, first);
    let published = kids(&serde_json::from_slice(&ring.jwks().body).unwrap());
    assert!(
        published.contains(&first),
        "the retired key stays published"
    );

    clock.advance(chrono::Duration::days(2));
    ring.sync().await.unwrap();
    let published = kids(&serde_json::from_slice(&ring.jwks().body).unwrap());
    assert!(!published.contains(&first), "removed after retention");
    assert!(published.contains(&second));
    assert_eq!(published.len(), 2);
}

#[tokio::test]
async fn two_instances_racing_on_one_database_create_one_successor_each() {
    let env = TestEnv::new().await;
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let settings = env.settings();
    let a = env
        .open(settings.clone(), clock.clone() as Arc<dyn Clock>)
        .await
        .unwrap();
    let b = env
        .open(settings.clone(), clock.clone() as Arc<dyn Clock>)
        .await
        .unwrap();
    assert_eq!(
        a.keys.jwks(),
        b.keys.jwks(),
        "both instances serve the same ring"
    );

    clock.advance(chrono::Duration::from_std(settings.keys.rotation_interval).unwrap());
    let (ra, rb) = tokio::join!(a.keys.sync(), b.keys.sync());
    ra.unwrap();
    rb.unwrap();
    a.keys.sync().await.unwrap();
    b.keys.sync().await.unwrap();
    let keys = a.keys.list().await.unwrap();
    for alg in ["ES256", "RS256"] {
        let next = keys
            .iter()
            .filter(|k| k.alg == alg && k.state == "next")
            .count();
        let active = keys
            .iter()
            .filter(|k| k.alg == alg && k.state == "active")
            .count();
        assert_eq!((active, next), (1, 1), "{alg}: {keys:?}");
    }
    assert_eq!(a.keys.jwks(), b.keys.jwks());
}
