//! The developer dashboard (`/dashboard`, DESIGN.md "Listeners"): developers sign in, register
//! apps and manage their settings, protections and secret keys. Hosted pages with no
//! JavaScript; every form carries a CSRF token; a developer only ever sees their own apps.

mod access;
mod app_page;
pub(super) mod apps;
mod form;
pub(super) mod keys;
pub(super) mod login;
mod secret_page;
pub(super) mod settings;
mod view;
