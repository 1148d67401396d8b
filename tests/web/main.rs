//! The web over HTTP, as browsers and scripts use it: the foundation every area stands on
//! (headers, CSRF, static files, health), the staff console page by page with its security rules
//! on both backends, and a few journeys in a real headless Chromium (`browser`).

// TODO(merge of console and chat): both use every helper; drop this allow then.
#![allow(dead_code)]

mod browser;
mod chat;
mod foundation;
mod support;
#[path = "../support/throwaway.rs"]
mod throwaway;
