//! The CLI: app and user creation, bad input refused with exit 2 and nothing written.

use sea_orm::ConnectionTrait;
use tessera::crypto::sha256_hex;
use tessera::store::{apps, users};

use crate::common::{stderr, stdout, TestEnv};

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        stderr(out)
    );
    serde_json::from_str(&stdout(out)).unwrap()
}

#[tokio::test]
async fn client_create_prints_the_secret_once_and_stores_only_its_hash() {
    let env = TestEnv::new().await;
    let created = json(&env.cli(
        &[
            "client",
            "create",
            "--name",
            "Reports",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--redirect-uri",
            "http://127.0.0.1:9000/cb",
            "--grant",
            "authorization_code,refresh_token",
            "--grant",
            "client_credentials",
            "--post-logout-redirect-uri",
            "https://app.example.com/bye",
            "--scope",
            "openid email",
        ],
        None,
    ));
    let client_id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert_eq!(
        created["grant_types"],
        serde_json::json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(created["scopes"], serde_json::json!(["email", "openid"]));

    let listed = json(&env.cli(&["client", "list"], None));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["client_id"], client_id);
    assert!(!stdout(&env.cli(&["client", "list"], None)).contains(secret));

    let state = env
        .open(
            env.settings(),
            std::sync::Arc::new(tessera::clock::SystemClock),
        )
        .await
        .unwrap();
    assert_eq!(apps::count_secrets(&state.dbs.ops).await.unwrap(), 1);
    let hash = sha256_hex(secret.as_bytes());
    let stored = state
        .dbs
        .ops
        .query_one(sea_orm::Statement::from_string(
            state.dbs.ops.get_database_backend(),
            "SELECT secret_hash FROM app_secrets",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.try_get::<String>("", "secret_hash").unwrap(), hash);
}

#[tokio::test]
async fn a_public_client_gets_no_secret() {
    let env = TestEnv::new().await;
    let created = json(&env.cli(
        &[
            "client",
            "create",
            "--name",
            "SPA",
            "--public",
            "--redirect-uri",
            "com.example.app:/oauth",
        ],
        None,
    ));
    assert!(created["client_secret"].is_null());
    assert_eq!(created["is_public"], true);
}

#[tokio::test]
async fn bad_client_input_exits_2_and_writes_nothing() {
    let env = TestEnv::new().await;
    let cases: &[(&[&str], &str)] = &[
        (&["--redirect-uri", "not a uri"], "not an absolute URI"),
        (&["--redirect-uri", "http://app.example.com/cb"], "https"),
        (
            &["--redirect-uri", "https://app.example.com/cb#x"],
            "fragment",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--grant",
                "password",
            ],
            "unknown grant type `password`",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--grant",
                "implicit",
            ],
            "unknown grant type `implicit`",
        ),
        (
            &["--grant", "authorization_code"],
            "needs at least one redirect URI or redirect URI prefix",
        ),
        (
            &["--redirect-uri-prefix", "https://app.example.com/cb"],
            "prefix",
        ),
        (
            &["--redirect-uri-prefix", "https://app.example.com/cb/../x/"],
            "prefix",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--allowed-origin",
                "https://app.example.com/path",
            ],
            "allowed origin",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--allowed-ip",
                "10.0.0.5/24",
            ],
            "10.0.0.0/24",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--allowed-ip",
                "not-an-ip",
            ],
            "allowed IP",
        ),
        (
            &[
                "--public",
                "--redirect-uri",
                "https://app.example.com/cb",
                "--server-only",
            ],
            "cannot be server-only",
        ),
        (
            &[
                "--public",
                "--redirect-uri",
                "https://app.example.com/cb",
                "--require-pkce=false",
            ],
            "must use PKCE",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--access-token-ttl",
                "5s",
            ],
            "access_token_ttl must be between 1 minute and 1 day",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--logo-uri",
                "http://cdn.example.com/logo.png",
            ],
            "logo",
        ),
        (
            &["--public", "--grant", "client_credentials"],
            "cannot use client_credentials",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--scope",
                "openid admin",
            ],
            "unknown scope `admin`",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example.com/cb",
                "--post-logout-redirect-uri",
                "ftp://x/y",
            ],
            "post-logout",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["client", "create", "--name", "Bad"];
        args.extend_from_slice(extra);
        let out = env.cli(&args, None);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "{extra:?}: {}",
            stderr(&out)
        );
    }
    let out = env.cli(
        &[
            "client",
            "create",
            "--name",
            "  ",
            "--redirect-uri",
            "https://a.example.com/cb",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let out = env.cli(
        &["user", "create", "--email", "nope", "--password-stdin"],
        Some("correct horse battery"),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = env.cli(
        &[
            "user",
            "create",
            "--email",
            "a@example.com",
            "--password-stdin",
        ],
        Some("short"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !env.data_dir().exists(),
        "bad input must not even create the data dir"
    );
    assert_eq!(
        json(&env.cli(&["client", "list"], None)),
        serde_json::json!([])
    );
}

#[tokio::test]
async fn user_create_hashes_with_scrypt_and_seals_personal_data() {
    let env = TestEnv::new().await;
    let out = env.cli(
        &[
            "user",
            "create",
            "--email",
            "Alice@Example.com",
            "--name",
            "Alice Doe",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let listed = json(&env.cli(&["user", "list"], None));
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["email"], "alice@example.com");
    assert_eq!(listed[0]["name"], "Alice Doe");

    let state = env
        .open(
            env.settings(),
            std::sync::Arc::new(tessera::clock::SystemClock),
        )
        .await
        .unwrap();
    let row = &users::find_all(&state.dbs.accounts).await.unwrap()[0];
    assert!(row
        .password_hash
        .as_deref()
        .unwrap()
        .starts_with("$scrypt$ln=10,r=8,p=1$"));
    let needle = b"alice@example.com";
    assert!(
        !row.email_sealed.windows(needle.len()).any(|w| w == needle),
        "email stored in clear"
    );
    assert!(!row.email_index.contains("alice"));
    let ok = state
        .passwords
        .verify(
            secrecy::SecretString::from("correct horse battery".to_owned()),
            row.password_hash.clone().unwrap(),
        )
        .await
        .unwrap();
    assert!(ok.is_valid, "the final newline is not part of the password");
}

#[tokio::test]
async fn bad_user_input_exits_2_and_writes_nothing() {
    let env = TestEnv::new().await;
    let first = env.cli(
        &[
            "user",
            "create",
            "--email",
            "alice@example.com",
            "--password-stdin",
        ],
        Some("correct horse battery"),
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let before = stdout(&env.cli(&["user", "list"], None));
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["--email", "not-an-email", "--password-stdin"],
            Some("correct horse battery"),
            "not a valid email",
        ),
        (
            &["--email", "ALICE@example.com", "--password-stdin"],
            Some("correct horse battery"),
            "already exists",
        ),
        (
            &["--email", "bob@example.com", "--password-stdin"],
            Some("short"),
            "at least 8",
        ),
        (&["--email", "bob@example.com"], None, "--password-stdin"),
        (
            &[
                "--email",
                "bob@example.com",
                "--name",
                "",
                "--password-stdin",
            ],
            Some("correct horse battery"),
            "name",
        ),
    ];
    for (extra, stdin, message) in cases {
        let mut args = vec!["user", "create"];
        args.extend_from_slice(extra);
        let out = env.cli(&args, *stdin);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "{extra:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(stdout(&env.cli(&["user", "list"], None)), before);
}

#[tokio::test]
async fn keys_list_shows_one_active_key_per_algorithm() {
    let env = TestEnv::new().await;
    let keys = json(&env.cli(&["keys", "list"], None));
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k["state"] == "active"));
    assert!(!keys.iter().any(|k| k.get("private_key").is_some()));
}

#[tokio::test]
async fn client_update_changes_protections_and_settings_and_refuses_bad_input() {
    let env = TestEnv::new().await;
    let created = json(&env.cli(
        &[
            "client",
            "create",
            "--name",
            "Reports",
            "--redirect-uri",
            "https://reports.example.com/cb",
            "--allowed-origin",
            "https://reports.example.com",
            "--allowed-ip",
            "10.0.0.0/8",
            "--server-only",
            "--redirect-uri-prefix",
            "https://reports.example.com/cb/",
        ],
        None,
    ));
    let id = created["client_id"].as_str().unwrap();
    let listed = json(&env.cli(&["client", "list"], None));
    let app = &listed[0];
    assert_eq!(
        app["allowed_origins"],
        serde_json::json!(["https://reports.example.com"])
    );
    assert_eq!(app["allowed_ips"], serde_json::json!(["10.0.0.0/8"]));
    assert_eq!(app["is_server_only"], true);
    assert_eq!(
        app["redirect_uri_prefixes"],
        serde_json::json!(["https://reports.example.com/cb/"])
    );

    let saved = json(&env.cli(
        &[
            "client",
            "update",
            "--client-id",
            id,
            "--allowed-ip",
            "192.0.2.7",
            "--allowed-ip",
            "2001:db8::/32",
            "--server-only=false",
            "--access-token-ttl",
            "5m",
            "--clear",
            "allowed-origins",
        ],
        None,
    ));
    assert_eq!(
        saved["allowed_ips"],
        serde_json::json!(["192.0.2.7", "2001:db8::/32"])
    );
    assert_eq!(saved["allowed_origins"], serde_json::json!([]));
    assert_eq!(saved["is_server_only"], false);
    assert_eq!(saved["access_token_ttl"], "5m");
    // Untouched settings stay.
    assert_eq!(
        saved["redirect_uris"],
        serde_json::json!(["https://reports.example.com/cb"])
    );

    // Bad input: exit 2 with the reason, and nothing changed.
    for (args, message) in [
        (&["--allowed-ip", "10.0.0.1/33"][..], "allowed IP"),
        (
            &["--redirect-uri-prefix", "https://reports.example.com/cb"][..],
            "prefix",
        ),
        (&["--allowed-origin", "*"][..], "allowed origin"),
        (&["--id-token-ttl", "2d"][..], "id_token_ttl"),
    ] {
        let mut all = vec!["client", "update", "--client-id", id];
        all.extend_from_slice(args);
        let out = env.cli(&all, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let out = env.cli(
        &["client", "update", "--client-id", "nope", "--name", "X"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no app `nope`"));
    let after = json(&env.cli(&["client", "list"], None));
    assert_eq!(after[0]["allowed_ips"], saved["allowed_ips"]);
    assert_eq!(after[0]["access_token_ttl"], "5m");
    assert_eq!(after[0]["name"], "Reports");
}
