//! `/health/live` (the process answers) and `/health/ready` (both databases, and Redis when
//! configured, answer).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "live" }))
}

pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (accounts, ops) = state.dbs.ping().await;
    let redis = match &state.redis {
        Some(redis) => Some(redis.ping(Duration::from_secs(1)).await),
        None => None,
    };
    let describe = |ok: bool| if ok { "ok" } else { "unavailable" };
    for (name, err) in [
        ("accounts", accounts.as_ref().err()),
        ("ops", ops.as_ref().err()),
    ] {
        if let Some(err) = err {
            tracing::error!(database = name, error = %err, "readiness check failed");
        }
    }
    if let Some(Err(err)) = &redis {
        tracing::error!(error = %err, "readiness check failed: redis");
    }
    let is_ready = accounts.is_ok() && ops.is_ok() && redis.as_ref().is_none_or(Result::is_ok);
    let body = json!({
        "status": if is_ready { "ready" } else { "not ready" },
        "checks": {
            "accounts_database": describe(accounts.is_ok()),
            "ops_database": describe(ops.is_ok()),
            "redis": redis.as_ref().map_or("not configured", |r| describe(r.is_ok())),
        }
    });
    if is_ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
