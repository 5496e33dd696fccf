//! The admin listener's health endpoints.

use crate::common::spawn_app;

#[tokio::test]
async fn live_and_ready_on_the_admin_listener_only() {
    let app = spawn_app().await;
    let live = app.get_admin("/health/live").await;
    assert_eq!(live.status(), 200);
    let ready = app.get_admin("/health/ready").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["accounts_database"], "ok");
    assert_eq!(body["checks"]["ops_database"], "ok");
    let expected_redis = if app.env.redis_url.is_some() {
        "ok"
    } else {
        "not configured"
    };
    assert_eq!(body["checks"]["redis"], expected_redis);
    // The public listener does not expose admin routes.
    assert_eq!(app.get("/health/ready").await.status(), 404);
}

#[tokio::test]
async fn ready_fails_when_a_database_is_gone() {
    let app = spawn_app().await;
    app.state.dbs.accounts.clone().close().await.unwrap();
    let ready = app.get_admin("/health/ready").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["checks"]["accounts_database"], "unavailable");
}
