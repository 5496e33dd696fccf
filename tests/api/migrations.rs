//! Migrations up, down and up again; concurrent starts; disabled migrations.

use std::sync::Arc;

use tessera::bootstrap::StartError;
use tessera::clock::SystemClock;
use tessera::store::migrate::{self, Target};
use tessera::store::{apps, pending_logins, totp_factors, users, Databases};

use crate::common::{stdout, TestEnv};

async fn connect(env: &TestEnv) -> Databases {
    let s = env.settings();
    Databases::connect(&s.ops_database_url(), &s.accounts_database_url())
        .await
        .unwrap()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let env = TestEnv::new().await;
    let dbs = connect(&env).await;
    let status = migrate::status(&dbs).await.unwrap();
    assert!(!status.is_empty() && status.iter().all(|m| !m.is_applied));

    migrate::up(&dbs).await.unwrap();
    assert!(migrate::status(&dbs)
        .await
        .unwrap()
        .iter()
        .all(|m| m.is_applied));
    assert!(apps::find_all(&dbs.ops).await.unwrap().is_empty());
    assert!(users::find_all(&dbs.accounts).await.unwrap().is_empty());
    assert!(totp_factors::find_factor(&dbs.accounts, "u1")
        .await
        .unwrap()
        .is_none());
    let now = chrono::Utc::now();
    assert!(pending_logins::find_pending_login(&dbs.ops, "h1", now)
        .await
        .unwrap()
        .is_none());

    let count = |t: Target| status.iter().filter(|m| m.target == t).count() as u32;
    migrate::down(&dbs, Target::Ops, count(Target::Ops))
        .await
        .unwrap();
    migrate::down(&dbs, Target::Accounts, count(Target::Accounts))
        .await
        .unwrap();
    assert!(migrate::status(&dbs)
        .await
        .unwrap()
        .iter()
        .all(|m| !m.is_applied));
    assert!(
        apps::find_all(&dbs.ops).await.is_err(),
        "tables are gone after down"
    );
    assert!(users::find_all(&dbs.accounts).await.is_err());
    assert!(totp_factors::find_factor(&dbs.accounts, "u1")
        .await
        .is_err());
    assert!(pending_logins::find_pending_login(&dbs.ops, "h1", now)
        .await
        .is_err());

    migrate::up(&dbs).await.unwrap();
    assert!(migrate::status(&dbs)
        .await
        .unwrap()
        .iter()
        .all(|m| m.is_applied));
    assert!(apps::find_all(&dbs.ops).await.unwrap().is_empty());
    assert!(totp_factors::find_factor(&dbs.accounts, "u1")
        .await
        .unwrap()
        .is_none());
    assert!(pending_logins::find_pending_login(&dbs.ops, "h1", now)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn the_migrate_commands_report_what_they_did() {
    let env = TestEnv::new().await;
    let status = stdout(&env.cli(&["migrate", "status"], None));
    assert!(status.lines().all(|l| l.contains("pending")), "{status}");
    let up = env.cli(&["migrate", "up"], None);
    assert!(up.status.success());
    assert!(
        stdout(&up).lines().all(|l| l.contains("applied")),
        "{}",
        stdout(&up)
    );
    let down = env.cli(&["migrate", "down", "1", "--database", "ops"], None);
    assert!(down.status.success());
    let lines: Vec<String> = stdout(&down).lines().map(str::to_owned).collect();
    let ops: Vec<&String> = lines.iter().filter(|l| l.starts_with("ops")).collect();
    assert!(ops.last().unwrap().contains("pending"));
    assert!(ops[..ops.len() - 1].iter().all(|l| l.contains("applied")));
    assert!(lines
        .iter()
        .filter(|l| l.starts_with("accounts"))
        .all(|l| l.contains("applied")));
}

#[tokio::test]
async fn instances_starting_together_on_a_fresh_database_all_start() {
    let env = TestEnv::new().await;
    let starts = (0..3).map(|_| env.open(env.settings(), Arc::new(SystemClock)));
    let states: Vec<_> = futures_util::future::join_all(starts).await;
    for state in &states {
        assert!(state.is_ok(), "{:?}", state.as_ref().err());
    }
    let state = states.into_iter().next().unwrap().unwrap();
    assert!(migrate::status(&state.dbs)
        .await
        .unwrap()
        .iter()
        .all(|m| m.is_applied));
    let keys = state.keys.list().await.unwrap();
    for alg in ["ES256", "RS256"] {
        let active = keys
            .iter()
            .filter(|k| k.alg == alg && k.state == "active")
            .count();
        assert_eq!(active, 1, "{alg}: {keys:?}");
    }
}

#[tokio::test]
async fn with_migrations_disabled_pending_ones_stop_the_start() {
    let env = TestEnv::new().await;
    let mut settings = env.settings();
    settings.run_migrations = false;
    let err = env.open(settings, Arc::new(SystemClock)).await.unwrap_err();
    assert!(
        matches!(err, StartError::MigrationsPending(n) if n > 0),
        "{err:?}"
    );
}
