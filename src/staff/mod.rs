//! Staff work: review actions with their audit trail, exports, the question log.

pub mod export;
pub mod questions;
pub mod review;

pub use review::{Decision, Dossier, Review, ReviewError};
