//! tower 0.5 integration (feature `tower`): the [`GuardLayer`] for services over `http` 1.x
//! requests (axum, hyper, tonic), deciding exactly as the actix middleware does.
//!
//! ```ignore
//! let layer = GuardLayer::new(validator, policy).realm("reports");
//! let app = axum::Router::new().route("/reports/{region}", get(report)).layer(layer);
//! ```
//!
//! Per request the layer asks the [`Policy`] first, without claims:
//! - a public route passes; a token sent to it is **not looked at** (neither validated nor
//!   stored);
//! - a route no policy entry matches (or an unsupported method) is `403` (default deny), also
//!   without looking at the token;
//! - a protected route needs `Authorization: Bearer <token>` (scheme case-insensitive): none is
//!   `401` with `WWW-Authenticate: Bearer realm="..."`; a malformed header or a token the
//!   [`Validator`] refuses is `401` with `error="invalid_token"`; keys that cannot be fetched
//!   and an introspection endpoint that cannot answer are `503`; then the policy decides with
//!   the verified claims (`403` with `error="insufficient_scope"` when a right is missing) and
//!   the verified [`AccessClaims`](crate::AccessClaims) are inserted into the request
//!   extensions.
//!
//! Every refusal has a small JSON body `{"error": ..., "error_description": ...}`; the inner
//! service's response body type must be buildable from it (`ResBody: From<String>`, as are
//! `String`, axum's `Body` and `http_body_util::Full<Bytes>`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tower::{Layer, Service};
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use http::{Request, Response, StatusCode};

use crate::bearer::{self, Refusal, DEFAULT_REALM};
use crate::policy::Policy;
use crate::validate::Validator;

/// The layer: `ServiceBuilder::new().layer(GuardLayer::new(validator, policy))`. Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct GuardLayer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    validator: Validator,
    policy: Policy,
    realm: String,
}

impl GuardLayer {
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

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, service: S) -> GuardService<S> {
        GuardService {
            service,
            inner: self.inner.clone(),
        }
    }
}

/// The service [`GuardLayer`] wraps around the application.
#[derive(Debug, Clone)]
pub struct GuardService<S> {
    service: S,
    inner: Arc<Inner>,
}

impl<S, B, ResBody> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // Call the service that was polled ready; keep a fresh clone for the next request.
        let clone = self.service.clone();
        let mut service = std::mem::replace(&mut self.service, clone);
        let inner = self.inner.clone();
        Box::pin(async move {
            let authorization = req
                .headers()
                .get_all(AUTHORIZATION)
                .into_iter()
                .map(HeaderValue::as_bytes);
            let decision = bearer::check(
                &inner.validator,
                &inner.policy,
                req.method().as_str(),
                req.uri().path(),
                req.uri().query().unwrap_or(""),
                authorization,
            )
            .await;
            match decision {
                Ok(Some(claims)) => {
                    req.extensions_mut().insert(claims);
                }
                Ok(None) => {}
                Err(refusal) => return Ok(refusal_response(&refusal, &inner.realm)),
            }
            service.call(req).await
        })
    }
}

/// The RFC 6750 §3 answer to a refused request, with its JSON body.
fn refusal_response<ResBody: From<String>>(refusal: &Refusal, realm: &str) -> Response<ResBody> {
    let mut response = Response::new(ResBody::from(refusal.body().to_string()));
    *response.status_mut() =
        StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in refusal.headers(Some(realm)) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}

#[cfg(test)]
mod tests;
