//! The public (issuer) listener's routes.

mod discovery;
mod jwks;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/.well-known/openid-configuration",
        web::get().to(discovery::document),
    )
    .route("/jwks", web::get().to(jwks::key_set));
}
