//! The token endpoint: client credentials through the `oauth2` crate, and each bad request.

use josekit::jwk::{Jwk, JwkSet};
use josekit::jws::ES256;
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse, TokenUrl};
use serde_json::Value;

use crate::common::{spawn_app, TestApp};

/// Verifies a JWT against the served JWKS; returns (header, claims).
async fn verify(app: &TestApp, token: &str) -> (Value, Value) {
    let jwks: JwkSet = JwkSet::from_bytes(app.get("/jwks").await.bytes().await.unwrap()).unwrap();
    let header = josekit::jwt::decode_header(token).unwrap();
    let kid = header.claim("kid").unwrap().as_str().unwrap().to_owned();
    let jwk: &Jwk = jwks
        .get(&kid)
        .first()
        .copied()
        .expect("kid published in the JWKS");
    let verifier = ES256.verifier_from_jwk(jwk).unwrap();
    let (payload, header) = josekit::jwt::decode_with_verifier(token, &verifier).unwrap();
    let header: Value = serde_json::from_str(&header.to_string()).unwrap();
    (header, Value::Object(payload.as_ref().clone()))
}

async fn error_of(res: reqwest::Response) -> (u16, String, Option<String>) {
    let status = res.status().as_u16();
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert!(body["error_description"].is_string());
    (status, body["error"].as_str().unwrap().to_owned(), www)
}

#[tokio::test]
async fn client_credentials_through_the_oauth2_crate_yields_a_verifiable_rfc9068_token() {
    let app = spawn_app().await;
    let (client_id, secret) = app.machine_app().await;
    let client = BasicClient::new(ClientId::new(client_id.clone()))
        .set_client_secret(ClientSecret::new(secret))
        .set_token_uri(TokenUrl::new(format!("{}/token", app.public_url)).unwrap());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = client
        .exchange_client_credentials()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(token.token_type().as_ref(), "bearer");
    assert_eq!(token.expires_in().unwrap().as_secs(), 600);
    assert!(token.refresh_token().is_none());

    let (header, claims) = verify(&app, token.access_token().secret()).await;
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(claims["iss"], app.issuer);
    assert_eq!(claims["aud"], app.issuer);
    assert_eq!(claims["sub"], client_id);
    assert_eq!(claims["client_id"], client_id);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 22);
}

#[tokio::test]
async fn client_secret_post_works_too() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &id),
        ("client_secret", &secret),
    ];
    let res = app.post_token(&form, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn client_authentication_failures_are_401_with_www_authenticate_and_alike() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let grant = [("grant_type", "client_credentials")];
    let wrong_secret = error_of(app.post_token(&grant, Some((&id, "wrong"))).await).await;
    let unknown = error_of(
        app.post_token(&grant, Some(("no-such-client", &secret)))
            .await,
    )
    .await;
    assert_eq!(
        wrong_secret,
        (
            401,
            "invalid_client".into(),
            Some("Basic realm=\"tessera\"".into())
        )
    );
    assert_eq!(
        unknown, wrong_secret,
        "an unknown client looks like a wrong secret"
    );
    let none = error_of(app.post_token(&grant, None).await).await;
    assert_eq!((none.0, none.1.as_str()), (401, "invalid_client"));
    let id_only = error_of(
        app.post_token(
            &[("grant_type", "client_credentials"), ("client_id", &id)],
            None,
        )
        .await,
    )
    .await;
    assert_eq!((id_only.0, id_only.1.as_str()), (401, "invalid_client"));
}

#[tokio::test]
async fn grant_and_scope_errors_use_their_rfc_codes() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let auth = Some((id.as_str(), secret.as_str()));
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
            "unsupported_grant_type",
        ),
        (&[("grant_type", "implicit")], "unsupported_grant_type"),
        (&[("scope", "openid")], "invalid_request"),
        (
            &[("grant_type", "client_credentials"), ("scope", "openid")],
            "invalid_scope",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("scope", "reports:read"),
            ],
            "invalid_scope",
        ),
    ];
    for (form, code) in cases {
        let (status, error, _) = error_of(app.post_token(form, auth).await).await;
        assert_eq!((status, error.as_str()), (400, *code), "{form:?}");
    }

    // An app registered without the client_credentials grant.
    let web = app
        .create_app(tessera::apps::NewApp {
            name: "Web".into(),
            redirect_uris: vec!["https://app.example.com/cb".into()],
            ..Default::default()
        })
        .await;
    use secrecy::ExposeSecret;
    let web_secret = web
        .client_secret
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    let (status, error, _) = error_of(
        app.post_token(
            &[("grant_type", "client_credentials")],
            Some((&web.client_id, &web_secret)),
        )
        .await,
    )
    .await;
    assert_eq!((status, error.as_str()), (400, "unauthorized_client"));
}

#[tokio::test]
async fn malformed_requests_are_invalid_request() {
    let app = spawn_app().await;
    let (id, secret) = app.machine_app().await;
    let url = format!("{}/token", app.public_url);

    let repeated = app
        .client
        .post(&url)
        .basic_auth(&id, Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(repeated).await.1, "invalid_request");

    let json = app
        .client
        .post(&url)
        .basic_auth(&id, Some(&secret))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(json).await.1, "invalid_request");

    let both = app
        .post_token(
            &[
                ("grant_type", "client_credentials"),
                ("client_secret", &secret),
            ],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(error_of(both).await.1, "invalid_request");

    let huge = "x".repeat(20 * 1024);
    let oversize = app
        .post_token(
            &[("grant_type", "client_credentials"), ("padding", &huge)],
            Some((&id, &secret)),
        )
        .await;
    let (status, error, _) = error_of(oversize).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));

    let get = app.client.get(&url).send().await.unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn discovery_advertises_the_token_endpoint() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["token_endpoint"], format!("{}/token", app.issuer));
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        serde_json::json!([
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "none"
        ])
    );
}
