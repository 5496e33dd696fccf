//! `private_key_jwt` client authentication (RFC 7523): registered JWK Set or `jwks_uri`, every
//! claim checked, each assertion usable once.

use chrono::Utc;
use josekit::jws::{JwsHeader, JwsSigner, ES256};
use serde_json::{json, Value};
use tessera::apps::NewApp;
use tessera::crypto::keyring::SigningAlg;

use crate::common::{spawn_app, TestApp};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn assertion(signer: &dyn JwsSigner, kid: &str, claims: Value) -> String {
    let mut header = JwsHeader::new();
    header.set_key_id(kid);
    josekit::jws::serialize_compact(&serde_json::to_vec(&claims).unwrap(), &header, signer).unwrap()
}

fn claims(app: &TestApp, client_id: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": format!("{}/token", app.issuer),
        "exp": now + 60,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

async fn token_with(app: &TestApp, assertion: &str) -> (u16, Value) {
    let res = app
        .post_token(
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion),
            ],
            None,
        )
        .await;
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn register(app: &TestApp, jwks: Option<Value>, jwks_uri: Option<String>) -> String {
    app.create_app(NewApp {
        name: "Signer".into(),
        grant_types: vec!["client_credentials".into()],
        private_key_jwt: true,
        jwks,
        jwks_uri,
        ..Default::default()
    })
    .await
    .client_id
}

#[tokio::test]
async fn a_registered_key_authenticates_once_per_assertion() {
    let app = spawn_app().await;
    let key = ES256.generate_key_pair().unwrap();
    let mut public = key.to_jwk_public_key();
    public.set_key_id("k1");
    let client_id = register(&app, Some(json!({ "keys": [public.as_ref()] })), None).await;
    let signer = ES256.signer_from_der(key.to_der_private_key()).unwrap();

    let good = assertion(&signer, "k1", claims(&app, &client_id));
    let (status, body) = token_with(&app, &good).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = token_with(&app, &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "replayed assertion"
    );

    let other_key = ES256.generate_key_pair().unwrap();
    let other = ES256
        .signer_from_der(other_key.to_der_private_key())
        .unwrap();
    let mut wrong_aud = claims(&app, &client_id);
    wrong_aud["aud"] = "https://elsewhere.example.com/token".into();
    let mut expired = claims(&app, &client_id);
    expired["exp"] = (Utc::now().timestamp() - 120).into();
    let mut too_long = claims(&app, &client_id);
    too_long["exp"] = (Utc::now().timestamp() + 7200).into();
    let mut no_jti = claims(&app, &client_id);
    no_jti.as_object_mut().unwrap().remove("jti");
    let mut wrong_iss = claims(&app, &client_id);
    wrong_iss["iss"] = "someone".into();
    let bad = [
        (
            "another key",
            assertion(&other, "k1", claims(&app, &client_id)),
        ),
        ("wrong aud", assertion(&signer, "k1", wrong_aud)),
        ("expired", assertion(&signer, "k1", expired)),
        ("lives too long", assertion(&signer, "k1", too_long)),
        ("no jti", assertion(&signer, "k1", no_jti)),
        ("wrong iss", assertion(&signer, "k1", wrong_iss)),
        ("garbage", "a.b.c".to_owned()),
    ];
    for (what, bad) in bad {
        let (status, body) = token_with(&app, &bad).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{what}"
        );
    }
    // An unsigned assertion claiming the client.
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&app, &client_id)).unwrap())
    );
    assert_eq!(token_with(&app, &unsigned).await.0, 401);
    // A secret cannot stand in for the key.
    let res = app
        .post_token(
            &[("grant_type", "client_credentials")],
            Some((&client_id, "anything")),
        )
        .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn keys_are_fetched_from_a_jwks_uri() {
    let app = spawn_app().await;
    // Tessera's own JWKS stands in for an app's key server; the test signs with the matching key.
    let client_id = register(&app, None, Some(format!("{}/jwks", app.public_url))).await;
    let key = app.state.keys.active(SigningAlg::Es256).unwrap();
    let good = assertion(&*key.signer, &key.kid, claims(&app, &client_id));
    let (status, body) = token_with(&app, &good).await;
    assert_eq!(status, 200, "{body}");
    // (josekit writes a signer's own kid into the header, so an unknown kid needs another key.)
    let stranger = ES256.generate_key_pair().unwrap();
    let stranger = ES256
        .signer_from_der(stranger.to_der_private_key())
        .unwrap();
    let unknown_kid = assertion(&stranger, "no-such-kid", claims(&app, &client_id));
    assert_eq!(token_with(&app, &unknown_kid).await.0, 401);
}

#[tokio::test]
async fn registrations_with_unusable_keys_are_refused() {
    let key = ES256.generate_key_pair().unwrap();
    let private = Value::Object(key.to_jwk_key_pair().as_ref().clone());
    let cases = [
        (
            true,
            false,
            Some(json!({ "keys": [private] })),
            None,
            "private member",
        ),
        (true, false, None, None, "needs --jwks-file or --jwks-uri"),
        (true, true, Some(json!({ "keys": [] })), None, "public app"),
        (
            true,
            false,
            None,
            Some("http://keys.example.com/jwks".to_owned()),
            "https",
        ),
    ];
    for (private_key_jwt, is_public, jwks, jwks_uri, message) in cases {
        let err = NewApp {
            name: "Bad".into(),
            grant_types: vec!["authorization_code".into()],
            redirect_uris: vec!["https://app.example.com/cb".into()],
            private_key_jwt,
            is_public,
            jwks,
            jwks_uri,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }
}
