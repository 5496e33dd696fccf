//! A reports API behind Tessera, on axum: the guard's tower layer checks every request against
//! the route policy and puts the verified claims in the request extensions.
//!
//! | route                   | needs                                                      |
//! |-------------------------|------------------------------------------------------------|
//! | `GET /health`           | nothing (public)                                           |
//! | `GET /me`               | any valid token for this API                               |
//! | `GET /reports/{region}` | `reports:read`, its `region` constraint bound to the path  |
//! | `GET /reports?region=`  | `reports:read`, its `region` constraint bound to the query |
//!
//! Settings (environment): `TESSERA_ISSUER` (default `http://127.0.0.1:8080`, what
//! `tessera serve` uses by default), `GUARD_AUDIENCE` (default
//! `http://127.0.0.1:4000/reports`, the resource identifier registered in Tessera),
//! `GUARD_LISTEN` (default `127.0.0.1:4000`), `GUARD_POLICY` (a TOML policy file, e.g.
//! `crates/tessera-guard/examples/policy.toml`; default: the policy built in `policy()`),
//! `RUST_LOG` (default `info`).
//!
//! # Running it against a local Tessera
//!
//! From the workspace root, with `curl` and `jq` (the same set-up as `examples/actix.rs`):
//!
//! ```sh
//! # 1. Tessera: issuer http://127.0.0.1:8080, admin API on 127.0.0.1:8081, data in ./data.
//! cargo run -- serve
//!
//! # 2. In a second terminal: an app allowed to call the admin API, and an admin token.
//! OPS=$(cargo run -q -- client create --name ops --grant client_credentials --scope tessera:admin)
//! cargo run -q -- admin add-app --client-id "$(jq -r .client_id <<<"$OPS")" --role admin
//! sleep 6  # the running server loads apps made by the CLI within keys.poll_interval (5 s)
//! ADMIN=$(curl -s -u "$(jq -r '.client_id + ":" + .client_secret' <<<"$OPS")" \
//!   -d grant_type=client_credentials -d scope=tessera:admin \
//!   http://127.0.0.1:8080/token | jq -r .access_token)
//! api() { curl -s -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' "$@"; }
//! A=http://127.0.0.1:8081/api
//!
//! # 3. The resource (its identifier is the tokens' `aud`), the right `reports:read` with a
//! #    `region` parameter, a role holding it for region `eu` only, and an app granted the role.
//! RES=$(api -d '{"identifier":"http://127.0.0.1:4000/reports","name":"Reports API"}' \
//!   $A/resources | jq -r .id)
//! RIGHT=$(api -d '{"name":"reports:read","parameters":["region"]}' \
//!   $A/resources/$RES/rights | jq -r .id)
//! ROLE=$(api -d '{"name":"analyst"}' $A/resources/$RES/roles | jq -r .id)
//! api -X PUT -d '{"constraints":{"region":["eu"]}}' $A/roles/$ROLE/rights/$RIGHT
//! CALLER=$(api -d '{"name":"Reports caller","grant_types":["client_credentials"]}' $A/apps)
//! api -d "{\"subject_kind\":\"app\",\"subject_id\":$(jq .client_id <<<"$CALLER")}" \
//!   $A/roles/$ROLE/grants
//!
//! # 4. This service, in a third terminal.
//! cargo run -p tessera-guard --example axum
//!
//! # 5. A token for the resource (RFC 8707 `resource`), and the routes.
//! TOKEN=$(curl -s -u "$(jq -r '.client_id + ":" + .client_secret' <<<"$CALLER")" \
//!   -d grant_type=client_credentials -d resource=http://127.0.0.1:4000/reports \
//!   http://127.0.0.1:8080/token | jq -r .access_token)
//! S=http://127.0.0.1:4000; H="Authorization: Bearer $TOKEN"
//! curl -i $S/health                       # 200 ok
//! curl -i $S/me                           # 401, WWW-Authenticate: Bearer realm="reports"
//! curl -H "$H" $S/me                      # 200 {"sub", "client_id", "roles": ["analyst"], ..}
//! curl -H "$H" $S/reports/eu              # 200
//! curl -i -H "$H" $S/reports/us           # 403, error="insufficient_scope"
//! curl -H "$H" "$S/reports?region=eu"     # 200
//! curl -i -H "$H" "$S/reports?region=us"  # 403; also without `region`: the right is constrained
//! curl -i -H "Authorization: Bearer x.y.z" $S/me  # 401, error="invalid_token"
//! curl -i -H "$H" $S/admin                # 403: no policy route (default deny)
//! ```

use std::net::SocketAddr;

use axum::extract::{Path, Query};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tessera_guard::tower::GuardLayer;
use tessera_guard::{AccessClaims, Config, Method, Policy, Requirement, Validator};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The example's settings, from the environment.
struct Settings {
    issuer: String,
    audience: String,
    listen: SocketAddr,
    policy_file: Option<String>,
}

impl Settings {
    fn from_env() -> Result<Self, BoxError> {
        let var = |name: &str, default: &str| std::env::var(name).unwrap_or(default.to_owned());
        let listen = var("GUARD_LISTEN", "127.0.0.1:4000");
        Ok(Self {
            issuer: var("TESSERA_ISSUER", "http://127.0.0.1:8080"),
            audience: var("GUARD_AUDIENCE", "http://127.0.0.1:4000/reports"),
            listen: listen
                .parse()
                .map_err(|e| format!("GUARD_LISTEN `{listen}`: {e}"))?,
            policy_file: std::env::var("GUARD_POLICY").ok(),
        })
    }
}

/// The routes and what each needs; anything else is refused (default deny).
fn policy(file: Option<&str>) -> Result<Policy, BoxError> {
    if let Some(path) = file {
        return Ok(Policy::from_toml_file(path)?);
    }
    Ok(Policy::builder()
        .public(Method::Get, "/health")
        // No requirement: any valid token for this audience.
        .route(Method::Get, "/me", [])
        .route(
            Method::Get,
            "/reports/{region}",
            [Requirement::right("reports:read").bind_path("region")],
        )
        .route(
            Method::Get,
            "/reports",
            [Requirement::right("reports:read").bind_query("region")],
        )
        .build()?)
}

async fn health() -> &'static str {
    "ok"
}

/// Who called: the token's subject (a user, or the app itself with client credentials). The
/// layer inserted the claims; on a route it guards they are always there.
async fn me(Extension(claims): Extension<AccessClaims>) -> Json<Value> {
    Json(json!({
        "sub": claims.sub,
        "client_id": claims.client_id,
        "org": claims.org,
        "roles": claims.roles,
        "rights": claims.rights,
    }))
}

/// The layer has checked `reports:read` for this region before the handler runs.
async fn region_reports(Path(region): Path<String>) -> Json<Value> {
    Json(json!({ "region": region, "reports": ["q1", "q2"] }))
}

#[derive(Deserialize)]
struct ReportsQuery {
    region: Option<String>,
}

/// The layer has checked every `region` value of the query; a request without one passes only
/// when the caller's `reports:read` is not constrained on `region`.
async fn reports(Query(query): Query<ReportsQuery>) -> Json<Value> {
    let region = query.region.unwrap_or_else(|| "all".to_owned());
    Json(json!({ "region": region, "reports": ["q1", "q2"] }))
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let settings = Settings::from_env()?;
    let policy = policy(settings.policy_file.as_deref())?;
    // The builder takes `http://` only on a loopback host (a local Tessera); anywhere else it
    // requires https. `allow_insecure_http(true)` would lift that for every host: don't.
    let config = Config::builder(&settings.issuer)
        .audience(&settings.audience)
        .build()?;
    // Fetches discovery and the JWKS once: a wrong issuer stops the service here.
    let validator = Validator::new(config).await?;
    let app = Router::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/reports/{region}", get(region_reports))
        .route("/reports", get(reports))
        // Added last, so it wraps every route and the fallback: a request no route matches
        // is refused by the policy (403, default deny) before axum would answer 404.
        .layer(GuardLayer::new(validator.clone(), policy).realm("reports"));
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    tracing::info!(
        issuer = %settings.issuer,
        audience = %settings.audience,
        jwks = %validator.jwks_url(),
        "listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // Ctrl-C stops accepting and lets in-flight requests finish.
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
