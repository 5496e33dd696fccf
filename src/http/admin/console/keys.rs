//! `/keys`: the signing key ring (never a private part) and its rotation, as
//! `tessera keys list|rotate` and the API show and change it (DESIGN.md "Keys"): a scheduled
//! rotation publishes the successor first; "now" makes it sign at once (a compromised key), and
//! may also take the previous key out of the JWKS.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::{self, Action, Forms, Nav, Posted};
use super::{done, page, refuse_forged, server_error, when};
use crate::crypto::keyring::SigningAlg;
use crate::http::admin::auth::Actor;
use crate::http::form::{FieldErrors, FormData, Select};
use crate::state::AppState;

pub const LIST: &str = "/keys";
const ROTATE: &str = "/keys/rotate";

/// A key of the ring.
struct KeyRow {
    kid: String,
    alg: String,
    state: String,
    created: String,
    activates: String,
    retired: String,
    removes: String,
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage {
    nav: Nav,
    notice: Option<&'static str>,
    top_errors: Vec<String>,
    keys: Vec<KeyRow>,
    rotate: Option<Action>,
    alg: Select,
    is_now: bool,
    is_remove_previous: bool,
    remove_previous_error: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    render(&req, &state, &actor, Posted::default()).await
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    posted: Posted,
) -> HttpResponse {
    let forms = Forms::new(req, state, actor.role);
    let keys = match state.keys.list().await {
        Ok(keys) => keys,
        Err(err) => return server_error(forms, &err),
    };
    let never = || "—".to_owned();
    let mut algs = vec![(String::new(), "Every configured algorithm".to_owned())];
    algs.extend(
        state
            .settings
            .keys
            .algorithms
            .iter()
            .map(|a| (a.as_str().to_owned(), a.as_str().to_owned())),
    );
    let data = KeysPage {
        nav: forms.nav("keys"),
        notice: forms::notice(req),
        top_errors: posted.top_errors(&["alg", "remove_previous"]),
        keys: keys
            .into_iter()
            .map(|k| KeyRow {
                kid: k.kid,
                alg: k.alg,
                state: k.state,
                created: when(k.created_at),
                activates: when(k.activates_at),
                retired: k.retired_at.map_or_else(never, when),
                removes: k.removes_at.map_or_else(never, when),
            })
            .collect(),
        rotate: forms.action(state, ROTATE, &[]),
        alg: posted.select("alg", "Algorithm", algs, ""),
        is_now: posted.is_ticked("now"),
        is_remove_previous: posted.is_ticked("remove_previous"),
        remove_previous_error: posted.errors.field("remove_previous"),
    };
    page(posted.status(), &data, forms.new_cookie)
}

pub async fn rotate(
    req: HttpRequest,
    body: web::Bytes,
    actor: web::ReqData<Actor>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = FormData::parse(&body);
    if let Some(res) = refuse_forged(&req, &state, ROTATE, &form, LIST) {
        return res;
    }
    let is_now = form.is_ticked("now");
    let remove_previous = form.is_ticked("remove_previous");
    let mut errors = FieldErrors::default();
    if remove_previous && !is_now {
        errors.add(
            "remove_previous",
            "the previous key can only be taken out when its successor signs now",
        );
    }
    let configured = &state.settings.keys.algorithms;
    let algs: Vec<SigningAlg> = match form.get("alg") {
        "" => configured.clone(),
        text => match text.parse::<SigningAlg>() {
            Ok(alg) if configured.contains(&alg) => vec![alg],
            Ok(alg) => {
                errors.add("alg", format!("{alg} is not in keys.algorithms"));
                Vec::new()
            }
            Err(err) => {
                errors.add("alg", err.to_string());
                Vec::new()
            }
        },
    };
    if !errors.is_empty() {
        return render(&req, &state, &actor, Posted::refused(form, errors)).await;
    }
    for alg in &algs {
        if let Err(err) = state.keys.rotate(*alg, is_now, remove_previous).await {
            return server_error(Forms::new(&req, &state, actor.role), &err);
        }
    }
    // Serve the new keys from this instance at once; others pick them up at their next sync.
    if let Err(err) = state.keys.sync().await {
        tracing::warn!(error = %err, "key ring sync after rotation failed");
    }
    tracing::info!(actor = %actor.subject, count = algs.len(), is_now, "operator rotated signing keys from the console");
    done(LIST, "rotated")
}
