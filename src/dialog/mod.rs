//! Guided application forms: flows defined as data in `dialogs/*.toml`, validated at load, and a
//! pure engine that moves a user through them.

pub mod fields;
