//! Test support shared by the crate's tests: a tiny identity provider on 127.0.0.1:0 (discovery,
//! JWKS and RFC 7662 introspection, counting its calls, the validator's start-up probe apart),
//! keys made with josekit, and token signing.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use josekit::jwe::{JweEncrypter, JweHeader, ECDH_ES_A256KW, RSA_OAEP_256};
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jwk::Jwk;
use josekit::jws::{EdDSA, JwsHeader, JwsSigner, ES256, RS256};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::clock::{unix_seconds, Clock, ManualClock};
use crate::introspect::PROBE_TOKEN;
use crate::policy::{Method, Policy, Requirement};
use crate::{Config, DecryptionKey, Introspection, Validator};

pub(crate) const AUDIENCE: &str = "https://api.example.com/reports";

/// The resource server's app credentials at the test identity provider; both need
/// form-urlencoding before HTTP Basic (RFC 6749 §2.3.1).
pub(crate) const INTROSPECTION_CLIENT_ID: &str = "reports api";
pub(crate) const INTROSPECTION_SECRET: &str = "s3cr:t+/=%";

// ---- a tiny identity provider: discovery, JWKS and introspection, counting calls ----

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
    introspection: Mutex<IntrospectionState>,
    /// Introspection requests about any token but [`PROBE_TOKEN`].
    introspection_hits: AtomicUsize,
    /// Introspection requests about [`PROBE_TOKEN`], the validator's start-up probe.
    probe_hits: AtomicUsize,
    /// Paths answered with `307 Temporary Redirect` to a `Location`, before anything else.
    redirects: Mutex<HashMap<String, String>>,
}

/// How the introspection endpoint behaves; one per test.
#[derive(Default)]
struct IntrospectionState {
    /// Omit `introspection_endpoint` from the discovery document.
    is_hidden: bool,
    /// Advertise this `introspection_endpoint` instead of our own.
    advertised_url: Option<String>,
    /// The `Authorization` header it accepts.
    authorization: String,
    /// Access tokens with these `jti`s are `"active": false`.
    revoked: HashSet<String>,
    answer: IntrospectionAnswer,
    /// The last request about a token, and the last probe.
    last: Option<IntrospectionRequest>,
    last_probe: Option<IntrospectionRequest>,
}

/// What the introspection endpoint answers an authenticated request.
#[derive(Debug, Clone, Default)]
pub(crate) enum IntrospectionAnswer {
    /// RFC 7662: active unless the token's `jti` is revoked.
    #[default]
    Normal,
    /// This status with an error body (an outage).
    Status(u16),
    /// `200` with a body that is not JSON.
    NotJson,
    /// `"active": true` about a token with this other `jti`.
    OtherJti(String),
    /// `"active": true` without a `jti`.
    NoJti,
}

/// One request the introspection endpoint received.
#[derive(Debug, Clone)]
pub(crate) struct IntrospectionRequest {
    /// Header names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
}

impl IntrospectionRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Idp {
    pub(crate) async fn start(keys: &[&TestKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(IdpState::default());
        *state.jwks.lock().unwrap() = jwks_body(keys);
        *state.cache_control.lock().unwrap() = "public, max-age=300".to_owned();
        state.introspection.lock().unwrap().authorization =
            basic_authorization(INTROSPECTION_CLIENT_ID, INTROSPECTION_SECRET);
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

    /// Introspection with the credentials this identity provider accepts.
    pub(crate) fn introspection(&self) -> Introspection {
        Introspection::new(INTROSPECTION_CLIENT_ID, INTROSPECTION_SECRET)
    }

    /// The introspection endpoint's URL (any path under it is one too).
    pub(crate) fn introspection_url(&self) -> String {
        format!("{}/introspect", self.url())
    }

    /// From now on, introspection accepts only these Basic credentials (a secret rotated at the
    /// identity provider after the validator started).
    pub(crate) fn accept_introspection_credentials(&self, client_id: &str, secret: &str) {
        self.state.introspection.lock().unwrap().authorization =
            basic_authorization(client_id, secret);
    }

    /// Introspection answers `"active": false` for access tokens with this `jti`.
    pub(crate) fn revoke(&self, jti: &str) {
        let mut state = self.state.introspection.lock().unwrap();
        state.revoked.insert(jti.to_owned());
    }

    pub(crate) fn unrevoke(&self, jti: &str) {
        self.state.introspection.lock().unwrap().revoked.remove(jti);
    }

    pub(crate) fn set_introspection_answer(&self, answer: IntrospectionAnswer) {
        self.state.introspection.lock().unwrap().answer = answer;
    }

    /// Leaves `introspection_endpoint` out of the discovery document.
    pub(crate) fn hide_introspection(&self) {
        self.state.introspection.lock().unwrap().is_hidden = true;
    }

    /// Advertises `url` as the `introspection_endpoint` in the discovery document.
    pub(crate) fn advertise_introspection(&self, url: &str) {
        self.state.introspection.lock().unwrap().advertised_url = Some(url.to_owned());
    }

    /// Answers requests for `path` (any method) with `307 Temporary Redirect` to `location`
    /// instead of serving it; counts no hit.
    pub(crate) fn redirect(&self, path: &str, location: &str) {
        let mut redirects = self.state.redirects.lock().unwrap();
        redirects.insert(path.to_owned(), location.to_owned());
    }

    /// Introspection requests about tokens received, authenticated or not; the start-up
    /// probe is counted apart, in [`Idp::probe_hits`].
    pub(crate) fn introspection_hits(&self) -> usize {
        self.state.introspection_hits.load(Ordering::SeqCst)
    }

    /// Introspection requests about [`PROBE_TOKEN`] received, authenticated or not.
    pub(crate) fn probe_hits(&self) -> usize {
        self.state.probe_hits.load(Ordering::SeqCst)
    }

    pub(crate) fn last_introspection(&self) -> Option<IntrospectionRequest> {
        self.state.introspection.lock().unwrap().last.clone()
    }

    pub(crate) fn last_probe(&self) -> Option<IntrospectionRequest> {
        self.state.introspection.lock().unwrap().last_probe.clone()
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
    let header_end = loop {
        if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&request[..header_end]).into_owned();
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let content_length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while request.len() < header_end + content_length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let body = request[header_end..header_end + content_length].to_vec();
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let redirect = state.redirects.lock().unwrap().get(path).cloned();
    if let Some(location) = redirect {
        let response = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        return;
    }
    let (status, body, cache) = match path {
        "/.well-known/openid-configuration" => {
            state.discovery_hits.fetch_add(1, Ordering::SeqCst);
            let mut doc = json!({ "issuer": format!("http://{addr}"), "jwks_uri": format!("http://{addr}/jwks") });
            let introspection = state.introspection.lock().unwrap();
            if !introspection.is_hidden {
                doc["introspection_endpoint"] = json!(introspection
                    .advertised_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{addr}/introspect")));
            }
            ("200 OK".to_owned(), doc.to_string(), "no-store".to_owned())
        }
        "/jwks" => {
            state.jwks_hits.fetch_add(1, Ordering::SeqCst);
            let mut held = state.jwks_held.subscribe();
            let _ = held.wait_for(|held| !*held).await;
            let body = state.jwks.lock().unwrap().clone();
            let cache = state.cache_control.lock().unwrap().clone();
            ("200 OK".to_owned(), body, cache)
        }
        p if p == "/introspect" || p.starts_with("/introspect/") => {
            let (status, body) = introspect(&state, headers, &body);
            (status, body, "no-store".to_owned())
        }
        _ => (
            "404 Not Found".to_owned(),
            "{}".to_owned(),
            "no-store".to_owned(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// RFC 7662 §2: counts the request (as a probe or not), checks the client's Basic credentials,
/// then answers from the revoked `jti`s.
fn introspect(idp: &IdpState, headers: Vec<(String, String)>, body: &[u8]) -> (String, String) {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let request = IntrospectionRequest { headers, form };
    let mut state = idp.introspection.lock().unwrap();
    if request.param("token") == Some(PROBE_TOKEN) {
        idp.probe_hits.fetch_add(1, Ordering::SeqCst);
        state.last_probe = Some(request.clone());
    } else {
        idp.introspection_hits.fetch_add(1, Ordering::SeqCst);
        state.last = Some(request.clone());
    }
    if request.header("authorization") != Some(state.authorization.as_str()) {
        return (
            "401 Unauthorized".to_owned(),
            json!({ "error": "invalid_client" }).to_string(),
        );
    }
    let token_jti = request.param("token").and_then(jti_of);
    match &state.answer {
        IntrospectionAnswer::Status(code) => (
            format!("{code} Oops"),
            json!({ "error": "temporarily_unavailable" }).to_string(),
        ),
        IntrospectionAnswer::NotJson => ("200 OK".to_owned(), "<html>oops</html>".to_owned()),
        IntrospectionAnswer::OtherJti(jti) => (
            "200 OK".to_owned(),
            json!({ "active": true, "jti": jti }).to_string(),
        ),
        IntrospectionAnswer::NoJti => (
            "200 OK".to_owned(),
            json!({ "active": true, "token_type": "Bearer" }).to_string(),
        ),
        IntrospectionAnswer::Normal => {
            let answer = match token_jti {
                Some(jti) if !state.revoked.contains(&jti) => {
                    json!({ "active": true, "token_type": "Bearer", "jti": jti })
                }
                _ => json!({ "active": false }),
            };
            ("200 OK".to_owned(), answer.to_string())
        }
    }
}

/// The `jti` of a compact JWS, read without verifying it (the test IdP signed it).
fn jti_of(token: &str) -> Option<String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let payload: Value = serde_json::from_slice(&base64url_decode(parts[1])?).ok()?;
    payload["jti"].as_str().map(str::to_owned)
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
pub(crate) fn basic_authorization(client_id: &str, secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = format!("{}:{}", encode(client_id), encode(secret));
    format!("Basic {}", STANDARD.encode(credentials))
}

/// RFC 4648 §5, unpadded.
pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
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

// ---- service keys and encrypted tokens (nested JWTs, RFC 7519 §5.2) ----

/// A resource server's encryption key pair: the private JWK the guard holds and the public JWK
/// Tessera encrypts to.
pub(crate) struct ServiceKey {
    pub(crate) private: Jwk,
    pub(crate) public: Jwk,
}

impl ServiceKey {
    /// RSA 2048 for RSA-OAEP-256 (its JWKs say so in `alg`).
    pub(crate) fn rsa(kid: Option<&str>) -> Self {
        let pair = RSA_OAEP_256.generate_key_pair(2048).unwrap();
        Self::named(pair.to_jwk_private_key(), pair.to_jwk_public_key(), kid)
    }

    /// EC P-256 for ECDH-ES+A256KW (its JWKs say so in `alg`).
    pub(crate) fn ec(kid: Option<&str>) -> Self {
        let pair = ECDH_ES_A256KW.generate_ec_key_pair(EcCurve::P256).unwrap();
        Self::named(pair.to_jwk_private_key(), pair.to_jwk_public_key(), kid)
    }

    fn named(mut private: Jwk, mut public: Jwk, kid: Option<&str>) -> Self {
        if let Some(kid) = kid {
            private.set_key_id(kid);
            public.set_key_id(kid);
        }
        Self { private, public }
    }

    pub(crate) fn decryption_key(&self) -> DecryptionKey {
        DecryptionKey::from_jwk(&self.private.to_string()).unwrap()
    }

    /// What Tessera encrypts with: the public key, for the key's own algorithm.
    pub(crate) fn encrypter(&self) -> Box<dyn JweEncrypter> {
        match self.public.key_type() {
            "RSA" => Box::new(RSA_OAEP_256.encrypter_from_jwk(&self.public).unwrap()),
            _ => Box::new(ECDH_ES_A256KW.encrypter_from_jwk(&self.public).unwrap()),
        }
    }
}

/// Tessera's nested JWT: `jws` encrypted to `to` with A256GCM, `cty` `JWT` and the key's
/// `kid` (when it has one).
pub(crate) fn encrypt(jws: &str, to: &ServiceKey) -> String {
    encrypt_with(jws, &*to.encrypter(), |_| {})
}

/// Like [`encrypt`], with any encrypter, after `tweak` edits the header.
pub(crate) fn encrypt_with(
    jws: &str,
    encrypter: &dyn JweEncrypter,
    tweak: impl FnOnce(&mut JweHeader),
) -> String {
    let mut header = JweHeader::new();
    header.set_content_encryption("A256GCM");
    header.set_content_type("JWT");
    tweak(&mut header);
    josekit::jwe::serialize_compact(jws.as_bytes(), &header, encrypter).unwrap()
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
