//! Integration tests: the library and the `policybot` binary exercised as users and scripts use
//! them. One test binary, modules per area, helpers shared.

mod architecture;
mod cli;
mod conversation;
mod deploy;
mod forms;
mod fuzz;
mod helpers;
#[path = "../support/http.rs"]
mod http;
mod licences;
mod qa;
mod secrets;
mod security;
mod telegram;
