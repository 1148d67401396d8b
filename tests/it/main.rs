//! Integration tests: the library and the `policybot` binary exercised as users and scripts use
//! them. One test binary, modules per area, helpers shared.

mod cli;
mod forms;
mod fuzz;
mod helpers;
mod qa;
mod security;
mod telegram;
