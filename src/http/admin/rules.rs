//! The admin listener's rule table: every route it serves, with who may call it. The router is
//! built from this table only, so a route cannot exist without a rule, and a request that matches
//! no rule is never served (DESIGN.md "Listeners": denied unless a rule permits it).

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;

use super::api::{self, app_access, grants, members, resources, roles, shares};
use super::{auth, console, health, setup};
use crate::operators::OperatorRole;

/// An HTTP method a rule may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    fn method(self) -> Method {
        match self {
            Self::Get => Method::GET,
            Self::Post => Method::POST,
            Self::Put => Method::PUT,
            Self::Patch => Method::PATCH,
            Self::Delete => Method::DELETE,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who reaches the listener: health checks, and the pages that sign an operator in.
    Open,
    /// An operator with at least this role; without credentials 401 JSON.
    Api(OperatorRole),
    /// A console page for an operator with at least this role; without a session, to `/login`.
    Page(OperatorRole),
}

/// One admin route.
pub struct Rule {
    pub verb: Verb,
    pub path: &'static str,
    pub access: Access,
    handler: fn(actix_web::Route) -> actix_web::Route,
}

use Access::{Api, Open, Page};
use OperatorRole::{Admin, Guest, User};
use Verb::{Delete, Get, Patch, Post, Put};

/// Every route of the admin listener.
#[rustfmt::skip]
pub static RULES: &[Rule] = &[
    Rule { verb: Get, path: "/health/live", access: Open, handler: |r| r.to(health::live) },
    Rule { verb: Get, path: "/health/ready", access: Open, handler: |r| r.to(health::ready) },
    Rule { verb: Get, path: "/static/tessera.css", access: Open, handler: |r| r.to(console::stylesheet) },
    Rule { verb: Get, path: "/setup", access: Open, handler: |r| r.to(setup::show) },
    Rule { verb: Post, path: "/setup", access: Open, handler: |r| r.to(setup::submit) },
    Rule { verb: Get, path: "/login", access: Open, handler: |r| r.to(console::login_form) },
    Rule { verb: Post, path: "/login", access: Open, handler: |r| r.to(console::login) },
    Rule { verb: Get, path: "/login/code", access: Open, handler: |r| r.to(console::code_step::form) },
    Rule { verb: Post, path: "/login/code", access: Open, handler: |r| r.to(console::code_step::submit) },
    Rule { verb: Post, path: "/logout", access: Open, handler: |r| r.to(console::logout) },
    Rule { verb: Get, path: "/", access: Page(Guest), handler: |r| r.to(console::home) },
    Rule { verb: Get, path: "/users", access: Page(Guest), handler: |r| r.to(console::users::list) },
    Rule { verb: Post, path: "/users", access: Page(User), handler: |r| r.to(console::users::create) },
    Rule { verb: Get, path: "/users/{id}", access: Page(Guest), handler: |r| r.to(console::users::show) },
    Rule { verb: Post, path: "/users/{id}/disable", access: Page(User), handler: |r| r.to(console::users::disable) },
    Rule { verb: Post, path: "/users/{id}/enable", access: Page(User), handler: |r| r.to(console::users::enable) },
    Rule { verb: Post, path: "/users/{id}/sessions/revoke", access: Page(User), handler: |r| r.to(console::users::revoke_sessions) },
    Rule { verb: Post, path: "/users/{id}/mfa/reset", access: Page(User), handler: |r| r.to(console::users::reset_mfa) },
    Rule { verb: Post, path: "/users/{id}/delete", access: Page(Admin), handler: |r| r.to(console::users::delete) },
    Rule { verb: Get, path: "/organizations", access: Page(Guest), handler: |r| r.to(console::organizations::list) },
    Rule { verb: Post, path: "/organizations", access: Page(User), handler: |r| r.to(console::organizations::create) },
    Rule { verb: Get, path: "/organizations/{id}", access: Page(Guest), handler: |r| r.to(console::organizations::show) },
    Rule { verb: Post, path: "/organizations/{id}/rename", access: Page(User), handler: |r| r.to(console::organizations::rename) },
    Rule { verb: Post, path: "/organizations/{id}/delete", access: Page(Admin), handler: |r| r.to(console::organizations::delete) },
    Rule { verb: Post, path: "/organizations/{id}/members", access: Page(User), handler: |r| r.to(console::members::add) },
    Rule { verb: Post, path: "/organizations/{id}/members/{user_id}/role", access: Page(User), handler: |r| r.to(console::members::change_role) },
    Rule { verb: Post, path: "/organizations/{id}/members/{user_id}/remove", access: Page(User), handler: |r| r.to(console::members::remove) },
    Rule { verb: Get, path: "/resources", access: Page(Guest), handler: |r| r.to(console::resources::list) },
    Rule { verb: Post, path: "/resources", access: Page(Admin), handler: |r| r.to(console::resources::create) },
    Rule { verb: Get, path: "/resources/{id}", access: Page(Guest), handler: |r| r.to(console::resources::show) },
    Rule { verb: Post, path: "/resources/{id}/delete", access: Page(Admin), handler: |r| r.to(console::resources::delete) },
    Rule { verb: Post, path: "/resources/{id}/rights", access: Page(Admin), handler: |r| r.to(console::resources::add_right) },
    Rule { verb: Post, path: "/resources/{id}/rights/{right_id}/delete", access: Page(Admin), handler: |r| r.to(console::resources::delete_right) },
    Rule { verb: Post, path: "/resources/{id}/roles", access: Page(Admin), handler: |r| r.to(console::roles::create) },
    Rule { verb: Post, path: "/resources/{id}/roles/{role_id}/delete", access: Page(Admin), handler: |r| r.to(console::roles::delete) },
    Rule { verb: Post, path: "/resources/{id}/roles/{role_id}/rights", access: Page(Admin), handler: |r| r.to(console::roles::put_right) },
    Rule { verb: Post, path: "/resources/{id}/roles/{role_id}/rights/{right_id}/remove", access: Page(Admin), handler: |r| r.to(console::roles::remove_right) },
    Rule { verb: Post, path: "/resources/{id}/grants", access: Page(Admin), handler: |r| r.to(console::grants::create) },
    Rule { verb: Post, path: "/resources/{id}/grants/{grant_id}/delete", access: Page(Admin), handler: |r| r.to(console::grants::delete) },
    Rule { verb: Get, path: "/apps", access: Page(Guest), handler: |r| r.to(console::apps::list) },
    Rule { verb: Get, path: "/apps/{client_id}", access: Page(Guest), handler: |r| r.to(console::apps::show) },
    Rule { verb: Post, path: "/apps/{client_id}/organization", access: Page(User), handler: |r| r.to(console::apps::set_organization) },
    Rule { verb: Post, path: "/apps/{client_id}/shares", access: Page(User), handler: |r| r.to(console::apps::share) },
    Rule { verb: Post, path: "/apps/{client_id}/shares/{user_id}/remove", access: Page(User), handler: |r| r.to(console::apps::unshare) },
    Rule { verb: Post, path: "/apps/{client_id}/keys", access: Page(User), handler: |r| r.to(console::app_keys::create) },
    Rule { verb: Post, path: "/apps/{client_id}/keys/{key_id}/rotate", access: Page(User), handler: |r| r.to(console::app_keys::rotate) },
    Rule { verb: Post, path: "/apps/{client_id}/keys/{key_id}/revoke", access: Page(User), handler: |r| r.to(console::app_keys::revoke) },
    Rule { verb: Get, path: "/keys", access: Page(Guest), handler: |r| r.to(console::keys::list) },
    Rule { verb: Post, path: "/keys/rotate", access: Page(Admin), handler: |r| r.to(console::keys::rotate) },
    Rule { verb: Get, path: "/openapi.json", access: Api(Guest), handler: |r| r.to(api::openapi::document) },
    Rule { verb: Get, path: "/api/users", access: Api(Guest), handler: |r| r.to(api::users::list) },
    Rule { verb: Post, path: "/api/users", access: Api(User), handler: |r| r.to(api::users::create) },
    Rule { verb: Get, path: "/api/users/{id}", access: Api(Guest), handler: |r| r.to(api::users::show) },
    Rule { verb: Patch, path: "/api/users/{id}", access: Api(User), handler: |r| r.to(api::users::rename) },
    Rule { verb: Delete, path: "/api/users/{id}", access: Api(Admin), handler: |r| r.to(api::users::delete) },
    Rule { verb: Post, path: "/api/users/{id}/disable", access: Api(User), handler: |r| r.to(api::users::disable) },
    Rule { verb: Post, path: "/api/users/{id}/enable", access: Api(User), handler: |r| r.to(api::users::enable) },
    Rule { verb: Post, path: "/api/users/{id}/sessions/revoke", access: Api(User), handler: |r| r.to(api::users::revoke_sessions) },
    Rule { verb: Post, path: "/api/users/{id}/mfa/reset", access: Api(User), handler: |r| r.to(api::mfa::reset) },
    Rule { verb: Get, path: "/api/organizations", access: Api(Guest), handler: |r| r.to(api::organizations::list) },
    Rule { verb: Post, path: "/api/organizations", access: Api(User), handler: |r| r.to(api::organizations::create) },
    Rule { verb: Get, path: "/api/organizations/{id}", access: Api(Guest), handler: |r| r.to(api::organizations::show) },
    Rule { verb: Delete, path: "/api/organizations/{id}", access: Api(Admin), handler: |r| r.to(api::organizations::delete) },
    Rule { verb: Patch, path: "/api/organizations/{id}", access: Api(User), handler: |r| r.to(api::organizations::rename) },
    Rule { verb: Get, path: "/api/organizations/{id}/members", access: Api(Guest), handler: |r| r.to(members::list) },
    Rule { verb: Put, path: "/api/organizations/{id}/members/{user_id}", access: Api(User), handler: |r| r.to(members::put) },
    Rule { verb: Delete, path: "/api/organizations/{id}/members/{user_id}", access: Api(User), handler: |r| r.to(members::remove) },
    Rule { verb: Put, path: "/api/apps/{client_id}/organization", access: Api(User), handler: |r| r.to(app_access::organization) },
    Rule { verb: Put, path: "/api/apps/{client_id}/default-resource", access: Api(User), handler: |r| r.to(app_access::default_resource) },
    Rule { verb: Get, path: "/api/apps/{client_id}/shares", access: Api(Guest), handler: |r| r.to(shares::list) },
    Rule { verb: Put, path: "/api/apps/{client_id}/shares/{user_id}", access: Api(User), handler: |r| r.to(shares::put) },
    Rule { verb: Delete, path: "/api/apps/{client_id}/shares/{user_id}", access: Api(User), handler: |r| r.to(shares::remove) },
    Rule { verb: Get, path: "/api/apps", access: Api(Guest), handler: |r| r.to(api::apps::list) },
    Rule { verb: Post, path: "/api/apps", access: Api(User), handler: |r| r.to(api::apps::create) },
    Rule { verb: Get, path: "/api/apps/{client_id}", access: Api(Guest), handler: |r| r.to(api::apps::show) },
    Rule { verb: Patch, path: "/api/apps/{client_id}", access: Api(User), handler: |r| r.to(api::apps::update) },
    Rule { verb: Delete, path: "/api/apps/{client_id}", access: Api(Admin), handler: |r| r.to(api::apps::delete) },
    Rule { verb: Get, path: "/api/apps/{client_id}/keys", access: Api(Guest), handler: |r| r.to(api::app_keys::list) },
    Rule { verb: Post, path: "/api/apps/{client_id}/keys", access: Api(User), handler: |r| r.to(api::app_keys::create) },
    Rule { verb: Post, path: "/api/apps/{client_id}/keys/{key_id}/rotate", access: Api(User), handler: |r| r.to(api::app_keys::rotate) },
    Rule { verb: Post, path: "/api/apps/{client_id}/keys/{key_id}/revoke", access: Api(User), handler: |r| r.to(api::app_keys::revoke) },
    Rule { verb: Get, path: "/api/resources", access: Api(Guest), handler: |r| r.to(resources::list) },
    Rule { verb: Post, path: "/api/resources", access: Api(Admin), handler: |r| r.to(resources::create) },
    Rule { verb: Get, path: "/api/resources/{id}", access: Api(Guest), handler: |r| r.to(resources::show) },
    Rule { verb: Patch, path: "/api/resources/{id}", access: Api(Admin), handler: |r| r.to(resources::update) },
    Rule { verb: Delete, path: "/api/resources/{id}", access: Api(Admin), handler: |r| r.to(resources::delete) },
    Rule { verb: Get, path: "/api/resources/{id}/rights", access: Api(Guest), handler: |r| r.to(resources::list_rights) },
    Rule { verb: Post, path: "/api/resources/{id}/rights", access: Api(Admin), handler: |r| r.to(resources::add_right) },
    Rule { verb: Delete, path: "/api/rights/{id}", access: Api(Admin), handler: |r| r.to(resources::delete_right) },
    Rule { verb: Get, path: "/api/resources/{id}/roles", access: Api(Guest), handler: |r| r.to(roles::list) },
    Rule { verb: Post, path: "/api/resources/{id}/roles", access: Api(Admin), handler: |r| r.to(roles::create) },
    Rule { verb: Delete, path: "/api/roles/{id}", access: Api(Admin), handler: |r| r.to(roles::delete) },
    Rule { verb: Get, path: "/api/roles/{id}/rights", access: Api(Guest), handler: |r| r.to(roles::list_rights) },
    Rule { verb: Put, path: "/api/roles/{id}/rights/{right_id}", access: Api(Admin), handler: |r| r.to(roles::put_right) },
    Rule { verb: Delete, path: "/api/roles/{id}/rights/{right_id}", access: Api(Admin), handler: |r| r.to(roles::remove_right) },
    Rule { verb: Get, path: "/api/roles/{id}/grants", access: Api(Guest), handler: |r| r.to(grants::list) },
    Rule { verb: Post, path: "/api/roles/{id}/grants", access: Api(Admin), handler: |r| r.to(grants::create) },
    Rule { verb: Delete, path: "/api/grants/{id}", access: Api(Admin), handler: |r| r.to(grants::delete) },
    Rule { verb: Get, path: "/api/keys", access: Api(Guest), handler: |r| r.to(api::keys::list) },
    Rule { verb: Post, path: "/api/keys/rotate", access: Api(Admin), handler: |r| r.to(api::keys::rotate) },
];

/// Registers every rule's route, each behind its access check; one resource per path.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&'static str> = Vec::new();
    for rule in RULES {
        if !paths.contains(&rule.path) {
            paths.push(rule.path);
        }
    }
    for path in paths {
        let mut resource = web::resource(path);
        for rule in RULES.iter().filter(|r| r.path == path) {
            let route = (rule.handler)(web::route().method(rule.verb.method()));
            let route = match rule.access {
                Open => route,
                Api(role) => route.wrap(from_fn(move |req, next| {
                    auth::require(role, auth::Missing::Unauthorized, req, next)
                })),
                Page(role) => route.wrap(from_fn(move |req, next| {
                    auth::require(role, auth::Missing::SignIn, req, next)
                })),
            };
            resource = resource.route(route);
        }
        cfg.service(resource);
    }
}
