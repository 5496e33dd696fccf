//! The public (issuer) listener's routes.

mod account;
mod authorize;
mod browser;
mod client_request;
mod consent;
mod cors;
mod dashboard;
mod discovery;
mod introspection;
mod jwks;
mod login;
mod logout;
mod mfa_texts;
mod protect;
mod texts;
mod token;
mod userinfo;

use actix_web::middleware::from_fn;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // HEAD answers like GET without the body (RFC 9110 §9.3.2).
    cfg.service(
        web::resource("/.well-known/openid-configuration")
            .wrap(from_fn(cors::cors))
            .route(web::get().to(discovery::document))
            .route(web::head().to(discovery::document)),
    )
    .service(
        web::resource("/jwks")
            .wrap(from_fn(cors::cors))
            .route(web::get().to(jwks::key_set))
            .route(web::head().to(jwks::key_set)),
    )
    .service(
        web::resource("/authorize")
            .route(web::get().to(authorize::get))
            .route(web::post().to(authorize::post)),
    )
    .route("/authorize/resume", web::get().to(authorize::resume))
    .service(
        web::resource("/login")
            .route(web::get().to(login::show))
            .route(web::post().to(login::submit)),
    )
    .service(
        web::resource(login::CODE_PATH)
            .route(web::get().to(login::show_code))
            .route(web::post().to(login::submit_code)),
    )
    .service(
        web::resource(account::MFA_PATH)
            .route(web::get().to(account::show_mfa))
            .route(web::post().to(account::change_mfa)),
    )
    .service(
        web::resource("/consent")
            .route(web::get().to(consent::show))
            .route(web::post().to(consent::submit)),
    )
    // The developer dashboard; `/apps/new` before `/apps/{client_id}`, which would match it.
    .route("/dashboard", web::get().to(dashboard::apps::list))
    .service(
        web::resource("/dashboard/login")
            .route(web::get().to(dashboard::login::show))
            .route(web::post().to(dashboard::login::submit)),
    )
    .route(
        "/dashboard/logout",
        web::post().to(dashboard::login::logout),
    )
    .service(
        web::resource("/dashboard/apps/new")
            .route(web::get().to(dashboard::apps::new_form))
            .route(web::post().to(dashboard::apps::create)),
    )
    .service(
        web::resource("/dashboard/apps/{client_id}")
            .route(web::get().to(dashboard::settings::show))
            .route(web::post().to(dashboard::settings::save)),
    )
    .route(
        "/dashboard/apps/{client_id}/keys",
        web::post().to(dashboard::keys::create),
    )
    .route(
        "/dashboard/apps/{client_id}/keys/rotate",
        web::post().to(dashboard::keys::rotate),
    )
    .route(
        "/dashboard/apps/{client_id}/keys/{key_id}/revoke",
        web::post().to(dashboard::keys::revoke),
    )
    .route(
        "/dashboard/apps/{client_id}/shares",
        web::post().to(dashboard::sharing::add),
    )
    .route(
        "/dashboard/apps/{client_id}/shares/{user_id}/remove",
        web::post().to(dashboard::sharing::remove),
    )
    .route("/static/tessera.css", web::get().to(stylesheet))
    .service(
        web::resource("/userinfo")
            .wrap(from_fn(cors::cors))
            .route(web::get().to(userinfo::get))
            .route(web::post().to(userinfo::post)),
    )
    .service(
        web::resource("/end_session")
            .route(web::get().to(logout::get))
            .route(web::post().to(logout::post)),
    )
    .service(
        web::resource("/token")
            .wrap(from_fn(cors::cors))
            .route(web::post().to(token::token)),
    )
    .service(
        web::resource("/introspect")
            .wrap(from_fn(cors::cors))
            .route(web::post().to(introspection::introspect)),
    )
    .service(
        web::resource("/revoke")
            .wrap(from_fn(cors::cors))
            .route(web::post().to(introspection::revoke)),
    );
}

/// The hosted pages' stylesheet, compiled in.
async fn stylesheet() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../../static/tessera.css"))
}
