//! policybot: answers questions about a city's talent policy from the policy text itself, with
//! the clause each answer rests on, in Simplified Chinese, Traditional Chinese and English.
//!
//! The core (`policy`) knows nothing of messengers; the command line and the chat REPL are thin
//! adapters over it, so every behaviour is testable without a network.

/// jemalloc rather than the C library's allocator, for every program built on this library (the
/// `policybot` binary, the benchmark suite, the tests): with many connections and messages in
/// flight at once, glibc's malloc spent its time consolidating freed chunks (see
/// docs/benchmarks.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod app;
pub mod assets;
pub mod bot;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod delivery;
pub mod dialog;
pub mod errors;
pub mod eval;
pub mod files;
pub mod filing;
pub mod lang;
pub mod messages;
pub mod notify;
pub mod policy;
pub mod random;
pub mod reply;
pub mod smalltalk;
pub mod staff;
pub mod store;
pub mod telegram;
pub mod text;
pub mod web;
