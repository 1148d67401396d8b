//! Staff work: the review status machine, review actions with their audit trail, exports.

pub mod status;

pub use status::Status;
