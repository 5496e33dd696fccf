//! The master key: a wrong or malformed key changes nothing.

use std::sync::Arc;

use secrecy::SecretString;
use tessera::bootstrap::StartError;
use tessera::clock::SystemClock;
use tessera::crypto::MasterKey;
use tessera::identity::{create_user, NewUser};
use tessera::store::{migrate, users};

use crate::common::{stderr, TestEnv};

#[tokio::test]
async fn a_wrong_master_key_refuses_to_start_and_changes_nothing() {
    let env = TestEnv::new().await;
    let state = env
        .open(env.settings(), Arc::new(SystemClock))
        .await
        .unwrap();
    create_user(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        &state.clock,
        NewUser {
            email: "alice@example.com".parse().unwrap(),
            name: Some("Alice".into()),
            password: SecretString::from("correct horse battery".to_owned()),
        },
    )
    .await
    .unwrap();
    let keys_before = state.keys.list().await.unwrap();
    let users_before = users::find_all(&state.dbs.accounts).await.unwrap();
    let migrations_before = migrate::status(&state.dbs).await.unwrap();

    let mut wrong = env.settings();
    wrong.master_key = Some(SecretString::from(MasterKey::generate().to_base64()));
    let err = env.open(wrong, Arc::new(SystemClock)).await.unwrap_err();
    assert!(matches!(err, StartError::WrongMasterKey), "{err:?}");
    assert!(err.to_string().contains("master key does not match"));

    assert_eq!(state.keys.list().await.unwrap(), keys_before);
    assert_eq!(
        users::find_all(&state.dbs.accounts).await.unwrap(),
        users_before
    );
    assert_eq!(
        migrate::status(&state.dbs).await.unwrap(),
        migrations_before
    );
    // The right key still opens everything.
    env.open(env.settings(), Arc::new(SystemClock))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_cli_refuses_a_wrong_master_key_too() {
    let env = TestEnv::new().await;
    assert!(env.cli(&["keys", "list"], None).status.success());
    let mut cli_env = env.cli_env();
    for (k, v) in cli_env.iter_mut() {
        if k == "TESSERA_MASTER_KEY" {
            *v = MasterKey::generate().to_base64();
        }
    }
    let before = env.cli(&["keys", "list"], None);
    let out = crate::common::cli_with_env(
        env.dir.path(),
        &cli_env,
        &[
            "user",
            "create",
            "--email",
            "bob@example.com",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("master key does not match"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.cli(&["user", "list"], None).stdout, b"[]\n");
    assert_eq!(env.cli(&["keys", "list"], None).stdout, before.stdout);
}

#[tokio::test]
async fn a_malformed_master_key_is_a_config_error() {
    let env = TestEnv::new().await;
    let mut cli_env = env.cli_env();
    cli_env.retain(|(k, _)| k != "TESSERA_MASTER_KEY");
    cli_env.push(("TESSERA_MASTER_KEY".into(), "too-short".into()));
    let out = crate::common::cli_with_env(env.dir.path(), &cli_env, &["keys", "list"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`master_key`"), "{}", stderr(&out));
    assert!(
        !env.data_dir().join("ops.db").exists(),
        "nothing was created"
    );
}

#[tokio::test]
async fn a_lost_development_key_is_not_replaced_over_existing_data() {
    let env = TestEnv::new().await;
    let mut settings = env.settings();
    settings.master_key = None;
    env.open(settings.clone(), Arc::new(SystemClock))
        .await
        .unwrap();
    let key_file = env.data_dir().join("master.key");
    assert!(key_file.exists());
    std::fs::remove_file(&key_file).unwrap();

    let err = env.open(settings, Arc::new(SystemClock)).await.unwrap_err();
    assert!(matches!(err, StartError::WrongMasterKey), "{err:?}");
    assert!(
        !key_file.exists(),
        "no new key was written over data sealed with the old one"
    );
}
