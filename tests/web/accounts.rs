//! `policybot staff add|list|disable|password`: the console's accounts from the command line,
//! passwords only from stdin.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use policybot::app::{App, Settings};
use policybot::bot::Staff;
use policybot::staff::accounts::{Accounts, LoginError};

use crate::support::clock;

fn staff(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybot"))
        .arg("staff")
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", format!("sqlite://{}", dir.join("bot.db").display()))
        .env("USER", "root")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policybot starts");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[tokio::test]
async fn staff_accounts_are_added_listed_given_a_password_and_disabled_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let added = staff(dir.path(), &["add", "wang.li", "--name", "王立", "--password-stdin"], "first password 1\n");
    assert!(added.status.success(), "{}", text(&added));
    let twice = staff(dir.path(), &["add", "wang.li", "--password-stdin"], "first password 1\n");
    assert!(!twice.status.success() && text(&twice).contains("taken"), "{}", text(&twice));
    let weak = staff(dir.path(), &["add", "li", "--password-stdin"], "short\n");
    assert!(!weak.status.success() && text(&weak).contains("at least 10"), "{}", text(&weak));
    let no_flag = staff(dir.path(), &["add", "li"], "long enough password\n");
    assert!(!no_flag.status.success(), "the password comes from stdin only");
    let admin = staff(dir.path(), &["add", "zhao", "--role", "admin", "--password-stdin"], "admin password 1\n");
    assert!(admin.status.success(), "{}", text(&admin));

    let listed = text(&staff(dir.path(), &["list"], ""));
    assert!(listed.contains("wang.li\treviewer\t王立\tactive") && listed.contains("zhao\tadmin"), "{listed}");
    assert!(!listed.contains("password"), "{listed}");
    let changed = staff(dir.path(), &["password", "wang.li", "--password-stdin"], "second password 2\n");
    assert!(changed.status.success(), "{}", text(&changed));

    let settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("bot.db").display()).into(),
        corpus: None,
        dialogs: None,
        files_dir: dir.path().join("files"),
        staff: Staff::default(),
    };
    let app = App::build(&settings, clock()).await.unwrap();
    let accounts = Accounts::new(app.bot.store().clone(), clock());
    assert!(matches!(accounts.login("wang.li", "first password 1", "10.0.0.1").await, Err(LoginError::Refused)));
    assert!(accounts.login("wang.li", "second password 2", "10.0.0.1").await.is_ok());
    app.bot.store().close().await;

    let disabled = staff(dir.path(), &["disable", "wang.li"], "");
    assert!(disabled.status.success(), "{}", text(&disabled));
    assert!(text(&staff(dir.path(), &["list"], "")).contains("wang.li\treviewer\t王立\tdisabled"));
    let app = App::build(&settings, clock()).await.unwrap();
    let accounts = Accounts::new(app.bot.store().clone(), clock());
    assert!(matches!(accounts.login("wang.li", "second password 2", "10.0.0.2").await, Err(LoginError::Refused)));
    let audit = app.bot.review().audit_log(20).await.unwrap();
    assert!(audit.iter().any(|entry| entry.actor == "cli:root" && entry.action == "disable-account"), "{audit:?}");
    app.bot.store().close().await;
}
