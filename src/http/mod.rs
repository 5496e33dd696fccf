//! HTTP: the public (issuer) and admin listeners. Only this module imports actix-web.

pub mod admin;
pub mod error;
mod form;
pub mod middleware;
mod page;
pub mod public;
pub mod server;

use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App};
use tracing_actix_web::TracingLogger;

use crate::state::AppState;

/// Headers every response carries.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
}

/// The public listener's application.
pub fn public_app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .wrap(security_headers())
        .wrap(from_fn(middleware::client_ip::resolve_client_ip))
        .wrap(from_fn(middleware::request_id::header))
        .wrap(TracingLogger::<middleware::access_log::PathOnly>::new())
        .configure(public::routes)
}

/// The admin listener's application.
pub fn admin_app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .wrap(security_headers())
        .wrap(from_fn(middleware::request_id::header))
        .wrap(TracingLogger::<middleware::access_log::PathOnly>::new())
        .configure(admin::routes)
}
