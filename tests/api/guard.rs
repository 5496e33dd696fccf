//! Real Tessera tokens through the real tessera-guard: a small reports service behind
//! `tessera_guard::actix::Guard` (and, in `tower`, behind `tessera_guard::tower::GuardLayer`),
//! fed by a running Tessera's token endpoint, JWKS and introspection endpoint.

mod encrypted;
mod introspection;
mod passes;
mod refusals;
mod rotation;
mod tower;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{call_service, read_body, TestRequest};
use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::Jwk;
use serde_json::{json, Value};
use tessera::access::{self, ResourceChange, Subject};
use tessera::crypto::keyring::SigningAlg;
use tessera_guard::actix::{Claims, Guard};
use tessera_guard::{
    Config, ConfigBuilder, DecryptionKey, Introspection, Method, Policy, Requirement, Validator,
};

use super::flow::{code_for, exchange, urlencode, EMAIL, PASSWORD};
use crate::common::TestApp;

/// The resource the reports service is registered as.
pub use crate::resource_tokens::API;
/// The realm of the service's challenges.
const REALM: &str = "reports";

pub use crate::resource_tokens::reports_api;

/// Grants `role` to `subject` globally.
pub async fn grant(app: &TestApp, role: &str, subject: Subject) {
    access::grant_role(&app.state.dbs.ops, &app.state.clock, role, &subject, None)
        .await
        .unwrap();
}

/// What the code flow gave a user of the web app.
pub struct UserTokens {
    pub user_id: String,
    pub client_id: String,
    pub access_token: String,
    pub id_token: String,
}

/// Signs Alice in to a new web app and exchanges the code; `resource` is added to the
/// authorization request when given. With `role`, Alice is granted it first.
pub async fn user_tokens(app: &TestApp, resource: Option<&str>, role: Option<&str>) -> UserTokens {
    let user_id = app.create_user(EMAIL, PASSWORD).await;
    if let Some(role) = role {
        grant(app, role, Subject::User(user_id.clone())).await;
    }
    let (client_id, secret) = app.web_app().await;
    let extra = resource
        .map(|r| format!("&resource={}", urlencode(r)))
        .unwrap_or_default();
    let (_, code, verifier) = code_for(app, &client_id, &extra).await;
    let (status, tokens) = exchange(app, (&client_id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    UserTokens {
        user_id,
        client_id,
        access_token: tokens["access_token"].as_str().unwrap().to_owned(),
        id_token: tokens["id_token"].as_str().unwrap().to_owned(),
    }
}

/// A client_credentials app, granted `role` when given; returns (client_id, secret).
pub async fn machine(app: &TestApp, role: Option<&str>) -> (String, String) {
    let (id, secret) = app.machine_app().await;
    if let Some(role) = role {
        grant(app, role, Subject::App(id.clone())).await;
    }
    (id, secret)
}

/// A client_credentials access token for the reports API.
pub async fn machine_token(app: &TestApp, credentials: (&str, &str)) -> String {
    machine_token_for(app, credentials, API).await
}

/// A client_credentials access token for `resource`.
pub async fn machine_token_for(
    app: &TestApp,
    (id, secret): (&str, &str),
    resource: &str,
) -> String {
    let res = app
        .post_token(
            &[("grant_type", "client_credentials"), ("resource", resource)],
            Some((id, secret)),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A guard configuration for the reports API against `app`, reading keys from its JWKS URL.
pub fn guard_config(app: &TestApp) -> ConfigBuilder {
    guard_config_for(app, API)
}

/// A guard configuration for an API known as `audience`, against `app`'s JWKS URL.
pub fn guard_config_for(app: &TestApp, audience: &str) -> ConfigBuilder {
    Config::builder(app.issuer.clone())
        .audience(audience)
        .jwks_url(format!("{}/jwks", app.issuer))
        .allow_insecure_http(true)
}

/// GET /health public, GET /me any token, GET /reports/{region} `reports:read` bound to the
/// path's `region`, POST /reports `reports:write`.
pub fn reports_policy() -> Policy {
    Policy::builder()
        .public(Method::Get, "/health")
        .route(Method::Get, "/me", [])
        .route(
            Method::Get,
            "/reports/{region}",
            [Requirement::right("reports:read").bind_path("region")],
        )
        .route(
            Method::Post,
            "/reports",
            [Requirement::right("reports:write")],
        )
        .build()
        .unwrap()
}

/// The guard middleware of the reports service, realm `reports`.
pub async fn guard(config: Config) -> Guard {
    guard_of(&Validator::new(config).await.unwrap())
}

/// The guard middleware of the reports service around `validator` (clones share its caches).
pub fn guard_of(validator: &Validator) -> Guard {
    Guard::new(validator.clone(), reports_policy()).realm(REALM)
}

/// Changes the reports API's token settings (encryption key, server app) as the admin API's
/// `PATCH /api/resources/{id}` does.
pub async fn change_reports(app: &TestApp, change: ResourceChange) {
    let db = &app.state.dbs.ops;
    let reports = access::find_resource_by_identifier(db, API)
        .await
        .unwrap()
        .expect("the reports API is registered");
    access::change_resource(db, &reports.id, change)
        .await
        .unwrap();
}

/// A key pair of a resource server for encrypted tokens: the private JWK it keeps, and the
/// public JWK it registers at Tessera as the resource's `token_encryption_key`.
pub struct EncryptionKey {
    pub private: Jwk,
    pub public: Value,
}

impl EncryptionKey {
    /// An RSA key of 2048 bits for RSA-OAEP-256.
    pub fn rsa(kid: Option<&str>) -> Self {
        Self::new(Jwk::generate_rsa_key(2048).unwrap(), "RSA-OAEP-256", kid)
    }

    /// An EC P-256 key for ECDH-ES+A256KW.
    pub fn ec(kid: Option<&str>) -> Self {
        let private = Jwk::generate_ec_key(EcCurve::P256).unwrap();
        Self::new(private, "ECDH-ES+A256KW", kid)
    }

    fn new(mut private: Jwk, alg: &str, kid: Option<&str>) -> Self {
        private.set_algorithm(alg);
        if let Some(kid) = kid {
            private.set_key_id(kid);
        }
        let mut public = private.as_ref().clone();
        for member in ["d", "p", "q", "dp", "dq", "qi"] {
            public.remove(member);
        }
        Self {
            private,
            public: Value::Object(public),
        }
    }

    /// The private half as the guard takes it (JWK JSON text).
    pub fn decryption_key(&self) -> DecryptionKey {
        DecryptionKey::from_jwk(&self.private.to_string()).unwrap()
    }
}

/// The header of a compact JWE (five parts), decoded.
#[track_caller]
pub fn jwe_header(token: &str) -> Value {
    assert_eq!(token.split('.').count(), 5, "a compact JWE: {token}");
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The `introspection_endpoint` of Tessera's discovery document.
pub async fn introspection_endpoint(app: &TestApp) -> String {
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    doc["introspection_endpoint"]
        .as_str()
        .expect("discovery names an introspection endpoint")
        .to_owned()
}

/// Introspection as the app `(id, secret)` at the discovered endpoint.
pub async fn introspection_as(app: &TestApp, (id, secret): (&str, &str)) -> Introspection {
    Introspection::new(id, secret).endpoint(introspection_endpoint(app).await)
}

async fn me(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sub": claims.sub,
        "client_id": claims.client_id,
        "aud": claims.aud,
        "roles": claims.roles,
        "rights": claims.rights,
    }))
}

async fn report(claims: Claims, region: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "region": region.into_inner(), "sub": claims.sub }))
}

async fn new_report(claims: Claims) -> HttpResponse {
    HttpResponse::Created().json(json!({ "by": claims.sub }))
}

/// The reports service behind `$guard`, as an initialised actix service.
macro_rules! reports_service {
    ($guard:expr) => {
        actix_web::test::init_service(
            actix_web::App::new()
                .wrap($guard.clone())
                .route(
                    "/health",
                    actix_web::web::get().to(|| async { actix_web::HttpResponse::Ok().body("ok") }),
                )
                .route("/me", actix_web::web::get().to(crate::guard::me))
                .route(
                    "/reports/{region}",
                    actix_web::web::get().to(crate::guard::report),
                )
                .route(
                    "/reports",
                    actix_web::web::post().to(crate::guard::new_report),
                ),
        )
        .await
    };
}
use reports_service;

/// A request to the service, with `Authorization: Bearer token` when given.
pub fn request(method: Method, path: &str, token: Option<&str>) -> TestRequest {
    let req = match method {
        Method::Get => TestRequest::get(),
        Method::Post => TestRequest::post(),
        other => panic!("the reports service has no {other} route"),
    }
    .uri(path);
    match token {
        Some(token) => req.insert_header((header::AUTHORIZATION, format!("Bearer {token}"))),
        None => req,
    }
}

/// What the service answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// `WWW-Authenticate`, if any.
    pub challenge: Option<String>,
    /// `Retry-After`, if any.
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Answer {
    /// The challenge's RFC 6750 `error` code, if any.
    pub fn error_code(&self) -> Option<&str> {
        let challenge = self.challenge.as_deref()?;
        let start = challenge.find("error=\"")? + "error=\"".len();
        let end = challenge[start..].find('"')? + start;
        Some(&challenge[start..end])
    }

    /// Asserts a 401 `invalid_token` with a challenge in our realm; `why` names the case.
    #[track_caller]
    pub fn assert_invalid_token(&self, why: &str) {
        assert_eq!(
            (self.status, self.error_code()),
            (401, Some("invalid_token")),
            "{why}: {self:?}"
        );
        assert!(
            self.challenge
                .as_deref()
                .is_some_and(|c| c.starts_with(&format!("Bearer realm=\"{REALM}\", "))),
            "{why}: {self:?}"
        );
        assert_eq!(self.body["error"], "invalid_token", "{why}");
    }

    /// Asserts a 401 `invalid_token` whose `error_description` is `description`, so the
    /// refusal is known to be that check's doing.
    #[track_caller]
    pub fn assert_refused_as(&self, description: &str) {
        self.assert_invalid_token(description);
        assert_eq!(self.body["error_description"], description, "{self:?}");
    }

    /// Asserts the guard's 503 for an identity provider it cannot ask: no challenge (the
    /// token is not at fault), `Retry-After`, `temporarily_unavailable`.
    #[track_caller]
    pub fn assert_unavailable(&self, why: &str) {
        assert_eq!(self.status, 503, "{why}: {self:?}");
        assert_eq!(self.challenge, None, "{why}");
        assert_eq!(self.retry_after.as_deref(), Some("5"), "{why}");
        assert_eq!(self.body["error"], "temporarily_unavailable", "{why}");
    }

    /// Asserts a 403 `insufficient_scope`; `why` names the case.
    #[track_caller]
    pub fn assert_insufficient_scope(&self, why: &str) {
        assert_eq!(
            (self.status, self.error_code()),
            (403, Some("insufficient_scope")),
            "{why}: {self:?}"
        );
    }
}

/// Sends `req` to `service` and reads the answer.
pub async fn send<S, R, B>(service: &S, req: R) -> Answer
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = call_service(service, req).await;
    let status = res.status().as_u16();
    let text = |name| {
        res.headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (challenge, retry_after) = (text(header::WWW_AUTHENTICATE), text(header::RETRY_AFTER));
    let bytes = read_body(res).await;
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        challenge,
        retry_after,
        body,
    }
}

/// A JWT's three parts: header and payload decoded, the signature as sent.
pub fn split(jwt: &str) -> (Value, Value, String) {
    let mut parts = jwt.split('.');
    let mut json = || -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap()
    };
    let (header, payload) = (json(), json());
    (header, payload, parts.next().unwrap().to_owned())
}

/// base64url without padding, as in a compact JWS (RFC 7515 §2).
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url (no padding) of the JSON of `value`.
pub fn b64_json(value: &Value) -> String {
    b64(&serde_json::to_vec(value).unwrap())
}

/// The header's `kid`.
pub fn kid_of(jwt: &str) -> String {
    split(jwt).0["kid"].as_str().unwrap().to_owned()
}

/// `claims` signed by Tessera's active ES256 key with header `typ`, as Tessera itself signs.
pub fn mint(app: &TestApp, typ: &str, claims: &Value) -> String {
    tessera::oauth::tokens::sign(&app.state.keys, SigningAlg::Es256, typ, claims).unwrap()
}
