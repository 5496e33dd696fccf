//! The developer dashboard (`/dashboard`, DESIGN.md "Listeners"): developers sign in, register
//! apps and manage their settings, protections, secret keys and sharing. Hosted pages with no
//! JavaScript; every form carries a CSRF token; a developer sees and changes only what the access
//! model (`crate::access`: ownership, organization roles, shares) allows them.

mod access;
mod app_page;
pub(super) mod apps;
mod catalog;
mod form;
pub(super) mod keys;
pub(super) mod login;
mod secret_page;
pub(super) mod settings;
pub(super) mod sharing;
mod view;
