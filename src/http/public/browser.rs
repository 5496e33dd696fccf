//! The browser side of the hosted pages: cookies (session, CSRF), page rendering with a strict
//! CSP, and the response to the app (redirect or form post).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use tracing_actix_web::RequestId;

use super::texts::Texts;
use crate::crypto::random;
use crate::crypto::session_cookie::SessionClaims;
use crate::identity;
use crate::oauth::authorize::{AuthorizationResponse, ResponseMode};
use crate::state::AppState;
use crate::store::sessions::SessionRow;

/// Pages allow our own stylesheet, images over https (an app's logo on the consent page) and
/// nothing else (no script, no framing).
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' https:; frame-ancestors 'none'; base-uri 'none'";
/// The cookie naming a sign-in that waits for its second factor.
const PENDING_LOGIN_COOKIE: &str = "tessera_pending_login";
/// The one inline script of the form-post page.
const FORM_POST_SCRIPT: &str = "document.forms[0].submit()";

fn is_https(state: &AppState) -> bool {
    state.settings.issuer.starts_with("https://")
}

/// `__Host-` cookies on https (RFC 6265bis §4.1.3.2).
fn cookie_name(state: &AppState, base: &str) -> String {
    if is_https(state) {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

fn cookie<'a>(state: &AppState, base: &str, value: String) -> Cookie<'a> {
    Cookie::build(cookie_name(state, base), value)
        .path("/")
        .http_only(true)
        .secure(is_https(state))
        .same_site(SameSite::Lax)
        .finish()
}

/// The browser's CSRF cookie value, and a new cookie to set when it had none.
pub fn csrf_cookie(req: &HttpRequest, state: &AppState) -> (String, Option<Cookie<'static>>) {
    match req.cookie(&cookie_name(state, "tessera_csrf")) {
        Some(c) if !c.value().is_empty() => (c.value().to_owned(), None),
        _ => {
            let value = random::token::<16>();
            (value.clone(), Some(cookie(state, "tessera_csrf", value)))
        }
    }
}

/// Where a sign-in with an email and password got to.
pub enum PasswordSignIn {
    /// Signed in: a session for a user without a second factor.
    SignedIn(SessionRow),
    /// The password was right and the user has a second factor: the code page comes next, and
    /// this cookie names the pending sign-in. No session exists yet.
    NeedsCode(Cookie<'static>),
    /// Unknown email, disabled user or wrong password, all alike.
    Failed,
}

/// Checks an email and password and starts a login session, or for a user with a second factor
/// a pending sign-in that continues at `return_to` (our own path) once the code is right. Every
/// kind of failure is the same `Failed`, after the same work (DESIGN.md "Hosted pages").
pub async fn sign_in_with_password(
    state: &AppState,
    email: &str,
    password: secrecy::SecretString,
    return_to: &str,
    ui_locales: Option<&str>,
) -> Result<PasswordSignIn, identity::MfaError> {
    let now = state.clock.now();
    let verified = identity::verify_credentials(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        email,
        password,
        now,
    )
    .await?;
    let Some(user_id) = verified else {
        return Ok(PasswordSignIn::Failed);
    };
    if identity::has_mfa(&state.dbs.accounts, &user_id).await? {
        let token =
            identity::start_pending_login(&state.dbs.ops, &user_id, return_to, ui_locales, now)
                .await?;
        return Ok(PasswordSignIn::NeedsCode(pending_login_cookie(
            state, token,
        )));
    }
    let session = identity::start_session(
        &state.dbs.ops,
        &user_id,
        vec!["pwd".into()],
        now,
        state.settings.tokens.session_ttl,
    )
    .await?;
    Ok(PasswordSignIn::SignedIn(session))
}

/// The cookie naming a pending sign-in; it lives no longer than the sign-in.
fn pending_login_cookie(state: &AppState, token: secrecy::SecretString) -> Cookie<'static> {
    use secrecy::ExposeSecret;
    let mut c = cookie(
        state,
        PENDING_LOGIN_COOKIE,
        token.expose_secret().to_owned(),
    );
    let ttl = i64::try_from(identity::PENDING_LOGIN_TTL.as_secs()).unwrap_or(300);
    c.set_max_age(actix_web::cookie::time::Duration::seconds(ttl));
    c
}

/// The browser's pending sign-in token, if it has one.
pub fn pending_login_token(req: &HttpRequest, state: &AppState) -> Option<secrecy::SecretString> {
    req.cookie(&cookie_name(state, PENDING_LOGIN_COOKIE))
        .filter(|c| !c.value().is_empty())
        .map(|c| secrecy::SecretString::from(c.value().to_owned()))
}

/// A cookie that removes the pending sign-in cookie.
pub fn clear_pending_login_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = cookie(state, PENDING_LOGIN_COOKIE, String::new());
    c.make_removal();
    c
}

/// The browser's live session, if its cookie opens and its row is neither ended nor expired.
pub async fn current_session(req: &HttpRequest, state: &AppState) -> Option<SessionRow> {
    let raw = req.cookie(&cookie_name(state, "tessera_session"))?;
    crate::http::page::live_session(state, raw.value(), "").await
}

/// The session cookie for a new session.
pub fn session_cookie(state: &AppState, session: &SessionRow) -> Option<Cookie<'static>> {
    let claims = SessionClaims {
        sid: session.id.clone(),
        sub: session.user_id.clone(),
        auth_time: session.auth_time.timestamp(),
        exp: session.expires_at.timestamp(),
    };
    let mut c = cookie(
        state,
        "tessera_session",
        state.session_cookies.seal(&claims)?,
    );
    c.set_expires(actix_web::cookie::time::OffsetDateTime::from_unix_timestamp(claims.exp).ok());
    Some(c)
}

/// A cookie that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = cookie(state, "tessera_session", String::new());
    c.make_removal();
    c
}

/// Renders a page with security headers.
pub fn page(
    status: StatusCode,
    template: &impl Template,
    cookie: Option<Cookie<'static>>,
) -> HttpResponse {
    crate::http::page::render(status, template, cookie, PAGE_CSP)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'static Texts,
    message: &'a str,
    request_id: String,
}

/// The texts for this request: `ui_locales` when the flow has one, else `Accept-Language`.
pub fn texts(req: &HttpRequest, ui_locales: Option<&str>) -> &'static Texts {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    super::texts::pick(ui_locales, accept)
}

/// The error page: for anything that must not be redirected to the app.
pub fn error_page(req: &HttpRequest, status: StatusCode, message: &str) -> HttpResponse {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string)
        .unwrap_or_default();
    tracing::info!(%status, message, "error page shown");
    page(
        status,
        &ErrorPage {
            t: texts(req, None),
            message,
            request_id,
        },
        None,
    )
}

/// A 303 to a path of ours.
pub fn see_other(location: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((LOCATION, location.to_owned()))
        .insert_header((CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.finish()
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPost<'a> {
    action: &'a str,
    fields: &'a [(String, String)],
}

/// Sends the authorization response to the app's redirect URI.
pub fn respond(response: &AuthorizationResponse) -> HttpResponse {
    match response.response_mode {
        ResponseMode::Query => see_other(&response.location(), Vec::new()),
        ResponseMode::FormPost => {
            let digest = STANDARD.encode(Sha256::digest(FORM_POST_SCRIPT.as_bytes()));
            let csp = format!("default-src 'none'; script-src 'sha256-{digest}'; form-action {}; frame-ancestors 'none'; base-uri 'none'", origin_of(&response.redirect_uri));
            let template = FormPost {
                action: &response.redirect_uri,
                fields: &response.params,
            };
            match template.render() {
                Ok(html) => HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .insert_header((CONTENT_SECURITY_POLICY, csp))
                    .insert_header((CACHE_CONTROL, "no-store"))
                    .body(html),
                Err(err) => {
                    tracing::error!(error = %err, "template rendering failed");
                    HttpResponse::InternalServerError().finish()
                }
            }
        }
    }
}

fn origin_of(uri: &str) -> String {
    url::Url::parse(uri)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "'none'".into())
}
