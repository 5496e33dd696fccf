//! The first-run promise: `tessera` with no arguments and no configuration starts on embedded
//! defaults, prints a one-time setup link while no operator exists, and a second start reuses
//! everything.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::{cli_with_env, kids, stderr};

struct Started {
    child: Child,
    public: String,
    admin: String,
    /// What it printed up to the admin address.
    banner: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

/// Starts `tessera` (no arguments) in `cwd` on free ports and waits for it to say where it listens.
fn start(cwd: &std::path::Path, extra_env: &[(&str, &str)]) -> Started {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_")) {
        cmd.env_remove(k);
    }
    let mut child = cmd
        .current_dir(cwd)
        .env("TESSERA_PUBLIC_ADDR", "127.0.0.1:0")
        .env("TESSERA_ADMIN_ADDR", "127.0.0.1:0")
        .env("TESSERA_WORKERS", "1")
        .envs(extra_env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let mut url_after = |label: &str| loop {
        let line = lines
            .next()
            .expect("tessera exited before listening")
            .unwrap();
        banner.push(line.clone());
        if line.contains(label) {
            return line.rsplit(' ').next().unwrap().to_owned();
        }
    };
    let public = url_after("public (issuer http://127.0.0.1:8080)");
    let admin = url_after("admin:");
    Started {
        child,
        public,
        admin,
        banner,
        stderr,
    }
}

fn stop(mut started: Started) -> String {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(started.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = started.child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
    started.stderr.join().unwrap()
}

#[tokio::test]
async fn no_arguments_means_serve_on_embedded_defaults_and_a_restart_reuses_everything() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), &[]);
    let jwks: serde_json::Value = reqwest::get(format!("{}/jwks", first.public))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ready = reqwest::get(format!("{}/health/ready", first.admin))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let logs = stop(first);
    assert!(logs.contains("DEVELOPMENT master key"), "{logs}");
    assert!(logs.contains("stopped"), "{logs}");

    let data = dir.path().join("data");
    for file in ["ops.db", "accounts.db", "master.key"] {
        assert!(data.join(file).exists(), "{file} missing");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(data.clone()), 0o700, "data dir");
        for file in ["master.key", "ops.db", "accounts.db"] {
            assert_eq!(mode(data.join(file)), 0o600, "{file}");
        }
    }
    let key_before = std::fs::read(data.join("master.key")).unwrap();

    let second = start(dir.path(), &[]);
    let again: serde_json::Value = reqwest::get(format!("{}/jwks", second.public))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stop(second);
    assert_eq!(
        kids(&again),
        kids(&jwks),
        "the second start reuses the keys"
    );
    assert_eq!(std::fs::read(data.join("master.key")).unwrap(), key_before);
}

#[tokio::test]
async fn every_request_is_logged_with_its_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let started = start(dir.path(), &[("TESSERA_LOG_FORMAT", "json")]);
    let res = reqwest::get(format!(
        "{}/jwks?login_hint=zq-hint-value%40example.com",
        started.public
    ))
    .await
    .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let logs = stop(started);
    let line = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["span"]["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no log line carries request id {id}:\n{logs}"));
    assert_eq!(line["span"]["http.route"], "/jwks");
    assert_eq!(line["span"]["http.status_code"], 200);
    assert!(
        !logs.contains("zq-hint-value"),
        "query strings stay out of the logs:\n{logs}"
    );
}

#[tokio::test]
async fn a_protection_refusal_is_logged_with_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut cli = Command::new(env!("CARGO_BIN_EXE_tessera"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_")) {
        cli.env_remove(k);
    }
    let out = cli
        .current_dir(dir.path())
        .args([
            "client",
            "create",
            "--name",
            "Billing",
            "--grant",
            "client_credentials",
            "--allowed-ip",
            "10.0.0.1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let started = start(dir.path(), &[("TESSERA_LOG_FORMAT", "json")]);
    let res = reqwest::Client::new()
        .post(format!("{}/token", started.public))
        .basic_auth(
            created["client_id"].as_str().unwrap(),
            created["client_secret"].as_str(),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let logs = stop(started);
    let line = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["fields"]["protection"] == "ip")
        .unwrap_or_else(|| panic!("no refusal line:\n{logs}"));
    assert_eq!(line["span"]["request_id"], id.as_str());
    assert_eq!(line["fields"]["client_id"], created["client_id"]);
    assert_eq!(line["fields"]["client_ip"], "127.0.0.1");
    assert!(
        !logs.contains(created["client_secret"].as_str().unwrap()),
        "the secret never reaches the logs"
    );
}

#[tokio::test]
async fn serve_prints_the_setup_link_until_an_operator_exists() {
    let dir = tempfile::tempdir().unwrap();
    let cheap = [("TESSERA_PASSWORD__SCRYPT_LOG_N", "10")];
    let first = start(dir.path(), &cheap);
    let link = first
        .banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("setup: "))
        .unwrap_or_else(|| panic!("no setup link in {:#?}", first.banner))
        .to_owned();
    let token = link
        .strip_prefix(&format!("{}/setup?token=", first.admin))
        .unwrap_or_else(|| panic!("{link} is not on the admin listener {}", first.admin))
        .to_owned();
    assert_eq!(token.len(), 43, "256 random bits, base64url: {token}");
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200, "the link opens the setup page");
    let made_up = reqwest::get(format!("{}/setup?token=made-up", first.admin))
        .await
        .unwrap();
    assert_ne!(made_up.status(), 200);
    let logs = stop(first);
    assert!(!logs.contains(&token), "the token stays out of the logs");

    let env: Vec<(String, String)> = cheap
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let out = cli_with_env(
        dir.path(),
        &env,
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--password-stdin",
        ],
        Some("correct horse battery"),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let second = start(dir.path(), &cheap);
    let banner = second.banner.join("\n");
    // Running (and so handling SIGTERM) before it is stopped.
    let ready = reqwest::get(format!("{}/health/ready", second.admin))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    stop(second);
    assert!(
        !banner.contains("setup"),
        "no link once an operator exists:\n{banner}"
    );
    assert!(!banner.contains("No operator"), "{banner}");
}
