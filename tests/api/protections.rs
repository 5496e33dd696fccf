//! Domain, server-only and IP protection on each endpoint where they apply, allowed and refused,
//! and CORS only where RFC 9700 allows it. A refused request changes nothing.

use secrecy::ExposeSecret;
use serde_json::Value;
use tessera::apps::NewApp;

use super::flow::{code_for, code_for_scopes, exchange, EMAIL, PASSWORD};
use crate::common::{spawn_app, spawn_app_with, TestApp};

const SPA: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.com";

/// A confidential app with client_credentials and the given protections; (id, secret).
async fn machine(app: &TestApp, adjust: impl FnOnce(&mut NewApp)) -> (String, String) {
    let mut new = NewApp {
        name: "Protected".into(),
        grant_types: vec!["client_credentials".into()],
        ..Default::default()
    };
    adjust(&mut new);
    let created = app.create_app(new).await;
    let secret = created.client_secret.unwrap().expose_secret().to_owned();
    (created.client_id, secret)
}

/// Changes an app's settings and makes this instance serve them at once.
pub async fn change(app: &TestApp, client_id: &str, adjust: impl FnOnce(&mut NewApp)) {
    let db = &app.state.dbs.ops;
    let mut settings = tessera::apps::find_app(db, client_id)
        .await
        .unwrap()
        .unwrap()
        .settings;
    adjust(&mut settings);
    tessera::apps::update_app(db, &app.state.clock, client_id, settings)
        .await
        .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
}

/// `POST /token` for client_credentials with extra headers; (status, body, CORS origin header).
async fn token_with(
    app: &TestApp,
    (id, secret): (&str, &str),
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>) {
    let mut req = app
        .client
        .post(format!("{}/token", app.public_url))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")]);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    let cors = res
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned());
    (res.status().as_u16(), res.json().await.unwrap(), cors)
}

fn refused_by(body: &Value, protection: &str) {
    assert_eq!(body["error"], "access_denied", "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.starts_with(protection), "{description}");
}

#[tokio::test]
async fn domain_protection_allows_listed_origins_and_x_origin_and_refuses_the_rest() {
    let app = spawn_app().await;
    let (id, secret) = machine(&app, |a| a.allowed_origins = vec![SPA.into()]).await;
    let creds = (id.as_str(), secret.as_str());

    let (status, body, cors) = token_with(&app, creds, &[("Origin", SPA)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(cors.as_deref(), Some(SPA));

    let (status, body, cors) = token_with(&app, creds, &[("Origin", EVIL)]).await;
    assert_eq!(status, 403);
    refused_by(&body, "domain protection");
    assert!(body["error_description"].as_str().unwrap().contains(EVIL));
    assert_eq!(cors, None, "an unlisted origin gets no CORS headers");

    // A server-side call must name an allowed origin.
    let (status, body, _) = token_with(&app, creds, &[]).await;
    assert_eq!(status, 403);
    refused_by(&body, "domain protection");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("X-Origin"));
    let (status, body, _) = token_with(&app, creds, &[("X-Origin", EVIL)]).await;
    assert_eq!(status, 403);
    refused_by(&body, "domain protection");
    let (status, body, cors) = token_with(&app, creds, &[("X-Origin", SPA)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(cors, None, "CORS is for browsers only");

    // Another app's origin is not this app's.
    let (other, other_secret) = machine(&app, |a| a.allowed_origins = vec![EVIL.into()]).await;
    app.state.apps.refresh_if_changed().await.unwrap();
    let (status, body, _) = token_with(&app, creds, &[("Origin", EVIL)]).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, cors) = token_with(&app, (&other, &other_secret), &[("Origin", EVIL)]).await;
    assert_eq!((status, cors.as_deref()), (200, Some(EVIL)));

    // With the protection off, nothing is required.
    let (open, open_secret) = machine(&app, |_| {}).await;
    let (status, body, _) = token_with(&app, (&open, &open_secret), &[]).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn preflight_answers_only_listed_origins_and_only_where_cors_is_allowed() {
    let app = spawn_app().await;
    machine(&app, |a| a.allowed_origins = vec![SPA.into()]).await;
    app.state.apps.refresh_if_changed().await.unwrap();
    let preflight = |path: &'static str, origin: &'static str, method: &'static str| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.public_url);
        async move {
            client
                .request(reqwest::Method::OPTIONS, url)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header(
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                )
                .send()
                .await
                .unwrap()
        }
    };
    for (path, method) in [
        ("/token", "POST"),
        ("/revoke", "POST"),
        ("/introspect", "POST"),
        ("/userinfo", "GET"),
        ("/jwks", "GET"),
        ("/.well-known/openid-configuration", "GET"),
    ] {
        let res = preflight(path, SPA, method).await;
        assert_eq!(res.status(), 204, "{path}");
        let h = res.headers();
        assert_eq!(h["access-control-allow-origin"], SPA, "{path}");
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        assert!(methods.contains(method), "{path}: {methods}");
        assert!(h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization"));
        assert!(h.get("access-control-allow-credentials").is_none());

        let res = preflight(path, EVIL, method).await;
        assert_eq!(res.status(), 403, "{path}");
        assert!(res.headers().get("access-control-allow-origin").is_none());
        assert!(res.headers().get("access-control-allow-methods").is_none());
    }
    // A method the endpoint does not take is not allowed.
    let res = preflight("/token", SPA, "DELETE").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    // Never at the authorization endpoint.
    let res = preflight("/authorize", SPA, "GET").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let res = app
        .client
        .get(format!("{}/authorize", app.public_url))
        .header("Origin", SPA)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // Public documents: CORS for listed origins, plain answers for the rest.
    for path in ["/jwks", "/.well-known/openid-configuration"] {
        let get = |origin: &'static str| {
            app.client
                .get(format!("{}{path}", app.public_url))
                .header("Origin", origin)
                .send()
        };
        let res = get(SPA).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["access-control-allow-origin"], SPA);
        let res = get(EVIL).await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("access-control-allow-origin").is_none());
        assert_eq!(res.headers()["vary"], "Origin");
        let res = app
            .client
            .get(format!("{}{path}", app.public_url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["vary"], "Origin", "cacheable either way");
    }
}

#[tokio::test]
async fn server_only_refuses_browser_requests() {
    let app = spawn_app().await;
    let (id, secret) = machine(&app, |a| {
        a.is_server_only = true;
        a.allowed_origins = vec![SPA.into()];
    })
    .await;
    let creds = (id.as_str(), secret.as_str());
    for origin in [SPA, EVIL] {
        let (status, body, _) = token_with(&app, creds, &[("Origin", origin)]).await;
        assert_eq!(status, 403);
        refused_by(&body, "server-only protection");
    }
    let (status, body, _) = token_with(&app, creds, &[("X-Origin", SPA)]).await;
    assert_eq!(status, 200, "{body}");
    // A public app cannot be server-only.
    let err = NewApp {
        name: "SPA".into(),
        is_public: true,
        is_server_only: true,
        redirect_uris: vec!["https://app.example.com/cb".into()],
        ..Default::default()
    }
    .validate()
    .unwrap_err();
    assert!(err.to_string().contains("cannot be server-only"), "{err}");
}

fn behind_proxy() -> impl FnOnce(&mut tessera::config::Settings) {
    |s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]
}

#[tokio::test]
async fn ip_protection_matches_addresses_and_ranges_at_their_edges() {
    let app = spawn_app_with(behind_proxy()).await;
    let (id, secret) = machine(&app, |a| {
        a.allowed_ips = vec![
            "10.1.2.3".into(),
            "192.168.0.0/16".into(),
            "2001:db8::/32".into(),
        ]
    })
    .await;
    let creds = (id.as_str(), secret.as_str());
    for allowed in [
        "10.1.2.3",
        "::ffff:10.1.2.3",
        "192.168.0.0",
        "192.168.255.255",
        "2001:db8::1",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    ] {
        let (status, body, _) = token_with(&app, creds, &[("X-Forwarded-For", allowed)]).await;
        assert_eq!(status, 200, "{allowed}: {body}");
    }
    for refused in ["10.1.2.4", "10.1.2.2", "192.169.0.0", "2001:db9::1", "::1"] {
        let (status, body, _) = token_with(&app, creds, &[("X-Forwarded-For", refused)]).await;
        assert_eq!(status, 403, "{refused}");
        refused_by(&body, "IP protection");
    }
    let (status, body, _) = token_with(
        &app,
        creds,
        &[("Forwarded", "for=\"[2001:db8::5]:4711\";proto=https")],
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // /0 is every IPv4 address and no IPv6 one.
    let (all_v4, all_v4_secret) = machine(&app, |a| a.allowed_ips = vec!["0.0.0.0/0".into()]).await;
    let v4_only = (all_v4.as_str(), all_v4_secret.as_str());
    for (ip, expected) in [("203.0.113.9", 200), ("1.1.1.1", 200), ("2001:db8::1", 403)] {
        let (status, _, _) = token_with(&app, v4_only, &[("X-Forwarded-For", ip)]).await;
        assert_eq!(status, expected, "{ip}");
    }
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    // No trusted proxies: the socket peer (127.0.0.1) is the client, whatever the headers say.
    let app = spawn_app().await;
    let (id, secret) = machine(&app, |a| a.allowed_ips = vec!["10.1.2.3".into()]).await;
    let creds = (id.as_str(), secret.as_str());
    for spoof in [
        &[("X-Forwarded-For", "10.1.2.3")][..],
        &[("Forwarded", "for=10.1.2.3")][..],
        &[("X-Forwarded-For", "10.1.2.3, 10.1.2.3")][..],
    ] {
        let (status, body, _) = token_with(&app, creds, spoof).await;
        assert_eq!(status, 403, "{spoof:?}");
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1"));
    }
    let (local, local_secret) =
        machine(&app, |a| a.allowed_ips = vec!["127.0.0.1/32".into()]).await;
    let (status, body, _) = token_with(
        &app,
        (&local, &local_secret),
        &[("X-Forwarded-For", "10.9.9.9")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_refused_code_exchange_consumes_nothing() {
    let app = spawn_app_with(behind_proxy()).await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for_scopes(&app, &id, "openid%20email%20offline_access").await;
    change(&app, &id, |s| s.allowed_ips = vec!["10.0.0.0/8".into()]).await;
    // From 127.0.0.1 (no forwarding header): refused.
    let (status, body) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 403);
    refused_by(&body, "IP protection");
    // From an allowed address: the same code still works, so the refusal consumed nothing.
    let res = app
        .client
        .post(format!("{}/token", app.public_url))
        .basic_auth(&id, Some(&secret))
        .header("X-Forwarded-For", "10.20.30.40")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", crate::common::WEB_REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    // Revocation, introspection and userinfo are refused from outside the list, and the
    // refused revocation revoked nothing.
    for path in ["/revoke", "/introspect"] {
        let res = app
            .client
            .post(format!("{}{path}", app.public_url))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", refresh)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
        refused_by(&res.json().await.unwrap(), "IP protection");
    }
    let userinfo = |ip: &'static str| {
        app.client
            .get(format!("{}/userinfo", app.public_url))
            .bearer_auth(access)
            .header("X-Forwarded-For", ip)
            .send()
    };
    let res = userinfo("192.0.2.1").await.unwrap();
    assert_eq!(res.status(), 403);
    refused_by(&res.json().await.unwrap(), "IP protection");
    let res = userinfo("10.0.0.1").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], EMAIL);
    let res = app
        .client
        .post(format!("{}/token", app.public_url))
        .basic_auth(&id, Some(&secret))
        .header("X-Forwarded-For", "10.0.0.1")
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the refused revocation revoked nothing");
}

#[tokio::test]
async fn userinfo_applies_the_domain_protection_of_the_tokens_app() {
    let app = spawn_app().await;
    app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200);
    change(&app, &id, |s| s.allowed_origins = vec![SPA.into()]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let call = |origin: &'static str| {
        app.client
            .get(format!("{}/userinfo", app.public_url))
            .bearer_auth(access)
            .header("Origin", origin)
            .send()
    };
    let res = call(EVIL).await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    refused_by(&res.json().await.unwrap(), "domain protection");
    let res = call(SPA).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], SPA);
}

/// One back-channel call with extra headers: (status, JSON body or Null).
async fn call(
    app: &TestApp,
    endpoint: &str,
    (id, secret): (&str, &str),
    access: &str,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let url = format!("{}{endpoint}", app.public_url);
    let mut req = match endpoint {
        "/userinfo" => app.client.get(url).bearer_auth(access),
        "/token" => app
            .client
            .post(url)
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")]),
        _ => app
            .client
            .post(url)
            .basic_auth(id, Some(secret))
            .form(&[("token", access)]),
    };
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_back_channel_endpoint_applies_every_protection() {
    let app = spawn_app_with(behind_proxy()).await;
    app.create_user(EMAIL, PASSWORD).await;
    let created = app
        .create_app(NewApp {
            name: "Reports".into(),
            redirect_uris: vec![crate::common::WEB_REDIRECT.into()],
            grant_types: vec!["authorization_code".into(), "client_credentials".into()],
            ..Default::default()
        })
        .await;
    let id = created.client_id;
    let secret = created.client_secret.unwrap().expose_secret().to_owned();
    let (_, code, verifier) = code_for(&app, &id, "").await;
    let (status, tokens) = exchange(&app, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    type Adjust = fn(&mut NewApp);
    type Headers = &'static [(&'static str, &'static str)];
    let cases: [(&str, Adjust, Headers, Headers); 4] = [
        (
            "domain protection",
            |s| s.allowed_origins = vec![SPA.into()],
            &[("Origin", EVIL)],
            &[("Origin", SPA)],
        ),
        (
            "domain protection",
            |s| s.allowed_origins = vec![SPA.into()],
            &[],
            &[("X-Origin", SPA)],
        ),
        (
            "server-only protection",
            |s| s.is_server_only = true,
            &[("Origin", SPA)],
            &[],
        ),
        (
            "IP protection",
            |s| s.allowed_ips = vec!["10.0.0.0/8".into()],
            &[("X-Forwarded-For", "192.0.2.1")],
            &[("X-Forwarded-For", "10.0.0.1")],
        ),
    ];
    for (protection, adjust, refused, allowed) in cases {
        change(&app, &id, |s| {
            s.allowed_origins.clear();
            s.allowed_ips.clear();
            s.is_server_only = false;
            adjust(s);
        })
        .await;
        for endpoint in ["/token", "/introspect", "/revoke", "/userinfo"] {
            let creds = (id.as_str(), secret.as_str());
            let (status, body) = call(&app, endpoint, creds, &access, refused).await;
            assert_eq!(status, 403, "{protection} {endpoint} {refused:?}: {body}");
            refused_by(&body, protection);
            // An allowed revocation of an unknown token is a 200 that changes nothing.
            let token = if endpoint == "/revoke" {
                "not-a-token"
            } else {
                access.as_str()
            };
            let (status, body) = call(&app, endpoint, creds, token, allowed).await;
            assert_eq!(status, 200, "{protection} {endpoint} {allowed:?}: {body}");
        }
    }
    // Every refused revocation revoked nothing: the access token is still active.
    change(&app, &id, |s| s.allowed_ips.clear()).await;
    assert_eq!(
        app.introspect((&id, &secret), &access).await["active"],
        true
    );
}
