//! An app's secret keys: several valid at once, rotation with a grace period, revocation,
//! expiry; and the `tessera client key` commands.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use secrecy::ExposeSecret;
use tessera::clock::FixedClock;

use crate::common::{spawn_app, spawn_app_in, stderr, stdout, TestApp, TestEnv};

async fn status_with(app: &TestApp, id: &str, secret: &str) -> u16 {
    app.post_token(&[("grant_type", "client_credentials")], Some((id, secret)))
        .await
        .status()
        .as_u16()
}

async fn registered(app: &TestApp, id: &str) -> Arc<tessera::apps::RegisteredApp> {
    app.state.apps.find(id).await.unwrap().unwrap()
}

#[tokio::test]
async fn keys_can_be_added_rotated_and_revoked() {
    let app = spawn_app().await;
    let (id, first) = app.machine_app().await;
    let second = tessera::apps::create_key(
        &app.state.dbs.ops,
        &app.state.clock,
        &*registered(&app, &id).await,
        "ci",
        None,
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    let second_secret = second.client_secret.expose_secret().to_owned();
    assert_eq!(
        status_with(&app, &id, &first).await,
        200,
        "the first key still works"
    );
    assert_eq!(status_with(&app, &id, &second_secret).await, 200);

    tessera::apps::revoke_key(
        &app.state.dbs.ops,
        &app.state.clock,
        &*registered(&app, &id).await,
        &second.key_id,
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    assert_eq!(status_with(&app, &id, &second_secret).await, 401, "revoked");
    assert_eq!(status_with(&app, &id, &first).await, 200);
    let again = tessera::apps::revoke_key(
        &app.state.dbs.ops,
        &app.state.clock,
        &*registered(&app, &id).await,
        &second.key_id,
    )
    .await;
    assert!(again.is_err(), "a revoked key cannot be revoked again");

    let rotated = tessera::apps::rotate_keys(
        &app.state.dbs.ops,
        &app.state.clock,
        &*registered(&app, &id).await,
        Duration::ZERO,
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    assert_eq!(
        status_with(&app, &id, &first).await,
        401,
        "rotated with no grace: the old key is over"
    );
    assert_eq!(
        status_with(&app, &id, rotated.client_secret.expose_secret()).await,
        200
    );
}

#[tokio::test]
async fn an_old_key_works_until_the_rotation_grace_ends_and_expiring_keys_expire() {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = spawn_app_in(TestEnv::new().await, clock.clone(), |_| {}).await;
    let (id, old) = app.machine_app().await;
    let short = tessera::apps::create_key(
        &app.state.dbs.ops,
        &app.state.clock,
        &*registered(&app, &id).await,
        "short",
        Some(Duration::from_secs(600)),
    )
    .await
    .unwrap();
    let new = tessera::apps::rotate_keys(
        &app.state.dbs.ops,
        &app.state.clock,
        &*registered(&app, &id).await,
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    assert_eq!(
        status_with(&app, &id, &old).await,
        200,
        "within the grace period"
    );
    clock.advance(chrono::Duration::minutes(11));
    assert_eq!(
        status_with(&app, &id, short.client_secret.expose_secret()).await,
        401,
        "expired after 10 minutes"
    );
    assert_eq!(status_with(&app, &id, &old).await, 200);
    clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        status_with(&app, &id, &old).await,
        401,
        "the grace period is over"
    );
    assert_eq!(
        status_with(&app, &id, new.client_secret.expose_secret()).await,
        200
    );
}

#[tokio::test]
async fn the_client_key_commands_manage_keys() {
    let app = spawn_app().await;
    let (id, _) = app.machine_app().await;
    let out = app.env.cli(
        &[
            "client",
            "key",
            "create",
            "--client-id",
            &id,
            "--label",
            "deploy",
            "--expires-in",
            "90d",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let created: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let key_id = created["key_id"].as_str().unwrap().to_owned();
    assert_eq!(created["client_secret"].as_str().unwrap().len(), 43);

    let listed: serde_json::Value = serde_json::from_str(&stdout(
        &app.env
            .cli(&["client", "key", "list", "--client-id", &id], None),
    ))
    .unwrap();
    let keys = listed.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(!stdout(
        &app.env
            .cli(&["client", "key", "list", "--client-id", &id], None)
    )
    .contains(created["client_secret"].as_str().unwrap()));

    assert!(app
        .env
        .cli(
            &[
                "client",
                "key",
                "revoke",
                "--client-id",
                &id,
                "--key-id",
                &key_id
            ],
            None
        )
        .status
        .success());
    for bad in [
        vec![
            "client",
            "key",
            "revoke",
            "--client-id",
            &id,
            "--key-id",
            "no-such-key",
        ],
        vec!["client", "key", "create", "--client-id", "no-such-app"],
        vec![
            "client",
            "key",
            "create",
            "--client-id",
            &id,
            "--label",
            " ",
        ],
    ] {
        let out = app.env.cli(&bad, None);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
    }
    let listed: serde_json::Value = serde_json::from_str(&stdout(
        &app.env
            .cli(&["client", "key", "list", "--client-id", &id], None),
    ))
    .unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "bad input added nothing"
    );
}

#[tokio::test]
async fn a_keys_last_use_is_recorded_off_the_hot_path() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let registered = registered(&app, &id).await;
    let spare = tessera::apps::create_key(
        &app.state.dbs.ops,
        &app.state.clock,
        &registered,
        "spare",
        None,
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    let last_used = |label: &'static str| {
        let db = app.state.dbs.ops.clone();
        let registered = registered.clone();
        async move {
            tessera::apps::list_keys(&db, &registered)
                .await
                .unwrap()
                .into_iter()
                .find(|k| k.label == label)
                .unwrap()
                .last_used_at
        }
    };
    assert_eq!(last_used("initial").await, None);
    assert_eq!(status_with(&app, &id, &secret).await, 200);
    // A refused secret is not a use of any key.
    assert_eq!(status_with(&app, &id, "wrong").await, 401);
    // Noted in memory on the request; written in a batch by the background task (every poll
    // interval, which may already have run: flushing again here writes whatever is left).
    app.state.key_usage.flush(&app.state.dbs.ops).await.unwrap();
    let used = last_used("initial").await.expect("recorded");
    assert!((Utc::now() - used).num_seconds().abs() < 60);
    assert_eq!(last_used("spare").await, None, "{}", spare.key_id);
    // Recording the use is not a settings change: the registry does not reload for it.
    assert!(!app.state.apps.refresh_if_changed().await.unwrap());
}
