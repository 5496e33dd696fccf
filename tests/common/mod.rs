//! `spawn_app()` and helpers: every test gets its own ports, data dir, database (a fresh SQLite
//! file, or a fresh PostgreSQL database when `TESSERA_TEST_DATABASE_URL` is set) and Redis key
//! prefix (when `TESSERA_TEST_REDIS_URL` is set). Logs only with `TEST_LOG=1`.

#![allow(dead_code)]

pub mod console;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, Database};
use secrecy::SecretString;
use tempfile::TempDir;
use tessera::bootstrap::{self, Mode, StartError};
use tessera::clock::{Clock, SystemClock};
use tessera::config::Settings;
use tessera::crypto::MasterKey;
use tessera::state::AppState;

/// The web app's registered redirect URIs (nothing listens there; tests read the Location).
pub const WEB_REDIRECT: &str = "https://reports.example.com/callback";
pub const WEB_LOGGED_OUT: &str = "https://reports.example.com/bye";

/// The value of a hidden form field in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page:\n{html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// The query parameters of a URL.
pub fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A response's Location header.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on a {} response", res.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// A running Tessera for one test.
pub struct TestApp {
    pub public_url: String,
    pub admin_url: String,
    pub issuer: String,
    pub state: AppState,
    /// Does not follow redirects; keeps cookies.
    pub client: reqwest::Client,
    pub env: TestEnv,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A test's storage: data dir, database(s), master key, Redis prefix. Usable without a server.
pub struct TestEnv {
    pub dir: TempDir,
    pub master_key: String,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    pg: Option<PgDatabase>,
}

impl TestEnv {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pg = match std::env::var("TESSERA_TEST_DATABASE_URL") {
            Ok(url) => Some(PgDatabase::create(&url).await),
            Err(_) => None,
        };
        let redis_url = std::env::var("TESSERA_TEST_REDIS_URL").ok();
        Self {
            dir,
            master_key: MasterKey::generate().to_base64(),
            database_url: pg.as_ref().map(|p| p.url.clone()),
            redis_url,
            redis_prefix: format!("tessera-test-{}:", uuid::Uuid::new_v4().simple()),
            pg,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Settings for this environment: cheap scrypt, fast key-ring polling, one worker.
    pub fn settings(&self) -> Settings {
        let mut s = Settings {
            data_dir: self.data_dir(),
            master_key: Some(SecretString::from(self.master_key.clone())),
            database_url: self.database_url.clone().map(SecretString::from),
            accounts_database_url: self.database_url.clone().map(SecretString::from),
            redis_url: self.redis_url.clone().map(SecretString::from),
            redis_key_prefix: self.redis_prefix.clone(),
            workers: 1,
            ..Settings::default()
        };
        s.password.scrypt_log_n = 10;
        s.password.max_concurrent_hashes = 2;
        s.keys.poll_interval = std::time::Duration::from_millis(100);
        s
    }

    /// The same settings as environment variables, for running the `tessera` binary.
    pub fn cli_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "TESSERA_DATA_DIR".to_owned(),
                self.data_dir().display().to_string(),
            ),
            ("TESSERA_MASTER_KEY".to_owned(), self.master_key.clone()),
            ("TESSERA_PASSWORD__SCRYPT_LOG_N".to_owned(), "10".to_owned()),
            (
                "TESSERA_REDIS_KEY_PREFIX".to_owned(),
                self.redis_prefix.clone(),
            ),
        ];
        if let Some(url) = &self.database_url {
            env.push(("TESSERA_DATABASE_URL".to_owned(), url.clone()));
            env.push(("TESSERA_ACCOUNTS_DATABASE_URL".to_owned(), url.clone()));
        }
        if let Some(url) = &self.redis_url {
            env.push(("TESSERA_REDIS_URL".to_owned(), url.clone()));
        }
        env
    }

    /// Runs `tessera ARGS` against this environment (working directory: the temp dir).
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        cli_with_env(self.dir.path(), &self.cli_env(), args, stdin)
    }

    /// Opens the storage as the server would.
    pub async fn open(
        &self,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<AppState, StartError> {
        bootstrap::open(settings, clock, Mode::Server).await
    }
}

/// Runs the `tessera` binary with exactly these `TESSERA_*` variables.
pub fn cli_with_env(
    cwd: &std::path::Path,
    env: &[(String, String)],
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args).current_dir(cwd);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        tessera::telemetry::init(tessera::config::LogFormat::Pretty, "debug");
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns Tessera with adjusted settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let env = TestEnv::new().await;
    spawn_app_in(env, Arc::new(SystemClock), adjust).await
}

/// Spawns Tessera in a given environment with a given clock.
pub async fn spawn_app_in(
    env: TestEnv,
    clock: Arc<dyn Clock>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let public = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let admin = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let public_url = format!("http://{}", public.local_addr().unwrap());
    let admin_url = format!("http://{}", admin.local_addr().unwrap());
    let mut settings = env.settings();
    settings.issuer = public_url.clone();
    adjust(&mut settings);
    let state = env.open(settings, clock).await.unwrap();
    let running = tessera::http::server::start_on(state.clone(), public, admin).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(running.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        issuer: public_url.clone(),
        public_url,
        admin_url,
        state,
        client,
        env,
        stop: Some(stop),
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.public_url))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_admin(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.admin_url))
            .send()
            .await
            .unwrap()
    }

    /// Registers an app directly (as `tessera client create` does).
    pub async fn create_app(&self, new: tessera::apps::NewApp) -> tessera::apps::CreatedApp {
        tessera::apps::create_app(
            &self.state.dbs.ops,
            &self.state.clock,
            new.validate().unwrap(),
            None,
        )
        .await
        .unwrap()
    }

    /// A confidential app allowed to use client_credentials; returns (client_id, secret).
    pub async fn machine_app(&self) -> (String, String) {
        let created = self
            .create_app(tessera::apps::NewApp {
                name: "Machine".into(),
                grant_types: vec!["client_credentials".into()],
                ..Default::default()
            })
            .await;
        use secrecy::ExposeSecret;
        let secret = created
            .client_secret
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned();
        (created.client_id, secret)
    }

    /// `POST /token` with a form and optional Basic credentials.
    pub async fn post_token(
        &self,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{}/token", self.public_url))
            .form(form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        req.send().await.unwrap()
    }

    /// Creates a user with a password; returns the user id.
    pub async fn create_user(&self, email: &str, password: &str) -> String {
        tessera::identity::create_user(
            &self.state.dbs.accounts,
            &self.state.pii,
            &self.state.passwords,
            &self.state.clock,
            tessera::identity::NewUser {
                email: email.parse().unwrap(),
                name: Some("Alice Doe".into()),
                password: SecretString::from(password.to_owned()),
            },
        )
        .await
        .unwrap()
    }

    /// A confidential web app with the code flow, refresh tokens and a post-logout URI.
    pub async fn web_app(&self) -> (String, String) {
        let created = self
            .create_app(tessera::apps::NewApp {
                name: "Reports".into(),
                redirect_uris: vec![WEB_REDIRECT.into()],
                post_logout_redirect_uris: vec![WEB_LOGGED_OUT.into()],
                ..Default::default()
            })
            .await;
        use secrecy::ExposeSecret;
        let secret = created
            .client_secret
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned();
        (created.client_id, secret)
    }

    /// A browser: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// `POST /introspect` as the app `(id, secret)`; the response must be a 200 that is never cached.
    pub async fn introspect(&self, (id, secret): (&str, &str), token: &str) -> serde_json::Value {
        let res = self
            .client
            .post(format!("{}/introspect", self.public_url))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        res.json().await.unwrap()
    }

    /// RFC 7009 `POST /revoke` as the app `(id, secret)`; the status (200 whatever becomes of
    /// the token, unless the app fails to authenticate).
    pub async fn revoke(&self, (id, secret): (&str, &str), token: &str, hint: &str) -> u16 {
        self.client
            .post(format!("{}/revoke", self.public_url))
            .basic_auth(id, Some(secret))
            .form(&[("token", token), ("token_type_hint", hint)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub async fn jwks(&self) -> serde_json::Value {
        self.get("/jwks").await.json().await.unwrap()
    }
}

/// The kids in a JWKS document.
pub fn kids(jwks: &serde_json::Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// A PostgreSQL database created for one test and dropped after it.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create(admin_url: &str) -> Self {
        let name = format!("tessera_test_{}", uuid::Uuid::new_v4().simple());
        let db = Database::connect(admin_url).await.unwrap_or_else(|e| {
            panic!("TESSERA_TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
        });
        db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let _ = db.close().await;
        let mut url = url::Url::parse(admin_url).unwrap();
        url.set_path(&format!("/{name}"));
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(db) = Database::connect(&admin_url).await {
                    let _ = db.execute_unprepared(&sql).await;
                    let _ = db.close().await;
                }
            });
        })
        .join();
    }
}
