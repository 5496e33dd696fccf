//! Configuration through the CLI: `config check`, errors naming the key, the config file.

use crate::common::{cli_with_env, stderr, stdout, TestEnv};

#[tokio::test]
async fn config_check_prints_the_effective_settings_with_secrets_redacted() {
    let env = TestEnv::new().await;
    let mut vars = env.cli_env();
    vars.push((
        "TESSERA_REDIS_URL".into(),
        "redis://:sesame@127.0.0.1:6379".into(),
    ));
    vars.push(("TESSERA_ISSUER".into(), "https://id.example.com".into()));
    let out = cli_with_env(env.dir.path(), &vars, &["config", "check"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("issuer = \"https://id.example.com\""),
        "{text}"
    );
    assert!(text.contains("master_key = \"<redacted>\""), "{text}");
    assert!(!text.contains(&env.master_key), "master key printed");
    assert!(!text.contains("sesame"), "redis password printed");
    assert!(
        text.contains("[keys]") && text.contains("rotation_interval"),
        "{text}"
    );
}

#[tokio::test]
async fn a_bad_value_exits_2_naming_the_key_and_what_is_allowed() {
    let env = TestEnv::new().await;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "TESSERA_KEYS__RSA_BITS",
            "1000",
            &[
                "keys.rsa_bits",
                "TESSERA_KEYS__RSA_BITS",
                "2048, 3072 or 4096",
            ],
        ),
        (
            "TESSERA_LOG_FORMAT",
            "xml",
            &["log_format", "pretty", "json"],
        ),
        (
            "TESSERA_PUBLIC_ADDR",
            "localhost",
            &["public_addr", "TESSERA_PUBLIC_ADDR"],
        ),
        (
            "TESSERA_ISSUER",
            "http://id.example.com",
            &["issuer", "https"],
        ),
        (
            "TESSERA_PASSWORD__SCRYPT_LOG_N",
            "30",
            &["password.scrypt_log_n", "10 to 22"],
        ),
    ];
    for (var, value, expected) in cases {
        for command in [&["config", "check"][..], &[][..]] {
            let mut vars = env.cli_env();
            vars.push(((*var).into(), (*value).into()));
            let out = cli_with_env(env.dir.path(), &vars, command, None);
            assert_eq!(out.status.code(), Some(2), "{var}={value} {command:?}");
            for needle in *expected {
                assert!(
                    stderr(&out).contains(needle),
                    "{var}={value}: {}",
                    stderr(&out)
                );
            }
        }
    }
    assert!(
        !env.data_dir().exists(),
        "a refused configuration creates nothing"
    );
}

#[tokio::test]
async fn the_config_file_is_read_and_checked() {
    let env = TestEnv::new().await;
    let file = env.dir.path().join("custom.toml");
    std::fs::write(&file, "[keys]\njwks_max_age = \"2m\"\n").unwrap();
    let path = file.display().to_string();
    let out = env.cli(&["--config", &path, "config", "check"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("jwks_max_age = \"2m\""));

    std::fs::write(&file, "[keys]\nrotation = \"1d\"\n").unwrap();
    let out = env.cli(&["--config", &path, "config", "check"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("keys.rotation") && stderr(&out).contains("rotation_interval"),
        "{}",
        stderr(&out)
    );

    std::fs::write(&file, "issuer = ").unwrap();
    assert_eq!(
        env.cli(&["--config", &path, "config", "check"], None)
            .status
            .code(),
        Some(2)
    );
    let missing = env.cli(&["--config", "/nonexistent.toml", "config", "check"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("does not exist"));
}
