//! CORS (Fetch standard) on the endpoints a browser app may call directly: token, revocation,
//! introspection, userinfo, JWKS and discovery (RFC 9700 §2.6 and §4.11; never authorize). Only
//! origins some app lists in its domain protection get CORS headers; the app named by the request
//! is then checked against its own list (`protect.rs`), so a listed origin of another app is
//! still refused.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::state::AppState;

/// How long a browser may cache a preflight answer.
const MAX_AGE_SECS: &str = "600";

/// The methods each CORS endpoint answers.
fn methods_for(path: &str) -> &'static str {
    match path {
        "/.well-known/openid-configuration" | "/jwks" => "GET, HEAD",
        "/userinfo" => "GET, POST",
        _ => "POST",
    }
}

fn is_known(req: &actix_web::HttpRequest, origin: &str) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.apps.is_known_origin(origin))
}

/// Answers preflights and adds CORS headers for listed origins.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(origin) = origin else {
        // `Vary` on every answer: a cached non-CORS answer must not serve a CORS request.
        let mut res = next.call(req).await?.map_into_boxed_body();
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
        return Ok(res);
    };
    let requested_method = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if req.method() == Method::OPTIONS {
        if let Some(method) = requested_method {
            let methods = methods_for(req.path());
            let allowed =
                is_known(req.request(), &origin) && methods.split(", ").any(|m| m == method);
            let response = if allowed {
                HttpResponse::NoContent()
                    .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str()))
                    .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
                    .insert_header((
                        header::ACCESS_CONTROL_ALLOW_HEADERS,
                        "Authorization, Content-Type",
                    ))
                    .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECS))
                    .insert_header((header::VARY, "Origin"))
                    .finish()
            } else {
                tracing::warn!(
                    protection = "domain",
                    %origin,
                    "CORS preflight refused: no app allows this origin"
                );
                HttpResponse::Forbidden()
                    .insert_header((header::VARY, "Origin"))
                    .json(serde_json::json!({
                        "error": "access_denied",
                        "error_description": "domain protection: this origin is not allowed",
                    }))
            };
            return Ok(req.into_response(response));
        }
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    // Checked after the handler, which may have just loaded the app that lists this origin.
    let known = is_known(res.request(), &origin);
    let headers = res.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if known {
        if let Ok(value) = HeaderValue::from_str(&origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("WWW-Authenticate"),
            );
        }
    }
    Ok(res)
}
