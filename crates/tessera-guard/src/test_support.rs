//! Test support shared by the crate's tests: a tiny identity provider on 127.0.0.1:0 (discovery
//! and JWKS, counting its JWKS fetches), keys made with josekit, and token signing.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use josekit::jwk::alg::ed::EdCurve;
use josekit::jwk::Jwk;
use josekit::jws::{EdDSA, JwsHeader, JwsSigner, ES256, RS256};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::clock::{unix_seconds, Clock, ManualClock};
use crate::policy::{Method, Policy, Requirement};
use crate::{Config, Validator};

pub(crate) const AUDIENCE: &str = "https://api.example.com/reports";

// ---- a tiny identity provider: discovery + JWKS, counting JWKS fetches ----

pub(crate) struct Idp {
    addr: SocketAddr,
    state: Arc<IdpState>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct IdpState {
    jwks: Mutex<String>,
    cache_control: Mutex<String>,
    jwks_hits: AtomicUsize,
    discovery_hits: AtomicUsize,
    /// While true, JWKS requests are counted but not answered.
    jwks_held: tokio::sync::watch::Sender<bool>,
}

impl Idp {
    pub(crate) async fn start(keys: &[&TestKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(IdpState::default());
        *state.jwks.lock().unwrap() = jwks_body(keys);
        *state.cache_control.lock().unwrap() = "public, max-age=300".to_owned();
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, addr, shared.clone()));
            }
        });
        Self { addr, state, task }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn publish(&self, keys: &[&TestKey]) {
        *self.state.jwks.lock().unwrap() = jwks_body(keys);
    }

    pub(crate) fn set_cache_control(&self, value: &str) {
        *self.state.cache_control.lock().unwrap() = value.to_owned();
    }

    /// Holds JWKS answers back until [`Idp::release_jwks`].
    pub(crate) fn hold_jwks(&self) {
        self.state.jwks_held.send_replace(true);
    }

    pub(crate) fn release_jwks(&self) {
        self.state.jwks_held.send_replace(false);
    }

    pub(crate) fn jwks_hits(&self) -> usize {
        self.state.jwks_hits.load(Ordering::SeqCst)
    }

    pub(crate) fn discovery_hits(&self) -> usize {
        self.state.discovery_hits.load(Ordering::SeqCst)
    }

    /// The JWKS document currently served.
    pub(crate) fn jwks(&self) -> String {
        self.state.jwks.lock().unwrap().clone()
    }

    /// Stops accepting connections; returns once the listener is closed.
    pub(crate) async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

async fn serve(mut stream: tokio::net::TcpStream, addr: SocketAddr, state: Arc<IdpState>) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let (status, body, cache) = match path {
        "/.well-known/openid-configuration" => {
            state.discovery_hits.fetch_add(1, Ordering::SeqCst);
            let doc = json!({ "issuer": format!("http://{addr}"), "jwks_uri": format!("http://{addr}/jwks") });
            ("200 OK", doc.to_string(), "no-store".to_owned())
        }
        "/jwks" => {
            state.jwks_hits.fetch_add(1, Ordering::SeqCst);
            let mut held = state.jwks_held.subscribe();
            let _ = held.wait_for(|held| !*held).await;
            let body = state.jwks.lock().unwrap().clone();
            let cache = state.cache_control.lock().unwrap().clone();
            ("200 OK", body, cache)
        }
        _ => ("404 Not Found", "{}".to_owned(), "no-store".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn jwks_body(keys: &[&TestKey]) -> String {
    let keys: Vec<&Jwk> = keys.iter().map(|k| &k.public).collect();
    json!({ "keys": keys }).to_string()
}

// ---- keys and tokens ----

pub(crate) struct TestKey {
    pub(crate) kid: String,
    pub(crate) public: Jwk,
    pub(crate) signer: Box<dyn JwsSigner>,
}

pub(crate) fn es256_key(kid: &str) -> TestKey {
    let pair = ES256.generate_key_pair().unwrap();
    let mut public = pair.to_jwk_public_key();
    public.set_key_id(kid);
    public.set_algorithm("ES256");
    TestKey {
        kid: kid.to_owned(),
        public,
        signer: Box::new(ES256.signer_from_der(pair.to_der_private_key()).unwrap()),
    }
}

/// An RSA key without `alg` in its JWK, so it may verify RS256 and PS256; signs RS256.
pub(crate) fn rsa_key(kid: &str) -> (TestKey, Vec<u8>) {
    let pair = RS256.generate_key_pair(2048).unwrap();
    let mut public = pair.to_jwk_public_key();
    public.set_key_id(kid);
    public.set_parameter("alg", None).unwrap();
    let der = pair.to_der_private_key();
    let key = TestKey {
        kid: kid.to_owned(),
        public,
        signer: Box::new(RS256.signer_from_der(&der).unwrap()),
    };
    (key, der)
}

pub(crate) fn ed25519_key(kid: &str) -> TestKey {
    let pair = EdDSA.generate_key_pair(EdCurve::Ed25519).unwrap();
    let mut public = pair.to_jwk_public_key();
    public.set_key_id(kid);
    TestKey {
        kid: kid.to_owned(),
        public,
        signer: Box::new(EdDSA.signer_from_der(pair.to_der_private_key()).unwrap()),
    }
}

pub(crate) fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub(crate) fn now_secs(clock: &ManualClock) -> i64 {
    unix_seconds(clock.now())
}

pub(crate) fn claims(issuer: &str, now: i64) -> Value {
    json!({
        "iss": issuer,
        "sub": "user-1",
        "aud": AUDIENCE,
        "exp": now + 600,
        "iat": now,
        "jti": "jti-1",
        "client_id": "app-1",
        "scope": "openid reports",
        "org": "4f9c0a6e-1b3d-4c55-9a0e-2d7f7d7c2a10",
        "roles": ["analyst"],
        "rights": { "reports:read": { "region": ["eu"] }, "reports:write": {} }
    })
}

pub(crate) fn sign_with(
    signer: &dyn JwsSigner,
    kid: Option<&str>,
    typ: &str,
    claims: &Value,
) -> String {
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    josekit::jws::serialize_compact(&serde_json::to_vec(claims).unwrap(), &header, signer).unwrap()
}

pub(crate) fn sign(key: &TestKey, claims: &Value) -> String {
    sign_with(&*key.signer, Some(&key.kid), "at+jwt", claims)
}

// ---- a reports service: the set-up the framework adapters' tests share ----

/// A started identity provider publishing `key`, the clock the validator reads, a validator for
/// [`AUDIENCE`], and the reports policy: `GET /health` public, `GET /reports/{region}` needing
/// `reports:read` with `region` bound to the path.
pub(crate) async fn reports_service(key: &TestKey) -> (Idp, Arc<ManualClock>, Validator, Policy) {
    let idp = Idp::start(&[key]).await;
    let clock = Arc::new(ManualClock::new(start()));
    let config = Config::builder(idp.url())
        .audience(AUDIENCE)
        .clock(clock.clone())
        .build()
        .unwrap();
    let validator = Validator::new(config).await.unwrap();
    let policy = Policy::builder()
        .public(Method::Get, "/health")
        .route(
            Method::Get,
            "/reports/{region}",
            [Requirement::right("reports:read").bind_path("region")],
        )
        .build()
        .unwrap();
    (idp, clock, validator, policy)
}
