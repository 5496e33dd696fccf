//! actix-web 4 integration (feature `actix`, on by default): the [`Guard`] middleware and the
//! [`Claims`] extractor.
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer};
//! use tessera_guard::actix::{Claims, Guard};
//! use tessera_guard::{Config, Method, Policy, Requirement, Validator};
//!
//! async fn report(claims: Claims, region: web::Path<String>) -> String {
//!     format!("{} may read {region}", claims.sub)
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder("https://id.example.com")
//!     .audience("https://api.example.com/reports")
//!     .build()?;
//! let policy = Policy::builder()
//!     .public(Method::Get, "/health")
//!     .route(
//!         Method::Get,
//!         "/reports/{region}",
//!         [Requirement::right("reports:read").bind_path("region")],
//!     )
//!     .build()?;
//! let guard = Guard::new(Validator::new(config).await?, policy).realm("reports");
//! HttpServer::new(move || {
//!     App::new()
//!         .wrap(guard.clone())
//!         .route("/health", web::get().to(|| async { "ok" }))
//!         .route("/reports/{region}", web::get().to(report))
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Per request the guard asks the [`Policy`] first, without claims:
//! - a public route passes; a token sent to it is **not looked at** (neither validated nor
//!   stored), so a stale token in a browser does not break public pages; handlers of public
//!   routes cannot extract [`Claims`];
//! - a route no policy entry matches (or an unsupported method) is `403` (default deny), also
//!   without looking at the token;
//! - a protected route needs `Authorization: Bearer <token>` (scheme case-insensitive): none is
//!   `401` with `WWW-Authenticate: Bearer realm="..."`; a malformed header or a token the
//!   [`Validator`] refuses is `401` with `error="invalid_token"`; keys that cannot be fetched
//!   and an introspection endpoint that cannot answer are `503`; then the policy decides with
//!   the verified claims (`403` with `error="insufficient_scope"` when a right is missing) and
//!   the claims are stored in the request extensions for [`Claims`].
//!
//! Every refusal has a small JSON body `{"error": ..., "error_description": ...}`.

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use crate::bearer::{self, Refusal, DEFAULT_REALM};
use crate::claims::AccessClaims;
use crate::error::AuthError;
use crate::policy::Policy;
use crate::validate::Validator;

/// The middleware: `App::new().wrap(Guard::new(validator, policy))`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Guard {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    validator: Validator,
    policy: Policy,
    realm: String,
}

impl Guard {
    /// Guards every route with `policy`, validating tokens with `validator`; realm `"api"`.
    pub fn new(validator: Validator, policy: Policy) -> Self {
        Self {
            inner: Arc::new(Inner {
                validator,
                policy,
                realm: DEFAULT_REALM.to_owned(),
            }),
        }
    }

    /// The `realm` of the `WWW-Authenticate` challenges.
    pub fn realm(self, realm: impl Into<String>) -> Self {
        let inner = Inner {
            validator: self.inner.validator.clone(),
            policy: self.inner.policy.clone(),
            realm: realm.into(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }
}

impl Inner {
    /// `Ok(Some(claims))` to pass with verified claims, `Ok(None)` to pass a public route.
    async fn check(&self, req: &ServiceRequest) -> Result<Option<AccessClaims>, Rejection> {
        let authorization = req
            .headers()
            .get_all(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        bearer::check(
            &self.validator,
            &self.policy,
            req.method().as_str(),
            req.uri().path(),
            req.query_string(),
            authorization,
        )
        .await
        .map_err(|refusal| Rejection {
            refusal,
            realm: Some(self.realm.clone()),
        })
    }
}

impl<S, B> Transform<S, ServiceRequest> for Guard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = GuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardService {
            service: Rc::new(service),
            inner: self.inner.clone(),
        }))
    }
}

/// The service [`Guard`] wraps around the application.
pub struct GuardService<S> {
    service: Rc<S>,
    inner: Arc<Inner>,
}

impl<S, B> Service<ServiceRequest> for GuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            match inner.check(&req).await {
                Ok(Some(claims)) => {
                    req.extensions_mut().insert(claims);
                }
                Ok(None) => {}
                Err(rejection) => {
                    let response = rejection.error_response();
                    return Ok(req.into_response(response).map_into_right_body());
                }
            }
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}

/// The verified claims of the request's token, stored by [`Guard`]. Extracting it fails with
/// `401` when there are none: a public route, or a route not behind the guard.
#[derive(Debug, Clone)]
pub struct Claims(pub AccessClaims);

impl FromRequest for Claims {
    type Error = Rejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = req.extensions().get::<AccessClaims>().cloned();
        ready(claims.map(Claims).ok_or(Rejection {
            refusal: Refusal::Auth(AuthError::MissingToken),
            realm: None,
        }))
    }
}

impl std::ops::Deref for Claims {
    type Target = AccessClaims;

    fn deref(&self) -> &AccessClaims {
        &self.0
    }
}

/// A refused request, answered per RFC 6750 §3 with a JSON body.
#[derive(Debug, Clone)]
pub struct Rejection {
    refusal: Refusal,
    realm: Option<String>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.refusal.fmt(f)
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.refusal.status()).unwrap_or(StatusCode::UNAUTHORIZED)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::build(self.status_code());
        for (name, value) in self.refusal.headers(self.realm.as_deref()) {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.insert_header((name, value));
            }
        }
        response.json(self.refusal.body())
    }
}

#[cfg(test)]
mod tests;
