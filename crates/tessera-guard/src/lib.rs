// The crate documentation is README.md; the modules follow STYLE.md "The guard crate's shape".
#![doc = include_str!("../README.md")]

#[cfg(feature = "actix")]
pub mod actix;
mod bearer;
pub mod claims;
pub mod clock;
pub mod config;
mod decrypt;
mod discovery;
pub mod error;
mod introspect;
mod jwks;
pub mod policy;
#[cfg(test)]
mod test_support;
#[cfg(feature = "tower")]
pub mod tower;
mod validate;

pub use claims::{AccessClaims, Audience, Constraints, Rights};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Algorithm, Config, ConfigBuilder};
pub use decrypt::DecryptionKey;
pub use error::{AuthError, Forbidden, InitError, PolicyError};
pub use introspect::Introspection;
pub use policy::{Decision, Method, Param, Policy, PolicyBuilder, Requirement};
pub use validate::Validator;
