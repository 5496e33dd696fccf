//! Who is calling the admin listener: an app with a `tessera:admin` bearer token, or an operator
//! signed in on the console (its own cookie, distinct from the public listener's). Then whether
//! that subject is an operator with the rule's role.

use actix_web::body::BoxBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpRequest, HttpResponse};

use crate::access::Subject;
use crate::crypto::session_cookie::SessionClaims;
use crate::http::error::{admin_error, admin_server_error};
use crate::operators::{self, AdminBearerError, OperatorRole};
use crate::state::AppState;
use crate::store::sessions::SessionRow;

/// The console's session cookie. Cookies do not keep ports apart, so the admin listener's cookies
/// are named apart from the public listener's.
pub const SESSION_COOKIE: &str = "tessera_admin_session";
/// The console's CSRF cookie.
pub const CSRF_COOKIE: &str = "tessera_admin_csrf";
/// Names an operator's sign-in waiting for its second factor (no session exists yet).
pub const PENDING_COOKIE: &str = "tessera_admin_pending";
/// Sealed into the admin cookie's `sub` before the user id, so that a public-listener session
/// cookie can never pass here, nor an admin one there.
const ADMIN_SUB_PREFIX: &str = "admin:";
/// A console session's unsafe API requests must carry this header: a cross-site page cannot set
/// it without a CORS preflight, which this listener never grants.
pub const CSRF_HEADER: &str = "X-Requested-With";

/// The operator making this request, for handlers (`web::ReqData<Actor>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub subject: Subject,
    pub role: OperatorRole,
}

/// What a request without credentials gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// 401 JSON with `WWW-Authenticate: Bearer` (API clients).
    Unauthorized,
    /// A redirect to the console's sign-in page (browsers).
    SignIn,
}

fn unauthorized(error: Option<&str>, description: &str) -> HttpResponse {
    let challenge = match error {
        Some(code) => format!("Bearer realm=\"tessera-admin\", error=\"{code}\""),
        None => "Bearer realm=\"tessera-admin\"".to_owned(),
    };
    let mut res = admin_error(StatusCode::UNAUTHORIZED, "unauthorized", description);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    res
}

fn forbidden(description: &str) -> HttpResponse {
    admin_error(StatusCode::FORBIDDEN, "forbidden", description)
}

/// Why a request was not let through.
enum Denied {
    Response(HttpResponse),
    NoCredentials,
}

/// The subject the request authenticates as, and whether by console session.
async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<(Subject, bool), Denied> {
    if let Some(header) = req.headers().get(AUTHORIZATION) {
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| {
                Denied::Response(unauthorized(
                    Some("invalid_request"),
                    "use Authorization: Bearer with an access token",
                ))
            })?;
        let verified = operators::verify_admin_bearer(
            &state.dbs.ops,
            &state.keys,
            &state.apps,
            &state.settings.issuer,
            token,
            state.clock.now(),
        )
        .await;
        return match verified {
            Ok(client_id) => Ok((Subject::App(client_id), false)),
            Err(AdminBearerError::InvalidToken) => Err(Denied::Response(unauthorized(
                Some("invalid_token"),
                &AdminBearerError::InvalidToken.to_string(),
            ))),
            Err(err @ AdminBearerError::InsufficientScope) => {
                let mut res = admin_error(
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    &err.to_string(),
                );
                res.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    actix_web::http::header::HeaderValue::from_static(
                        "Bearer realm=\"tessera-admin\", error=\"insufficient_scope\", scope=\"tessera:admin\"",
                    ),
                );
                Err(Denied::Response(res))
            }
            Err(err) => Err(Denied::Response(admin_server_error(&err))),
        };
    }
    match current_session(req, state).await {
        Some(session) => Ok((Subject::User(session.user_id), true)),
        None => Err(Denied::NoCredentials),
    }
}

/// The access check in front of every non-open rule: authenticates, then requires an operator
/// with at least `needed`.
pub async fn require(
    needed: OperatorRole,
    missing: Missing,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        let res = admin_server_error(&"no application state");
        return Ok(req.into_response(res));
    };
    let (subject, by_session) = match authenticate(req.request(), &state).await {
        Ok(found) => found,
        Err(Denied::Response(res)) => return Ok(req.into_response(res)),
        Err(Denied::NoCredentials) => {
            let res = match missing {
                Missing::Unauthorized => unauthorized(
                    None,
                    "sign in on the admin console or send a bearer token with tessera:admin",
                ),
                Missing::SignIn => HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/login"))
                    .finish(),
            };
            return Ok(req.into_response(res));
        }
    };
    let operator = match operators::find_operator(&state.dbs.ops, &subject).await {
        Ok(Some(operator)) => operator,
        Ok(None) => {
            tracing::info!(%subject, "admin request refused: not an operator");
            return Ok(req.into_response(forbidden("this account is not an operator")));
        }
        Err(err) => return Ok(req.into_response(admin_server_error(&err))),
    };
    if !operator.role.covers(needed) {
        tracing::info!(%subject, role = %operator.role, %needed, "admin request refused: role");
        let text = format!("this needs the {needed} operator role or higher");
        return Ok(req.into_response(forbidden(&text)));
    }
    let is_safe = matches!(req.method().as_str(), "GET" | "HEAD");
    // A console page's form cannot set a header; it carries a per-form CSRF token instead,
    // which its handler checks (`console::forms`).
    let is_api = missing == Missing::Unauthorized;
    if by_session && is_api && !is_safe && !req.headers().contains_key(CSRF_HEADER) {
        let text = format!("console requests that change something must send {CSRF_HEADER}");
        return Ok(req.into_response(forbidden(&text)));
    }
    req.extensions_mut().insert(Actor {
        subject,
        role: operator.role,
    });
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn cookie(req: &HttpRequest, name: &str, value: String) -> Cookie<'static> {
    // The admin listener is usually plain http on an internal network; `Secure` when it is not.
    let is_https = req.connection_info().scheme() == "https";
    Cookie::build(name.to_owned(), value)
        .path("/")
        .http_only(true)
        .secure(is_https)
        .same_site(SameSite::Strict)
        .finish()
}

/// The console's live session, if its cookie opens and its row is neither ended nor expired.
pub async fn current_session(req: &HttpRequest, state: &AppState) -> Option<SessionRow> {
    let raw = req.cookie(SESSION_COOKIE)?;
    crate::http::page::live_session(state, raw.value(), ADMIN_SUB_PREFIX).await
}

/// The console session cookie for a new session.
pub fn session_cookie(
    req: &HttpRequest,
    state: &AppState,
    session: &SessionRow,
) -> Option<Cookie<'static>> {
    let claims = SessionClaims {
        sid: session.id.clone(),
        sub: format!("{ADMIN_SUB_PREFIX}{}", session.user_id),
        auth_time: session.auth_time.timestamp(),
        exp: session.expires_at.timestamp(),
    };
    let mut c = cookie(req, SESSION_COOKIE, state.session_cookies.seal(&claims)?);
    c.set_expires(actix_web::cookie::time::OffsetDateTime::from_unix_timestamp(claims.exp).ok());
    Some(c)
}

/// A cookie that removes the console session cookie.
pub fn clear_session_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut c = cookie(req, SESSION_COOKIE, String::new());
    c.make_removal();
    c
}

/// The cookie naming a pending console sign-in; it lives no longer than the sign-in.
pub fn pending_cookie(req: &HttpRequest, token: &secrecy::SecretString) -> Cookie<'static> {
    use secrecy::ExposeSecret;
    let mut c = cookie(req, PENDING_COOKIE, token.expose_secret().to_owned());
    let ttl = i64::try_from(crate::identity::PENDING_LOGIN_TTL.as_secs()).unwrap_or(300);
    c.set_max_age(actix_web::cookie::time::Duration::seconds(ttl));
    c
}

/// The browser's pending console sign-in token, if it has one.
pub fn pending_token(req: &HttpRequest) -> Option<secrecy::SecretString> {
    req.cookie(PENDING_COOKIE)
        .filter(|c| !c.value().is_empty())
        .map(|c| secrecy::SecretString::from(c.value().to_owned()))
}

/// A cookie that removes the pending console sign-in cookie.
pub fn clear_pending_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut c = cookie(req, PENDING_COOKIE, String::new());
    c.make_removal();
    c
}

/// The browser's console CSRF cookie value, and a new cookie to set when it had none.
pub fn csrf_cookie(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if !c.value().is_empty() => (c.value().to_owned(), None),
        _ => {
            let value = crate::crypto::random::token::<16>();
            (value.clone(), Some(cookie(req, CSRF_COOKIE, value)))
        }
    }
}
