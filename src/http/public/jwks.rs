//! `GET /jwks` (RFC 7517 §5): served from bytes cached in memory, rebuilt when the ring changes,
//! with a strong ETag and `304 Not Modified` on a matching `If-None-Match` (RFC 9110 §13.1.2).

use actix_web::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::state::AppState;

pub async fn key_set(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let doc = state.keys.jwks();
    let cache = format!(
        "public, max-age={}",
        state.settings.keys.jwks_max_age.as_secs()
    );
    // Several If-None-Match lines form one list (RFC 9110 §5.3).
    let is_fresh = req
        .headers()
        .get_all(IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| doc.matches_if_none_match(v));
    let mut res = if is_fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((ETAG, doc.etag.clone()))
        .insert_header((CACHE_CONTROL, cache));
    if is_fresh {
        res.finish()
    } else {
        res.content_type("application/json").body(doc.body.clone())
    }
}
