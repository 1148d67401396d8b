//! The web over HTTP, as browsers and scripts use it: the foundation every area stands on
//! (headers, CSRF, static files, health), the staff console page by page with its security rules
//! on both backends, the citizens' chat (messages, buttons, uploads, history, bad input), and a
//! few journeys in a real headless Chromium (`browser`).

mod accounts;
mod browser;
mod chat;
mod console;
mod foundation;
mod support;
#[path = "../support/throwaway.rs"]
mod throwaway;
