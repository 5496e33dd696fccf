//! The first operator: `tessera admin create` (bad input exits 2 and writes nothing), the
//! one-time setup link, and the console session on the admin listener.

use std::sync::Arc;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend};
use secrecy::ExposeSecret;
use serde_json::Value;
use tessera::access::Subject;
use tessera::clock::SystemClock;
use tessera::operators::{self, OperatorRole};
use tessera::store::operators::{self as operator_rows, OperatorRow};
use tessera::store::{setup_tokens, users, Db, StoreError};

use crate::common::{hidden, spawn_app, stderr, stdout, TestApp, TestEnv};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn admin_create_makes_an_operator_and_refuses_bad_input_writing_nothing() {
    let env = TestEnv::new().await;
    for (args, stdin) in [
        (
            vec!["admin", "create", "--email", "a@example.com"],
            Some(PASSWORD),
        ),
        (
            vec![
                "admin",
                "create",
                "--email",
                "not-an-email",
                "--password-stdin",
            ],
            Some(PASSWORD),
        ),
        (
            vec![
                "admin",
                "create",
                "--email",
                "a@example.com",
                "--role",
                "root",
                "--password-stdin",
            ],
            Some(PASSWORD),
        ),
        (
            vec![
                "admin",
                "create",
                "--email",
                "a@example.com",
                "--password-stdin",
            ],
            Some("short"),
        ),
    ] {
        let out = env.cli(&args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let state = env
        .open(env.settings(), Arc::new(SystemClock))
        .await
        .unwrap();
    assert!(users::find_all(&state.dbs.accounts)
        .await
        .unwrap()
        .is_empty());
    assert!(!operators::has_operators(&state.dbs.ops).await.unwrap());

    let out = env.cli(
        &[
            "admin",
            "create",
            "--email",
            "a@example.com",
            "--name",
            "Ann",
            "--password-stdin",
        ],
        Some(PASSWORD),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let created: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(created["role"], "admin");
    assert_eq!(created["created_user"], true);
    let user_id = created["user_id"].as_str().unwrap().to_owned();
    let found = operators::find_operator(&state.dbs.ops, &Subject::User(user_id.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.role, OperatorRole::Admin);

    // An existing user: the password must match; then the role changes.
    let out = env.cli(
        &[
            "admin",
            "create",
            "--email",
            "a@example.com",
            "--role",
            "guest",
            "--password-stdin",
        ],
        Some("wrong password here"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = env.cli(
        &[
            "admin",
            "create",
            "--email",
            "a@example.com",
            "--role",
            "guest",
            "--password-stdin",
        ],
        Some(PASSWORD),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&env.cli(&["admin", "list"], None))).unwrap();
    assert_eq!(listed[0]["id"], user_id.as_str());
    assert_eq!(listed[0]["role"], "guest");
}

async fn setup_form(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/setup?token={token}", app.admin_url))
        .send()
        .await
        .unwrap()
}

/// The setup form's CSRF cookie and token, from the page.
async fn open_setup(app: &TestApp, token: &str) -> (String, String) {
    let page = setup_form(app, token).await;
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    (cookie, hidden(&html, "csrf_token"))
}

/// Posts a setup form opened with [`open_setup`].
async fn submit_setup(
    app: &TestApp,
    (cookie, csrf): &(String, String),
    token: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{}/setup", app.admin_url))
        .header("cookie", cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token),
            ("email", email),
            ("name", "First Admin"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Posts the setup form with the CSRF cookie the page set.
async fn post_setup(app: &TestApp, token: &str, email: &str, password: &str) -> reqwest::Response {
    let form = open_setup(app, token).await;
    submit_setup(app, &form, token, email, password).await
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    assert_eq!(
        setup_form(&app, "made-up").await.status(),
        StatusCode::NOT_FOUND
    );
    let token = operators::issue_setup_token(ops, &app.state.clock)
        .await
        .unwrap()
        .unwrap();
    let token = token.expose_secret().to_owned();

    // A bad password shows the form again and does not use the link up.
    let res = post_setup(&app, &token, "root@example.com", "short").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!operators::has_operators(ops).await.unwrap());

    let res = post_setup(&app, &token, "root@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");
    assert!(operators::has_operators(ops).await.unwrap());

    // Single use, and no new link once an operator exists.
    assert_eq!(
        setup_form(&app, &token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(operators::issue_setup_token(ops, &app.state.clock)
        .await
        .unwrap()
        .is_none());
    let res = app
        .client
        .post(format!("{}/setup", app.admin_url))
        .form(&[
            ("csrf_token", "x"),
            ("token", token.as_str()),
            ("email", "b@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The new admin signs in on the console and uses the API with the session.
    let browser = app.browser();
    let page = browser
        .get(format!("{}/login", app.admin_url))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let res = browser
        .post(format!("{}/login", app.admin_url))
        .form(&[
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
            ("email", "root@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/");
    let set = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        set.iter().any(|c| c.starts_with("tessera_admin_session=")),
        "{set:?}"
    );
    let res = browser
        .get(format!("{}/api/users", app.admin_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["users"][0]["email"], "root@example.com");
    // A session's changes need the CSRF header.
    let res = browser
        .post(format!("{}/api/organizations", app.admin_url))
        .json(&serde_json::json!({ "name": "Acme" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = browser
        .post(format!("{}/api/organizations", app.admin_url))
        .header("X-Requested-With", "console")
        .json(&serde_json::json!({ "name": "Acme" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn only_operators_get_a_console_session() {
    let app = spawn_app().await;
    app.create_user("plain@example.com", PASSWORD).await;
    let browser = app.browser();
    let html = browser
        .get(format!("{}/login", app.admin_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(format!("{}/login", app.admin_url))
        .form(&[
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
            ("email", "plain@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?error=1");
    let res = browser
        .get(format!("{}/api/users", app.admin_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn of_two_instances_setup_links_only_the_first_used_makes_an_admin() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    // Two instances started on the empty database: each printed a link.
    let mut links = Vec::new();
    for _ in 0..2 {
        let token = operators::issue_setup_token(ops, &app.state.clock)
            .await
            .unwrap()
            .unwrap();
        links.push(token.expose_secret().to_owned());
    }
    let forms = [
        open_setup(&app, &links[0]).await,
        open_setup(&app, &links[1]).await,
    ];
    let (first, second) = tokio::join!(
        submit_setup(&app, &forms[0], &links[0], "one@example.com", PASSWORD),
        submit_setup(&app, &forms[1], &links[1], "two@example.com", PASSWORD),
    );
    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::SEE_OTHER, "one link made an admin");
    assert_ne!(statuses[1], StatusCode::SEE_OTHER, "the other did not");
    let operators = operators::list_operators(ops).await.unwrap();
    assert_eq!(operators.len(), 1, "{operators:?}");
    for link in &links {
        assert_eq!(setup_form(&app, link).await.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn once_a_setup_link_is_used_no_other_link_is_usable() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    let now = app.state.clock.now();
    let later = now + chrono::Duration::hours(1);
    setup_tokens::insert_setup_token(ops, "first", now, later)
        .await
        .unwrap();
    setup_tokens::insert_setup_token(ops, "second", now, later)
        .await
        .unwrap();
    assert!(setup_tokens::is_usable(ops, "second", now).await.unwrap());
    assert!(setup_tokens::consume_setup_token(ops, "first", now)
        .await
        .unwrap());
    // The operator is not stored yet (the user is being created): the second link still fails.
    assert!(!setup_tokens::is_usable(ops, "second", now).await.unwrap());
    assert!(!setup_tokens::consume_setup_token(ops, "second", now)
        .await
        .unwrap());
    assert!(!setup_tokens::consume_setup_token(ops, "first", now)
        .await
        .unwrap());
}

#[tokio::test]
async fn a_setup_link_stays_usable_when_its_operator_cannot_be_stored() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    let now = app.state.clock.now();
    let later = now + chrono::Duration::hours(1);
    setup_tokens::insert_setup_token(ops, "link", now, later)
        .await
        .unwrap();
    let row = |id: &str| OperatorRow {
        subject_kind: "user".into(),
        subject_id: id.into(),
        role: "admin".into(),
        created_at: now,
    };
    operator_rows::insert_operator(ops, &row("taken"))
        .await
        .unwrap();

    // The insert fails after the token was marked used: both are rolled back.
    let err = setup_tokens::consume_setup_token_for_operator(ops, "link", now, &row("taken"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert!(setup_tokens::is_usable(ops, "link", now).await.unwrap());

    assert!(
        setup_tokens::consume_setup_token_for_operator(ops, "link", now, &row("first"))
            .await
            .unwrap()
    );
    assert!(!setup_tokens::is_usable(ops, "link", now).await.unwrap());
    // Used up: a second consumption writes no operator.
    assert!(
        !setup_tokens::consume_setup_token_for_operator(ops, "link", now, &row("second"))
            .await
            .unwrap()
    );
    let stored = operator_rows::find_operators(ops).await.unwrap();
    let ids = stored
        .iter()
        .map(|o| o.subject_id.as_str())
        .collect::<Vec<_>>();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"taken") && ids.contains(&"first"), "{ids:?}");
}

/// Makes every insert into `table` fail, as a concurrent request or a database fault would,
/// until [`allow_inserts`].
async fn refuse_inserts(db: &Db, table: &str) {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        ),
        _ => format!(
            "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$; \
             CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
             FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
        ),
    };
    db.execute_unprepared(&sql).await.unwrap();
}

async fn allow_inserts(db: &Db, table: &str) {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!("DROP TRIGGER refuse_{table}"),
        _ => format!("DROP TRIGGER refuse_{table} ON {table}"),
    };
    db.execute_unprepared(&sql).await.unwrap();
}

#[tokio::test]
async fn a_setup_that_fails_leaves_its_link_usable() {
    let app = spawn_app().await;
    let dbs = &app.state.dbs;
    let token = operators::issue_setup_token(&dbs.ops, &app.state.clock)
        .await
        .unwrap()
        .unwrap();
    let token = token.expose_secret().to_owned();

    // The user cannot be created, then the operator cannot be stored.
    for (db, table) in [(&dbs.accounts, "users"), (&dbs.ops, "operators")] {
        refuse_inserts(db, table).await;
        let res = post_setup(&app, &token, "root@example.com", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{table}");
        assert!(!operators::has_operators(&dbs.ops).await.unwrap());
        assert_eq!(
            setup_form(&app, &token).await.status(),
            StatusCode::OK,
            "the link still works after {table} refused the insert"
        );
        allow_inserts(db, table).await;
    }

    // The user was created before the operator failed: the retry accepts them by password.
    assert_eq!(users::find_all(&dbs.accounts).await.unwrap().len(), 1);
    let res = post_setup(&app, &token, "root@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(operators::list_operators(&dbs.ops).await.unwrap().len(), 1);
    assert_eq!(
        setup_form(&app, &token).await.status(),
        StatusCode::NOT_FOUND
    );
}
