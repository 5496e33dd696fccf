//! The JWKS endpoint: public members only, caching headers, conditional requests.

use tessera::crypto::keyring::thumbprint;

use crate::common::{kids, spawn_app};

#[tokio::test]
async fn jwks_publishes_es256_and_rs256_public_keys_only() {
    let app = spawn_app().await;
    let jwks = app.jwks().await;
    let keys = jwks["keys"].as_array().unwrap();
    let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "RS256"]);
    for key in keys {
        let members = key.as_object().unwrap();
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(
                !members.contains_key(private),
                "private member {private} published: {key}"
            );
        }
        assert_eq!(key["use"], "sig");
        // The kid is the RFC 7638 thumbprint of the key.
        assert_eq!(key["kid"].as_str().unwrap(), thumbprint(members).unwrap());
    }
    let ec = keys.iter().find(|k| k["alg"] == "ES256").unwrap();
    assert_eq!(
        (ec["kty"].as_str(), ec["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
}

#[tokio::test]
async fn jwks_has_cache_headers_and_answers_304_to_a_matching_etag() {
    let app = spawn_app().await;
    let res = app.get("/jwks").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=300");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let body = res.bytes().await.unwrap();

    let url = format!("{}/jwks", app.public_url);
    for matching in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".into(),
    ] {
        let res = app
            .client
            .get(&url)
            .header("If-None-Match", &matching)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304, "If-None-Match: {matching}");
        assert_eq!(res.headers()["etag"], etag.as_str());
        assert!(res.bytes().await.unwrap().is_empty());
    }
    // Two header lines form one list (RFC 9110 §5.3).
    let res = app
        .client
        .get(&url)
        .header("If-None-Match", "\"stale\"")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["etag"], etag.as_str());
    assert!(head.bytes().await.unwrap().is_empty());
    let res = app
        .client
        .get(&url)
        .header("If-None-Match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), body);
}

#[tokio::test]
async fn the_served_jwks_is_the_rings_document() {
    let app = spawn_app().await;
    let served = app.jwks().await;
    let ring: serde_json::Value = serde_json::from_slice(&app.state.keys.jwks().body).unwrap();
    assert_eq!(served, ring);
    assert_eq!(kids(&served).len(), 2);
}
