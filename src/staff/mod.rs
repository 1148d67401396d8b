//! Staff work: the review status machine, review actions with their audit trail, exports.

pub mod export;
pub mod review;
pub mod status;

pub use review::{Decision, Dossier, Review, ReviewError};
pub use status::Status;
