//! Access tokens for a resource (RFC 8707): `aud` is the resource, and the token carries the
//! subject's `org`, `roles` and `rights` there; nobody granted means no rights.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tessera::access::{self, Subject};
use tessera::apps::NewApp;

use super::flow::{code_for, code_for_scopes, exchange, EMAIL, PASSWORD};
use super::flow_errors::authorize_url;
use crate::common::{location, query_of, spawn_app, TestApp};

pub const API: &str = "https://api.example.com/reports";

async fn token(app: &TestApp, creds: (&str, &str), form: &[(&str, &str)]) -> (u16, Value) {
    let res = app.post_token(form, Some(creds)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Registers the reports API with `reports:read` (constrainable by region) and `reports:write`,
/// and a role `analyst` holding read for `eu` and write unconstrained; returns the role id.
/// The guard's tests use it too.
pub async fn reports_api(app: &TestApp) -> String {
    let db = &app.state.dbs.ops;
    let api = access::register_resource(db, &app.state.clock, API, "Reports API")
        .await
        .unwrap();
    let read = access::add_right(db, &api.id, "reports:read", "Read", &["region".into()])
        .await
        .unwrap();
    let write = access::add_right(db, &api.id, "reports:write", "Write", &[])
        .await
        .unwrap();
    let role = access::create_role(db, &api.id, "analyst", "Analyst")
        .await
        .unwrap();
    let eu = [("region".to_owned(), ["eu".to_owned()].into())].into();
    access::add_role_right(db, &role.id, &read.id, eu)
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &write.id, Default::default())
        .await
        .unwrap();
    role.id
}

#[tokio::test]
async fn a_granted_role_gives_exactly_its_rights_in_a_token_for_the_resource() {
    let app = spawn_app().await;
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let role = reports_api(&app).await;
    access::grant_role(
        &app.state.dbs.ops,
        &app.state.clock,
        &role,
        &Subject::User(alice),
        None,
    )
    .await
    .unwrap();

    let resource = format!("&resource={}", super::flow::urlencode(API));
    let (_, code, verifier) = code_for(&app, &id, &resource).await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], API);
    assert_eq!(claims["roles"], json!(["analyst"]));
    assert_eq!(
        claims["rights"],
        json!({"reports:read": {"region": ["eu"]}, "reports:write": {}})
    );
    assert!(claims.get("org").is_none(), "no organization: {claims}");
    let introspected = app
        .introspect((&id, &secret), tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(introspected["rights"], claims["rights"]);
    assert_eq!(introspected["aud"], API);
}

#[tokio::test]
async fn without_a_grant_a_token_for_the_resource_carries_no_rights() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    reports_api(&app).await;
    let resource = format!("&resource={}", super::flow::urlencode(API));
    let (_, code, verifier) = code_for(&app, &id, &resource).await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], API);
    assert_eq!(claims["roles"], json!([]));
    assert_eq!(claims["rights"], json!({}));
}

#[tokio::test]
async fn the_resource_is_checked_at_authorize_and_token_and_never_widens() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    reports_api(&app).await;

    // Unknown at authorize: the app is told, at its redirect URI.
    let unknown = format!(
        "{}&resource={}",
        super::flow_errors::PKCE,
        super::flow::urlencode("https://nobody.example.com/api")
    );
    let res = app
        .client
        .get(authorize_url(&app, &id, &unknown))
        .send()
        .await
        .unwrap();
    let params = query_of(&location(&res));
    assert_eq!(params["error"], "invalid_target");
    let res = app
        .client
        .get(authorize_url(
            &app,
            &id,
            &format!("{}&resource=not%20a%20uri", super::flow_errors::PKCE),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(query_of(&location(&res))["error"], "invalid_target");

    // A code granted without a resource cannot be exchanged for one, and the refusal
    // consumes nothing.
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let res = app
        .post_token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", crate::common::WEB_REDIRECT),
                ("code_verifier", verifier.as_str()),
                ("resource", API),
            ],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_target", "{body}");
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        payload(tokens["access_token"].as_str().unwrap())["aud"],
        app.issuer
    );

    // A refresh token keeps its resource and cannot be moved to another.
    let resource = format!("&resource={}", super::flow::urlencode(API));
    let (_, code, verifier) =
        code_for_scopes(&app, &id, &format!("openid%20offline_access{resource}")).await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let res = app
        .post_token(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("resource", "https://other.example.com/api"),
            ],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_target"
    );
    let res = app
        .post_token(
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(res.status(), 200, "the refused refresh used nothing");
    let refreshed: Value = res.json().await.unwrap();
    assert_eq!(
        payload(refreshed["access_token"].as_str().unwrap())["aud"],
        API
    );
}

#[tokio::test]
async fn an_app_gets_its_org_scoped_rights_for_its_default_resource() {
    let app = spawn_app().await;
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let role = reports_api(&app).await;
    let created = app
        .create_app(NewApp {
            name: "Nightly export".into(),
            grant_types: vec!["client_credentials".into()],
            ..Default::default()
        })
        .await;
    let id = created.client_id;
    let secret = created.client_secret.unwrap().expose_secret().to_owned();
    let db = &app.state.dbs.ops;
    let clock = &app.state.clock;
    let acme = access::create_org(db, clock, "Acme", Some(&alice))
        .await
        .unwrap();
    let other = access::create_org(db, clock, "Other", Some(&alice))
        .await
        .unwrap();
    access::assign_app_to_org(db, clock, &id, Some(&acme.id))
        .await
        .unwrap();
    access::set_default_resource(db, clock, &id, Some(API))
        .await
        .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
    // A grant scoped to another organization does not apply.
    let subject = Subject::App(id.clone());
    access::grant_role(db, clock, &role, &subject, Some(&other.id))
        .await
        .unwrap();
    let (status, body) = token(
        &app,
        (&id, &secret),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = payload(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], API, "the app's default resource");
    assert_eq!(claims["org"], acme.id.as_str());
    assert_eq!(claims["rights"], json!({}));

    access::grant_role(db, clock, &role, &subject, Some(&acme.id))
        .await
        .unwrap();
    let (_, body) = token(
        &app,
        (&id, &secret),
        &[("grant_type", "client_credentials"), ("resource", API)],
    )
    .await;
    let claims = payload(body["access_token"].as_str().unwrap());
    assert_eq!(claims["roles"], json!(["analyst"]));
    assert_eq!(claims["rights"]["reports:read"], json!({"region": ["eu"]}));

    let (status, body) = token(
        &app,
        (&id, &secret),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "https://nobody.example.com/api"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );
}
