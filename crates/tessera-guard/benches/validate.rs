//! What the guard costs per request on top of the signature check itself:
//! `Validator::validate` with its key cached, against josekit's bare verification of the same
//! token (and bare verification plus parsing the payload into `AccessClaims`), for ES256
//! (Tessera's access tokens) and RS256; and, alone, the parts the guard adds.
//!
//! `cargo bench -p tessera-guard --bench validate`. Criterion is built without its async
//! support, so every variant runs through the same `rt.block_on(async { .. })` on one
//! current-thread tokio runtime: the wrapper's cost is the same on both sides of the
//! comparison. After criterion's report, an interleaved run prints the medians and the guard's
//! overhead in percent, which load drifting on a shared machine does not skew. The validator's
//! issuer is a tiny axum server on 127.0.0.1:0 (discovery and JWKS) on that runtime; the JWKS
//! is cached for an hour and the tokens expire in ten years, so the benchmarks measure only the
//! validation.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::header::CACHE_CONTROL;
use axum::routing::get;
use axum::{Json, Router};
use criterion::Criterion;
use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, JwsSigner, JwsVerifier, ES256, RS256};
use serde_json::json;
use tessera_guard::{AccessClaims, Config, Validator};
use tokio::runtime::Runtime;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const AUDIENCE: &str = "http://127.0.0.1:4000/reports";

/// One algorithm's key and token, and a bare verifier built from the published JWK.
struct Case {
    alg: &'static str,
    public: Jwk,
    token: String,
    verifier: Box<dyn JwsVerifier>,
}

impl Case {
    fn es256(issuer: &str) -> Result<Self, BoxError> {
        let pair = ES256.generate_key_pair()?;
        let mut public = pair.to_jwk_public_key();
        public.set_key_id("es256-1");
        public.set_algorithm("ES256");
        let signer = ES256.signer_from_der(pair.to_der_private_key())?;
        let verifier = ES256.verifier_from_jwk(&public)?;
        Self::new("ES256", public, &signer, Box::new(verifier), issuer)
    }

    fn rs256(issuer: &str) -> Result<Self, BoxError> {
        let pair = RS256.generate_key_pair(2048)?;
        let mut public = pair.to_jwk_public_key();
        public.set_key_id("rs256-1");
        public.set_algorithm("RS256");
        let signer = RS256.signer_from_der(pair.to_der_private_key())?;
        let verifier = RS256.verifier_from_jwk(&public)?;
        Self::new("RS256", public, &signer, Box::new(verifier), issuer)
    }

    fn new(
        alg: &'static str,
        public: Jwk,
        signer: &dyn JwsSigner,
        verifier: Box<dyn JwsVerifier>,
        issuer: &str,
    ) -> Result<Self, BoxError> {
        let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
        // A token like Tessera's for a resource, valid for ten years: never expires mid-run.
        let claims = json!({
            "iss": issuer,
            "sub": "3b0c3d4e-9f1a-4f5e-8a47-2f0e6c1d9b7a",
            "aud": AUDIENCE,
            "exp": now + 10 * 365 * 24 * 3600,
            "iat": now,
            "jti": "d3f1c7a2-55f4-4bb4-9b8e-0c1a2b3c4d5e",
            "client_id": "x1Yk3n9QpR2sT4uV6wX8yZ",
            "scope": "openid email",
            "org": "4f9c0a6e-1b3d-4c55-9a0e-2d7f7d7c2a10",
            "roles": ["analyst"],
            "rights": { "reports:read": { "region": ["eu"] }, "reports:write": {} }
        });
        let mut header = JwsHeader::new();
        header.set_token_type("at+jwt");
        header.set_key_id(public.key_id().unwrap_or_default());
        let token =
            josekit::jws::serialize_compact(&serde_json::to_vec(&claims)?, &header, signer)?;
        Ok(Self {
            alg,
            public,
            token,
            verifier,
        })
    }
}

/// Serves discovery and the JWKS of `keys` for `issuer` on `listener`, in the background.
fn serve(listener: tokio::net::TcpListener, issuer: &str, keys: &[&Jwk]) {
    let discovery = json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/jwks") });
    let jwks = json!({ "keys": keys });
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(discovery) }),
        )
        .route(
            "/jwks",
            get(move || async move { ([(CACHE_CONTROL, "public, max-age=3600")], Json(jwks)) }),
        );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("the benchmark's issuer stopped: {e}");
        }
    });
}

/// What one iteration does.
#[derive(Debug, Clone, Copy)]
enum Variant {
    /// josekit's `jws::deserialize_compact` with a verifier made from the published JWK.
    Verify,
    /// The same, then the payload parsed into `AccessClaims` as the guard does.
    VerifyParse,
    /// `Validator::validate`, key cached.
    Validate,
}

impl Variant {
    const ALL: [Variant; 3] = [Self::Verify, Self::VerifyParse, Self::Validate];

    fn name(self) -> &'static str {
        match self {
            Self::Verify => "josekit verify",
            Self::VerifyParse => "josekit verify + serde_json",
            Self::Validate => "Validator::validate",
        }
    }

    /// One validation of the case's token; every variant runs in the same `block_on`.
    fn run(self, rt: &Runtime, validator: &Validator, case: &Case) -> bool {
        let token = black_box(case.token.as_str());
        let verifier = &*case.verifier;
        match self {
            Self::Verify => {
                rt.block_on(async { josekit::jws::deserialize_compact(token, verifier).is_ok() })
            }
            Self::VerifyParse => rt.block_on(async {
                josekit::jws::deserialize_compact(token, verifier)
                    .ok()
                    .and_then(|(payload, _)| serde_json::from_slice::<AccessClaims>(&payload).ok())
                    .is_some()
            }),
            Self::Validate => rt.block_on(async { validator.validate(token).await.is_ok() }),
        }
    }
}

fn bench_case(c: &mut Criterion, rt: &Runtime, validator: &Validator, case: &Case) {
    let mut group = c.benchmark_group(case.alg);
    for variant in Variant::ALL {
        group.bench_function(variant.name(), |b| {
            b.iter(|| variant.run(rt, validator, case))
        });
    }
    group.finish();
}

/// What the guard adds before and around the signature check, measured alone.
fn bench_parts(c: &mut Criterion, case: &Case) {
    let mut group = c.benchmark_group("parts");
    group.bench_function("jwt::decode_header", |b| {
        b.iter(|| josekit::jwt::decode_header(black_box(case.token.as_str())).is_ok())
    });
    group.bench_function("SystemTime::now", |b| b.iter(SystemTime::now));
    group.finish();
}

/// Criterion measures one variant after the other, so load that drifts on a shared machine
/// skews the comparison. This interleaves short batches of the three variants (rotating their
/// order), so drift hits them alike, and prints the medians and the guard's overhead.
fn print_interleaved(rt: &Runtime, validator: &Validator, case: &Case) {
    const ROUNDS: usize = 400;
    const BATCH: u32 = 16;
    let mut per_iteration: [Vec<f64>; 3] = Default::default();
    for round in 0..ROUNDS {
        for i in 0..Variant::ALL.len() {
            let slot = (round + i) % Variant::ALL.len();
            let variant = Variant::ALL[slot];
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(variant.run(rt, validator, case));
            }
            per_iteration[slot].push(start.elapsed().as_secs_f64() * 1e6 / f64::from(BATCH));
        }
    }
    let ratios = |base: usize| {
        let mut r: Vec<f64> = (0..ROUNDS)
            .map(|i| per_iteration[2][i] / per_iteration[base][i])
            .collect();
        (median(&mut r) - 1.0) * 100.0
    };
    let (over_verify, over_parse) = (ratios(0), ratios(1));
    let [verify, parse, validate] = per_iteration.map(|mut t| median(&mut t));
    println!(
        "{} interleaved medians: josekit verify {verify:.1} µs, + serde_json {parse:.1} µs, \
         Validator::validate {validate:.1} µs; guard overhead {over_parse:+.1}% over verify + \
         serde_json, {over_verify:+.1}% over verify alone",
        case.alg
    );
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let issuer = format!("http://{}", listener.local_addr()?);
    let cases = [Case::es256(&issuer)?, Case::rs256(&issuer)?];
    let validator = rt.block_on(async {
        serve(
            listener,
            &issuer,
            &cases.iter().map(|c| &c.public).collect::<Vec<_>>(),
        );
        // http:// is accepted on a loopback host without `allow_insecure_http`.
        let config = Config::builder(&issuer)
            .audience(AUDIENCE)
            .jwks_ttl_bounds(Duration::from_secs(60), Duration::from_secs(3600))
            .build()?;
        Validator::new(config).await.map_err(BoxError::from)
    })?;
    // Benchmark the path that succeeds, not an early refusal.
    for case in &cases {
        rt.block_on(validator.validate(&case.token))
            .map_err(|e| format!("{}: the guard refuses the benchmark token: {e}", case.alg))?;
        let (payload, _) = josekit::jws::deserialize_compact(&case.token, &*case.verifier)?;
        serde_json::from_slice::<AccessClaims>(&payload)?;
    }

    let mut criterion = Criterion::default().configure_from_args();
    for case in &cases {
        bench_case(&mut criterion, &rt, &validator, case);
    }
    bench_parts(&mut criterion, &cases[0]);
    criterion.final_summary();
    // Not under `cargo test --benches`, which runs each benchmark once to check it works.
    if std::env::args().any(|a| a == "--bench") {
        for case in &cases {
            print_interleaved(&rt, &validator, case);
        }
    }
    Ok(())
}
