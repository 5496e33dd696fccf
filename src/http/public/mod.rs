//! The public (issuer) listener's routes.

mod client_request;
mod discovery;
mod introspection;
mod jwks;
mod token;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // HEAD answers like GET without the body (RFC 9110 §9.3.2).
    cfg.service(
        web::resource("/.well-known/openid-configuration")
            .route(web::get().to(discovery::document))
            .route(web::head().to(discovery::document)),
    )
    .service(
        web::resource("/jwks")
            .route(web::get().to(jwks::key_set))
            .route(web::head().to(jwks::key_set)),
    )
    .service(web::resource("/token").route(web::post().to(token::token)))
    .service(web::resource("/introspect").route(web::post().to(introspection::introspect)))
    .service(web::resource("/revoke").route(web::post().to(introspection::revoke)));
}
