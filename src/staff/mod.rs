//! Staff work: review actions with their audit trail, exports.

pub mod export;
pub mod review;

pub use review::{Decision, Dossier, Review, ReviewError};
