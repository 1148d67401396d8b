//! Secrets — the database password, the bot token, the webhook secret — never printed: not by
//! `--help` (which shows the environment's values of other options), not by `Debug`, not in an
//! error about the database.

use std::process::Command;

use clap::Parser;
use policybot::cli::Cli;
use policybot::telegram::Config;

use crate::helpers::{run, stderr, stdout};

const SECRET: &str = "hunter2";

#[test]
fn help_shows_no_secret_from_the_environment() {
    for args in [&["--help"][..], &["serve", "--help"], &["applications", "list", "--help"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_policybot"))
            .args(args)
            .env("DATABASE_URL", format!("postgres://bot:{SECRET}@db.internal/policybot"))
            .env("TELEGRAM_BOT_TOKEN", format!("123456:{SECRET}"))
            .env("WEBHOOK_SECRET", SECRET)
            .env("WEBHOOK_URL", format!("https://bot.example.gov.cn/{SECRET}"))
            .output()
            .expect("policybot runs");
        let help = stdout(&output);
        assert!(output.status.success() && help.contains("DATABASE_URL"), "{help}");
        assert!(!help.contains(SECRET), "{args:?} shows a secret:\n{help}");
    }
}

#[test]
fn debug_output_of_the_settings_shows_no_secret() {
    let cli = Cli::try_parse_from([
        "policybot",
        "--database-url",
        &format!("postgres://bot:{SECRET}@db/policybot"),
        "serve",
        "--token",
        &format!("123456:{SECRET}"),
        "--webhook-secret",
        SECRET,
    ])
    .expect("the arguments parse");
    let shown = format!("{cli:?}");
    assert!(shown.contains("db") || shown.contains("REDACTED"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    let config = Config {
        token: format!("123456:{SECRET}").into(),
        api_url: None,
        webhook_url: None,
        listen_addr: "127.0.0.1:8080".parse().unwrap(),
        webhook_secret: Some(SECRET.into()),
        group_messages_per_minute: 20,
        retention: Default::default(),
        health_addr: None,
    };
    assert!(!format!("{config:?}").contains(SECRET), "{config:?}");
}

#[test]
fn a_database_that_cannot_be_reached_is_named_without_its_password() {
    let url = format!("postgres://bot:{SECRET}@127.0.0.1:1/policybot");
    let output = run(&["applications", "list", "--database-url", &url], "");
    let message = stderr(&output);
    assert!(!output.status.success() && message.contains("postgres://bot:***@127.0.0.1:1/policybot"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
}
