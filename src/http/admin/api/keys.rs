//! `/api/keys`: the signing key ring, as `tessera keys list|rotate` show and change it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::ErrorBody;
use crate::crypto::keyring::{KeySummary, RotateOutcome, SigningAlg};
use crate::http::error::{admin_error, admin_server_error};
use crate::state::AppState;

/// A key of the ring (never its private part).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct KeyBody {
    kid: String,
    alg: String,
    /// `next`, `active` or `retired`.
    state: String,
    created_at: DateTime<Utc>,
    activates_at: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
    removes_at: Option<DateTime<Utc>>,
}

impl From<KeySummary> for KeyBody {
    fn from(k: KeySummary) -> Self {
        Self {
            kid: k.kid,
            alg: k.alg,
            state: k.state,
            created_at: k.created_at,
            activates_at: k.activates_at,
            retired_at: k.retired_at,
            removes_at: k.removes_at,
        }
    }
}

/// Every key of the ring.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct KeyListBody {
    keys: Vec<KeyBody>,
}

/// What to rotate; an empty body rotates every configured algorithm on the schedule.
#[derive(serde::Deserialize, Default, utoipa::ToSchema)]
pub struct RotateBody {
    /// Only this algorithm (ES256, RS256, PS256, EdDSA), which must be in `keys.algorithms`.
    #[serde(default)]
    #[schema(pattern = "^(?:ES256|RS256|PS256|EdDSA)$", example = "ES256")]
    alg: Option<String>,
    /// The successor signs at once (for a compromised key).
    #[serde(default)]
    now: bool,
    /// With `now`: also take the previous key out of the JWKS.
    #[serde(default)]
    remove_previous: bool,
}

/// What a rotation did for one algorithm.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RotatedBody {
    alg: String,
    kid: String,
    /// `next` (signs from `activates_at`) or `active`.
    state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    activates_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retired: Option<String>,
}

/// Every rotation done.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RotateResultBody {
    rotated: Vec<RotatedBody>,
}

#[utoipa::path(
    get, path = "/api/keys", tag = "keys",
    responses(
        (status = 200, description = "The key ring", body = KeyListBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    match state.keys.list().await {
        Ok(keys) => HttpResponse::Ok().json(KeyListBody {
            keys: keys.into_iter().map(Into::into).collect(),
        }),
        Err(err) => admin_server_error(&err),
    }
}

fn bad_request(text: &str) -> HttpResponse {
    admin_error(StatusCode::BAD_REQUEST, "invalid_request", text)
}

#[utoipa::path(
    post, path = "/api/keys/rotate", tag = "keys",
    request_body(
        content = Option<RotateBody>,
        description = "Optional: an absent or empty body (or `null`) rotates every configured algorithm on the schedule",
        content_type = "application/json"
    ),
    responses(
        (status = 200, description = "Rotated", body = RotateResultBody),
        (status = 400, description = "Bad algorithm or options", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Needs the admin operator role", body = ErrorBody),
    ),
    security(("bearer" = []), ("console_session" = []))
)]
pub async fn rotate(body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    // An absent or empty (whitespace only) body, whatever the content type says, or a JSON
    // `null` means the defaults; a body that does not parse is refused, never defaulted.
    let body: RotateBody = if body.iter().all(u8::is_ascii_whitespace) {
        RotateBody::default()
    } else {
        match serde_json::from_slice::<Option<RotateBody>>(&body) {
            Ok(body) => body.unwrap_or_default(),
            Err(err) => return bad_request(&format!("the body is not a valid rotation: {err}")),
        }
    };
    if body.remove_previous && !body.now {
        return bad_request("remove_previous needs now");
    }
    let configured = &state.settings.keys.algorithms;
    let algs: Vec<SigningAlg> = match &body.alg {
        Some(text) => match text.parse::<SigningAlg>() {
            Ok(alg) if configured.contains(&alg) => vec![alg],
            Ok(alg) => {
                return bad_request(&format!(
                    "{alg} is not in keys.algorithms; add it there to give it a key"
                ))
            }
            Err(err) => return bad_request(&err.to_string()),
        },
        None => configured.clone(),
    };
    let mut rotated = Vec::new();
    for alg in algs {
        let outcome = match state.keys.rotate(alg, body.now, body.remove_previous).await {
            Ok(outcome) => outcome,
            Err(err) => return admin_server_error(&err),
        };
        let alg = alg.as_str().to_owned();
        rotated.push(match outcome {
            RotateOutcome::Scheduled { kid, activates_at }
            | RotateOutcome::AlreadyScheduled { kid, activates_at } => RotatedBody {
                alg,
                kid,
                state: "next".into(),
                activates_at: Some(activates_at),
                retired: None,
            },
            RotateOutcome::Activated { kid, retired } => RotatedBody {
                alg,
                kid,
                state: "active".into(),
                activates_at: None,
                retired,
            },
        });
    }
    // Serve the new keys from this instance at once; others pick them up at their next sync.
    if let Err(err) = state.keys.sync().await {
        tracing::warn!(error = %err, "key ring sync after rotation failed");
    }
    tracing::info!(
        count = rotated.len(),
        "signing keys rotated through the admin API"
    );
    HttpResponse::Ok().json(RotateResultBody { rotated })
}
