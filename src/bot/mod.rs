//! The bot core: one user input in, the replies out. Every channel (Telegram, the terminal chat)
//! is a thin adapter over this, so behaviour is the same everywhere and testable offline.
//!
//! Each message is handled under its user's lock, in one pass: load the user and their form,
//! decide, then apply everything that must persist — consent, a filed application, the new form
//! state — in one transaction before the replies go out. A concurrent change by another bot
//! instance shows up as a version conflict, and the message is handled again from the start.
//!
//! Where things are:
//! - [`handler`]: [`Bot`], the entry every channel uses: the user's lock, the rate limit, retries
//!   after a lost race, redelivered updates, the cache of open forms;
//! - [`sender`]: who sent a message ([`Sender`]) and who the staff are ([`Staff`]);
//! - `turn`: the handling of one message, routed by what it is (text, button, file);
//! - `commands`: the `/commands`, one table for parsing, help and the messenger's menu;
//! - `forms`: starting, continuing and resuming a form;
//! - `effects`: what a turn changes, and the only place here that opens transactions;
//! - `views`: what a turn only reads (the applications' status, the user's data);
//! - `staff`: review commands, buttons and prompts for staff members;
//! - `tally`: counts for the console's figures (form progress, questions), written in batches;
//! - `intent`, `ratelimit`, `cache`, `locks`: the helpers of the above.

mod cache;
pub mod commands;
mod effects;
mod forms;
pub mod handler;
mod intent;
mod locks;
pub mod ratelimit;
pub mod sender;
mod staff;
pub mod tally;
mod turn;
mod views;

pub use crate::dialog::engine::Input;
pub use handler::{Bot, Handled, Parts};
pub use sender::{Sender, Staff};

use crate::policy::PolicyError;
use crate::staff::ReviewError;
use crate::store::StoreError;

/// Why a message could not be handled (the user gets a friendly apology; the log gets this).
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The database failed.
    #[error("store")]
    Store(#[source] StoreError),
    /// Answering failed.
    #[error("policy")]
    Policy(#[from] PolicyError),
    /// A reply could not be written as JSON.
    #[error("JSON")]
    Json(#[from] serde_json::Error),
    /// A staff action failed for a reason of the store.
    #[error("review")]
    Review(#[source] ReviewError),
    /// The update was already handled (the messenger delivered it again).
    #[error("update already handled")]
    Duplicate,
}

impl From<StoreError> for BotError {
    /// A lost race over the last update handled is a redelivered update.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { what: crate::store::users::UPDATE_HANDLED } => BotError::Duplicate,
            error => BotError::Store(error),
        }
    }
}
