//! What the public listener's hosted pages and the admin console share: rendering a page with its
//! security headers, and opening a login-session cookie.

use actix_web::cookie::Cookie;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::identity;
use crate::state::AppState;
use crate::store::sessions::SessionRow;

/// Renders `template` under the content security policy `csp`, never cached, never framed.
pub fn render(
    status: StatusCode,
    template: &impl Template,
    cookie: Option<Cookie<'static>>,
    csp: &'static str,
) -> HttpResponse {
    match template.render() {
        Ok(html) => {
            let mut res = HttpResponse::build(status);
            res.content_type("text/html; charset=utf-8")
                .insert_header((CONTENT_SECURITY_POLICY, csp))
                .insert_header((CACHE_CONTROL, "no-store"))
                .insert_header(("X-Frame-Options", "DENY"));
            if let Some(c) = cookie {
                res.cookie(c);
            }
            res.body(html)
        }
        Err(err) => {
            tracing::error!(error = %err, "template rendering failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The live session a session cookie's value opens to, if its subject is `sub_prefix` followed by
/// the session's user (the two listeners use different prefixes, so one's cookie never opens a
/// session on the other) and neither the cookie nor the session row has expired or ended.
pub async fn live_session(
    state: &AppState,
    cookie_value: &str,
    sub_prefix: &str,
) -> Option<SessionRow> {
    let claims = state.session_cookies.open(cookie_value)?;
    let user_id = claims.sub.strip_prefix(sub_prefix)?;
    let now = state.clock.now();
    if claims.exp <= now.timestamp() {
        return None;
    }
    let session = identity::find_live_session(&state.dbs.ops, &claims.sid, now)
        .await
        .ok()
        .flatten()?;
    (session.user_id == user_id).then_some(session)
}
