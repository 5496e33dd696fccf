//! Access tokens encrypted (JWE) to a resource that registered an encryption key: every grant
//! wraps the same signed token (RFC 7519 §5.2 nested JWT) that only the resource's private key
//! opens; refused keys change nothing; a changed or cleared key applies to the next token.
//! Introspection and revocation of encrypted tokens: `revocation`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwe::{JweHeader, ECDH_ES_A256KW, RSA_OAEP_256};
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::{Jwk, JwkSet};
use josekit::jws::ES256;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tessera::access::{self, Subject};
use tessera::operators::OperatorRole;

use super::flow::{code_for_scopes, exchange, urlencode, EMAIL, PASSWORD};
use crate::admin_api::operator_token;
use crate::common::{spawn_app, TestApp};

mod revocation;

const RSA_API: &str = "https://rsa.example.com/reports";
const EC_API: &str = "https://ec.example.com/reports";

/// A key pair: the private JWK the resource server keeps, and the public JWK it registers.
struct KeyPair {
    private: Jwk,
    public: Value,
}

fn public_of(private: &Jwk) -> Value {
    let mut map = private.as_ref().clone();
    for member in ["d", "p", "q", "dp", "dq", "qi"] {
        map.remove(member);
    }
    Value::Object(map)
}

fn rsa_key(bits: u32, kid: Option<&str>) -> KeyPair {
    let mut private = Jwk::generate_rsa_key(bits).unwrap();
    private.set_algorithm("RSA-OAEP-256");
    if let Some(kid) = kid {
        private.set_key_id(kid);
    }
    KeyPair {
        public: public_of(&private),
        private,
    }
}

fn ec_key(curve: EcCurve, kid: Option<&str>) -> KeyPair {
    let mut private = Jwk::generate_ec_key(curve).unwrap();
    private.set_algorithm("ECDH-ES+A256KW");
    if let Some(kid) = kid {
        private.set_key_id(kid);
    }
    KeyPair {
        public: public_of(&private),
        private,
    }
}

/// Decrypts a token with the resource's private key: (the JWE header, the token inside).
fn decrypt(token: &str, key: &Jwk) -> (JweHeader, String) {
    assert_eq!(token.split('.').count(), 5, "a compact JWE: {token}");
    let (payload, header) = match key.algorithm() {
        Some("RSA-OAEP-256") => {
            let decrypter = RSA_OAEP_256.decrypter_from_jwk(key).unwrap();
            josekit::jwe::deserialize_compact(token, &decrypter).unwrap()
        }
        _ => {
            let decrypter = ECDH_ES_A256KW.decrypter_from_jwk(key).unwrap();
            josekit::jwe::deserialize_compact(token, &decrypter).unwrap()
        }
    };
    (header, String::from_utf8(payload).unwrap())
}

/// Verifies a signed token against Tessera's JWKS: (header, claims).
async fn verify(app: &TestApp, jws: &str) -> (Value, Value) {
    assert_eq!(jws.split('.').count(), 3, "a compact JWS: {jws}");
    let jwks = JwkSet::from_bytes(app.get("/jwks").await.bytes().await.unwrap()).unwrap();
    let header = josekit::jwt::decode_header(jws).unwrap();
    let kid = header.claim("kid").unwrap().as_str().unwrap().to_owned();
    let jwk = jwks.get(&kid).first().copied().expect("kid in the JWKS");
    let verifier = ES256.verifier_from_jwk(jwk).unwrap();
    let (payload, header) = josekit::jws::deserialize_compact(jws, &verifier).unwrap();
    let header: Value = serde_json::from_str(&header.to_string()).unwrap();
    (header, serde_json::from_slice(&payload).unwrap())
}

/// Opens an encrypted access token and checks both layers' headers; returns the signed token
/// inside and its claims.
async fn open(app: &TestApp, token: &str, key: &KeyPair) -> (String, Value) {
    let (header, inner) = decrypt(token, &key.private);
    assert_eq!(header.algorithm(), key.private.algorithm());
    assert_eq!(header.content_encryption(), Some("A256GCM"));
    assert_eq!(header.content_type(), Some("JWT"));
    assert_eq!(header.key_id(), key.private.key_id());
    let (signed, claims) = verify(app, &inner).await;
    assert_eq!(signed["typ"], "at+jwt");
    assert_eq!(signed["alg"], "ES256");
    (inner, claims)
}

// The admin API as an admin operator: (status, JSON body).
use crate::admin_users::send as admin;

/// Registers a resource through the admin API; returns its body.
async fn register(
    app: &TestApp,
    admin_token: &str,
    identifier: &str,
    key: Option<&Value>,
) -> Value {
    let (status, body) = admin(
        app,
        admin_token,
        Method::POST,
        "/api/resources",
        Some(json!({ "identifier": identifier, "name": "Reports", "token_encryption_key": key })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn client_token(app: &TestApp, (id, secret): (&str, &str), resource: &str) -> Value {
    let res = app
        .post_token(
            &[("grant_type", "client_credentials"), ("resource", resource)],
            Some((id, secret)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn client_credentials_tokens_are_encrypted_to_an_rsa_or_an_ec_key() {
    let app = spawn_app().await;
    let token = operator_token(&app, OperatorRole::Admin).await;
    let rsa = rsa_key(2048, Some("reports-enc-1"));
    let ec = ec_key(EcCurve::P256, None);
    let rsa_resource = register(&app, &token, RSA_API, Some(&rsa.public)).await;
    let ec_resource = register(&app, &token, EC_API, Some(&with(&ec.public, "use", "enc"))).await;
    assert_eq!(rsa_resource["token_encryption_key"], rsa.public);
    assert_eq!(ec_resource["token_encryption_key"]["use"], "enc");
    let (id, secret) = app.machine_app().await;
    // A role of the RSA resource for the app: its rights are in the token inside.
    let db = &app.state.dbs.ops;
    let resource_id = rsa_resource["id"].as_str().unwrap();
    let right = access::add_right(db, resource_id, "reports:read", "", &[])
        .await
        .unwrap();
    let role = access::create_role(db, resource_id, "reader", "")
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &right.id, Default::default())
        .await
        .unwrap();
    access::grant_role(
        db,
        &app.state.clock,
        &role.id,
        &Subject::App(id.clone()),
        None,
    )
    .await
    .unwrap();

    for (api, key) in [(RSA_API, &rsa), (EC_API, &ec)] {
        let body = client_token(&app, (&id, &secret), api).await;
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].as_u64().unwrap() > 0);
        let (_, claims) = open(&app, body["access_token"].as_str().unwrap(), key).await;
        assert_eq!(claims["aud"], api);
        assert_eq!(claims["sub"], id.as_str());
        assert_eq!(claims["client_id"], id.as_str());
        assert_eq!(claims["iss"], app.issuer);
        assert!(claims["jti"].is_string() && claims["exp"].is_i64() && claims["iat"].is_i64());
        if api == RSA_API {
            assert_eq!(claims["roles"], json!(["reader"]));
            assert_eq!(claims["rights"], json!({ "reports:read": {} }));
        } else {
            assert_eq!(claims["rights"], json!({}));
        }
    }
    // Tessera cannot read the encrypted token; its resource server opens it and introspects
    // the signed token inside.
    let (server, server_secret) = app.machine_app().await;
    let path = format!("/api/resources/{resource_id}");
    let named = json!({ "server_client_id": server });
    let (status, _) = admin(&app, &token, Method::PATCH, &path, Some(named)).await;
    assert_eq!(status, StatusCode::OK);
    let body = client_token(&app, (&id, &secret), RSA_API).await;
    let encrypted = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.introspect((&server, &server_secret), encrypted).await,
        json!({ "active": false })
    );
    let (inner, claims) = open(&app, encrypted, &rsa).await;
    let info = app.introspect((&server, &server_secret), &inner).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["jti"], claims["jti"]);
    assert_eq!(info["rights"], claims["rights"]);
    // The other key does not open it.
    let decrypter = ECDH_ES_A256KW.decrypter_from_jwk(&ec.private).unwrap();
    assert!(
        josekit::jwe::deserialize_compact(body["access_token"].as_str().unwrap(), &decrypter)
            .is_err()
    );
    // A token for Tessera itself stays signed only.
    let res = app
        .post_token(
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
    let plain: Value = res.json().await.unwrap();
    let (_, claims) = verify(&app, plain["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["aud"], app.issuer);
}

/// OIDC Core §3.1.3.6 for RS256: the left half of the SHA-256 of the access token.
fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

fn unverified_claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn code_and_refresh_tokens_are_encrypted_and_at_hash_covers_what_the_client_gets() {
    let app = spawn_app().await;
    let token = operator_token(&app, OperatorRole::Admin).await;
    let key = ec_key(EcCurve::P256, Some("ec-1"));
    register(&app, &token, EC_API, Some(&key.public)).await;
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;

    let scopes = format!("openid%20offline_access&resource={}", urlencode(EC_API));
    let (_, code, verifier) = code_for_scopes(&app, &id, &scopes).await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let access_token = tokens["access_token"].as_str().unwrap();
    let (inner, claims) = open(&app, access_token, &key).await;
    assert_eq!(claims["aud"], EC_API);
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(claims["client_id"], id.as_str());
    assert!(claims["auth_time"].is_i64());
    assert_eq!(claims["scope"], "openid offline_access");
    let id_token = unverified_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["at_hash"], at_hash(access_token));
    assert_ne!(id_token["at_hash"], at_hash(&inner));

    let res = app
        .post_token(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let refreshed: Value = res.json().await.unwrap();
    let access_token = refreshed["access_token"].as_str().unwrap();
    let (_, again) = open(&app, access_token, &key).await;
    assert_eq!(again["aud"], EC_API);
    assert_eq!(again["sub"], alice.as_str());
    assert_ne!(again["jti"], claims["jti"]);
    let id_token = unverified_claims(refreshed["id_token"].as_str().unwrap());
    assert_eq!(id_token["at_hash"], at_hash(access_token));
}

#[tokio::test]
async fn a_changed_key_applies_to_the_next_token_and_null_clears_it() {
    let app = spawn_app().await;
    let token = operator_token(&app, OperatorRole::Admin).await;
    let first = rsa_key(3072, None);
    let second = ec_key(EcCurve::P256, Some("second"));
    let resource = register(&app, &token, RSA_API, Some(&first.public)).await;
    let path = format!("/api/resources/{}", resource["id"].as_str().unwrap());
    let (id, secret) = app.machine_app().await;
    let body = client_token(&app, (&id, &secret), RSA_API).await;
    open(&app, body["access_token"].as_str().unwrap(), &first).await;

    let change = json!({ "token_encryption_key": second.public, "name": "Reports v2" });
    let (status, changed) = admin(&app, &token, Method::PATCH, &path, Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["token_encryption_key"], second.public);
    assert_eq!(changed["name"], "Reports v2");
    assert_eq!(changed["identifier"], RSA_API);
    let body = client_token(&app, (&id, &secret), RSA_API).await;
    open(&app, body["access_token"].as_str().unwrap(), &second).await;

    // Absent stays, null clears.
    let (_, kept) = admin(&app, &token, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!(kept["token_encryption_key"], second.public);
    let clear = json!({ "token_encryption_key": null });
    let (status, cleared) = admin(&app, &token, Method::PATCH, &path, Some(clear)).await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert!(cleared["token_encryption_key"].is_null());
    let (_, shown) = admin(&app, &token, Method::GET, &path, None).await;
    assert_eq!(shown, cleared);
    let body = client_token(&app, (&id, &secret), RSA_API).await;
    let (header, claims) = verify(&app, body["access_token"].as_str().unwrap()).await;
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(claims["aud"], RSA_API);
    // A signed token is introspectable by its app again.
    let info = app
        .introspect((&id, &secret), body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(info["active"], true);
}

fn with(jwk: &Value, member: &str, value: impl Into<Value>) -> Value {
    let mut jwk = jwk.clone();
    jwk[member] = value.into();
    jwk
}

#[tokio::test]
async fn refused_keys_are_422_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let token = operator_token(&app, OperatorRole::Admin).await;
    let good = rsa_key(2048, Some("good"));
    let resource = register(&app, &token, RSA_API, Some(&good.public)).await;
    let path = format!("/api/resources/{}", resource["id"].as_str().unwrap());
    let rsa = rsa_key(2048, None);
    let ec = ec_key(EcCurve::P256, None);
    let mut rsa_without_alg = rsa.public.clone();
    rsa_without_alg.as_object_mut().unwrap().remove("alg");
    let p384 = ec_key(EcCurve::P384, None);
    let cases = [
        (
            "private RSA key",
            Value::Object(rsa.private.as_ref().clone()),
        ),
        ("private EC key", Value::Object(ec.private.as_ref().clone())),
        (
            "symmetric key",
            json!({ "kty": "oct", "alg": "A256KW", "k": "AAAAAAAAAAAAAAAAAAAAAA" }),
        ),
        ("RSA with RSA1_5", with(&rsa.public, "alg", "RSA1_5")),
        (
            "RSA with an EC algorithm",
            with(&rsa.public, "alg", "ECDH-ES+A256KW"),
        ),
        ("EC with ECDH-ES", with(&ec.public, "alg", "ECDH-ES")),
        ("no alg", rsa_without_alg),
        ("RSA of 1024 bits", rsa_key(1024, None).public),
        // Every JWE forged for the resource would cost its server an operation this size.
        (
            "RSA of 4097 bits",
            with(
                &rsa.public,
                "n",
                URL_SAFE_NO_PAD.encode([&[0x01][..], &[0xff; 512][..]].concat()),
            ),
        ),
        ("EC P-384", p384.public),
        ("use sig", with(&rsa.public, "use", "sig")),
        ("kid too long", with(&rsa.public, "kid", "k".repeat(129))),
        ("garbage string", json!("garbage")),
        ("garbage number", json!(42)),
        ("garbage modulus", with(&rsa.public, "n", "not base64url!")),
        ("a JWK set", json!({ "keys": [rsa.public.clone()] })),
    ];
    let before = admin(&app, &token, Method::GET, "/api/resources", None).await;
    for (what, jwk) in cases {
        let attempts = [
            (
                Method::PATCH,
                path.clone(),
                json!({ "token_encryption_key": jwk, "name": "Changed" }),
            ),
            (
                Method::POST,
                "/api/resources".to_owned(),
                json!({ "identifier": EC_API, "name": "New", "token_encryption_key": jwk }),
            ),
        ];
        for (method, path, body) in attempts {
            let (status, error) = admin(&app, &token, method.clone(), &path, Some(body)).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what} ({method}): {error}"
            );
            assert_eq!(error["error"], "invalid_request", "{what}");
            assert_eq!(error["field"], "token_encryption_key", "{what}");
            let description = error["error_description"].as_str().unwrap();
            assert!(
                description.starts_with("token_encryption_key: "),
                "{what}: {description}"
            );
        }
    }
    let after = admin(&app, &token, Method::GET, "/api/resources", None).await;
    assert_eq!(after, before, "nothing changed, nothing registered");
    assert_eq!(after.1["resources"][0]["token_encryption_key"], good.public);

    // What is kept of an accepted key: its public members only.
    let extra = with(
        &with(&ec.public, "x5t", "dGh1bWJwcmludA"),
        "key_ops",
        json!(["deriveKey"]),
    );
    let (status, changed) = admin(
        &app,
        &token,
        Method::PATCH,
        &path,
        Some(json!({ "token_encryption_key": extra })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["token_encryption_key"], ec.public);
}

#[tokio::test]
async fn an_ec_point_off_the_curve_is_refused_without_openssl_internals() {
    let app = spawn_app().await;
    let token = operator_token(&app, OperatorRole::Admin).await;
    let mut off_curve = ec_key(EcCurve::P256, None).public;
    off_curve["y"] = off_curve["x"].clone();
    let (status, error) = admin(
        &app,
        &token,
        Method::POST,
        "/api/resources",
        Some(json!({ "identifier": EC_API, "name": "Reports", "token_encryption_key": off_curve })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["field"], "token_encryption_key");
    let description = error["error_description"].as_str().unwrap();
    assert!(
        !description.contains("error:") && !description.contains(".c:"),
        "{description}"
    );
    assert_eq!(
        description,
        "token_encryption_key: `x` and `y` are not a P-256 point"
    );
}
