//! Staff work: review actions with their audit trail, exports, the question log, the console's
//! accounts and their sign-in throttling.

pub mod accounts;
pub mod export;
pub mod figures;
pub mod questions;
pub mod review;
pub mod throttle;

pub use review::{Decision, Dossier, Review, ReviewError};
