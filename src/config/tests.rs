use std::path::Path;

use super::*;

#[allow(clippy::result_large_err)] // figment::Jail fixes the closure's error type
fn load_with(file: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let mut result = None;
    figment::Jail::expect_with(|jail| {
        jail.create_file("tessera.toml", file)?;
        for (k, v) in env {
            jail.set_env(k, v);
        }
        result = Some(Settings::load(None));
        Ok(())
    });
    result.unwrap()
}

#[test]
fn defaults_are_valid_and_match_the_design() {
    let s = load_with("", &[]).unwrap();
    assert_eq!(s.issuer, "http://127.0.0.1:8080");
    assert_eq!(s.public_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(s.admin_addr.to_string(), "127.0.0.1:8081");
    assert_eq!(s.password.scrypt_log_n, 17);
    assert_eq!(
        s.keys.algorithms,
        vec![SigningAlg::Es256, SigningAlg::Rs256]
    );
    assert!(s.ops_database_url().starts_with("sqlite://data/ops.db"));
}

#[test]
fn env_overrides_file_and_nests_with_double_underscore() {
    let s = load_with(
        "issuer = \"https://file.example\"\n[keys]\nrsa_bits = 3072\n",
        &[
            ("TESSERA_ISSUER", "https://id.example.com"),
            ("TESSERA_KEYS__ROTATION_INTERVAL", "7d"),
            ("TESSERA_TEST_DATABASE_URL", "postgres://ignored"),
        ],
    )
    .unwrap();
    assert_eq!(s.issuer, "https://id.example.com");
    assert_eq!(s.keys.rsa_bits, 3072);
    assert_eq!(s.keys.rotation_interval.as_secs(), 7 * 86_400);
}

fn invalid_key(result: Result<Settings, ConfigError>) -> (String, String, String) {
    match result {
        Err(ConfigError::Invalid { key, env, message }) => (key, env, message),
        other => panic!("expected an invalid-setting error, got {other:?}"),
    }
}

#[test]
fn a_bad_enum_value_names_the_key_and_the_allowed_values() {
    let (key, env, message) = invalid_key(load_with("", &[("TESSERA_LOG_FORMAT", "xml")]));
    assert_eq!(key, "log_format");
    assert_eq!(env, "TESSERA_LOG_FORMAT");
    assert!(
        message.contains("pretty") && message.contains("json"),
        "{message}"
    );
}

#[test]
fn a_bad_duration_names_the_nested_key() {
    let (key, env, _) = invalid_key(load_with("", &[("TESSERA_KEYS__PREPUBLISH", "soon")]));
    assert_eq!(key, "keys.prepublish");
    assert_eq!(env, "TESSERA_KEYS__PREPUBLISH");
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    let (key, _, message) = invalid_key(load_with("[keys]\nrotation = \"1d\"\n", &[]));
    assert_eq!(key, "keys.rotation");
    assert!(message.contains("rotation_interval"), "{message}");
}

#[test]
fn semantic_rules_name_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("TESSERA_ISSUER", "http://id.example.com", "issuer"),
        ("TESSERA_ISSUER", "https://id.example.com/", "issuer"),
        ("TESSERA_ISSUER", "https://id.example.com?x=1", "issuer"),
        ("TESSERA_ISSUER", "https://id.example.com/tenant", "issuer"),
        ("TESSERA_REDIS_URL", "rediss://cache:6380", "redis_url"),
        ("TESSERA_MASTER_KEY", "c2hvcnQ=", "master_key"),
        ("TESSERA_DATABASE_URL", "mysql://x", "database_url"),
        ("TESSERA_REDIS_URL", "http://x", "redis_url"),
        ("TESSERA_KEYS__RSA_BITS", "1024", "keys.rsa_bits"),
        ("TESSERA_KEYS__ALGORITHMS", "[\"ES256\"]", "keys.algorithms"),
        (
            "TESSERA_KEYS__ALGORITHMS",
            "[\"ES256\",\"RS256\",\"HS256\"]",
            "keys.algorithms",
        ),
        ("TESSERA_KEYS__PREPUBLISH", "1s", "keys.prepublish"),
        ("TESSERA_KEYS__PREPUBLISH", "5m", "keys.prepublish"),
        ("TESSERA_KEYS__RETENTION", "300000y", "keys.retention"),
        (
            "TESSERA_KEYS__ROTATION_INTERVAL",
            "300000y",
            "keys.rotation_interval",
        ),
        ("TESSERA_SHUTDOWN_TIMEOUT", "2h", "shutdown_timeout"),
        (
            "TESSERA_PASSWORD__SCRYPT_LOG_N",
            "40",
            "password.scrypt_log_n",
        ),
        ("TESSERA_PASSWORD__MIN_LENGTH", "4", "password.min_length"),
        (
            "TESSERA_PASSWORD__SCRYPT_LOG_N",
            "22",
            "password.scrypt_log_n",
        ),
        ("TESSERA_LOG_LEVEL", "info,[", "log_level"),
        (
            "TESSERA_TOKENS__ACCESS_TOKEN_TTL",
            "2d",
            "tokens.access_token_ttl",
        ),
        (
            "TESSERA_TOKENS__AUTHORIZATION_CODE_TTL",
            "1h",
            "tokens.authorization_code_ttl",
        ),
        (
            "TESSERA_TOKENS__REFRESH_TOKEN_MAX_TTL",
            "1d",
            "tokens.refresh_token_max_ttl",
        ),
        ("TESSERA_KEYS__RETENTION", "6m", "keys.retention"),
        (
            "TESSERA_TRUSTED_PROXIES",
            "[\"::1\", \"0.0.0.0/0\"]",
            "trusted_proxies",
        ),
        ("TESSERA_TRUSTED_PROXIES", "::/0", "trusted_proxies"),
    ];
    for (var, value, expected) in cases {
        let (key, _, _) = invalid_key(load_with("", &[(var, value)]));
        assert_eq!(&key, expected, "{var}={value}");
    }
}

#[test]
fn trusted_proxies_take_ranges_and_bare_addresses_from_a_list_or_a_string() {
    let expected: Vec<ipnet::IpNet> = ["10.0.0.0/8", "::1/128", "192.0.2.7/32", "10.1.0.0/16"]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    let s = load_with(
        "",
        &[(
            "TESSERA_TRUSTED_PROXIES",
            "[\"10.0.0.0/8\", \"::1\", \"192.0.2.7\", \"::ffff:10.1.0.0/112\"]",
        )],
    )
    .unwrap();
    assert_eq!(s.trusted_proxies, expected);
    let s = load_with(
        "",
        &[(
            "TESSERA_TRUSTED_PROXIES",
            "10.0.0.0/8, ::1,192.0.2.7,::ffff:10.1.0.0/112",
        )],
    )
    .unwrap();
    assert_eq!(s.trusted_proxies, expected);
    let s = load_with("trusted_proxies = [\"10.0.0.0/8\"]\n", &[]).unwrap();
    assert_eq!(s.trusted_proxies, expected[..1]);
    assert!(load_with("", &[]).unwrap().trusted_proxies.is_empty());
}

#[test]
fn a_bad_trusted_proxy_names_the_key_and_the_entry() {
    for (value, expected) in [
        ("[\"10.0.0.0/8\", \"proxy.internal\"]", "`proxy.internal`"),
        ("[\"10.0.0.5/24\"]", "`10.0.0.0/24`"),
        ("[\"10.0.0.1/33\"]", "`10.0.0.1/33`"),
        ("[\"\"]", "``"),
    ] {
        let (key, env, message) = invalid_key(load_with("", &[("TESSERA_TRUSTED_PROXIES", value)]));
        assert_eq!(key, "trusted_proxies", "{value}");
        assert_eq!(env, "TESSERA_TRUSTED_PROXIES");
        assert!(message.contains(expected), "{value}: {message}");
    }
    let (key, _, _) = invalid_key(load_with("trusted_proxies = [\"nope\"]\n", &[]));
    assert_eq!(key, "trusted_proxies");
}

#[test]
fn a_missing_explicit_config_file_is_an_error() {
    let err = Settings::load(Some(Path::new("/nonexistent/tessera.toml"))).unwrap_err();
    assert!(matches!(err, ConfigError::File(_)));
}

#[test]
fn the_example_file_lists_valid_keys_with_their_defaults() {
    let example = include_str!("../../tessera.example.toml");
    // Every documented key parses, and the documented defaults are the real ones.
    let s = load_with(example, &[]).unwrap();
    let d = Settings::default();
    assert_eq!(redacted_toml(&s), redacted_toml(&d));
    for key in TOP_LEVEL_KEYS {
        assert!(
            example.contains(&format!("{key} =")) || example.contains(&format!("[{key}]")),
            "{key} undocumented"
        );
    }
}

#[test]
fn config_check_output_redacts_secrets() {
    let s = load_with(
        "",
        &[
            (
                "TESSERA_MASTER_KEY",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ),
            (
                "TESSERA_DATABASE_URL",
                "postgres://tessera:hunter2@db/tessera",
            ),
            ("TESSERA_REDIS_URL", "redis://:sesame@cache:6379"),
            ("TESSERA_TRUSTED_PROXIES", "10.0.0.0/8,::1"),
        ],
    )
    .unwrap();
    let out = redacted_toml(&s);
    assert!(
        out.contains("trusted_proxies = [\"10.0.0.0/8\", \"::1/128\"]"),
        "{out}"
    );
    assert!(
        !out.contains("hunter2")
            && !out.contains("sesame")
            && !out.contains("swordfish")
            && !out.contains("AAAAAAAA"),
        "{out}"
    );
    assert!(out.contains("master_key = \"<redacted>\""), "{out}");
    assert!(
        out.contains("postgres://tessera:%3Credacted%3E@db/tessera")
            || out.contains("<redacted>@db"),
        "{out}"
    );
}
