//! The signing key ring (DESIGN.md "Keys"): keys in the ops database, private parts sealed under
//! the master key, an in-memory snapshot (signers + JWKS bytes) swapped atomically when the
//! stored ring changes, and the rotation schedule.

mod alg;
mod generate;
mod jwks;
mod ring;
pub mod schedule;

pub use alg::{KeyState, SigningAlg, UnknownAlg};
pub use generate::{generate, signer, thumbprint, verifier, GeneratedKey, KeyError};
pub use jwks::JwksDocument;
pub use ring::{ActiveKey, KeyRing, KeyRingError, KeySummary, PublishedKey, RotateOutcome};
