//! `policybot staff add|list|disable|password`: the web console's accounts. Passwords come from
//! stdin only (`--password-stdin`), never from the command line, where `ps` would show them.

use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::app::{App, Settings};
use crate::clock::{Clock, format_ms};
use crate::staff::accounts::{Accounts, Role, Username};

/// Account actions.
#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// Create an account; the password is read from the first line of stdin.
    Add {
        /// The name to sign in with: 2–32 lowercase letters, digits, '.', '_' or '-'.
        username: String,
        /// The name shown in the console (default: the username).
        #[arg(long, default_value = "")]
        name: String,
        /// reviewer (reviews applications) or admin (also manages accounts, reads the audit log).
        #[arg(long, default_value = "reviewer")]
        role: String,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the accounts.
    List,
    /// Disable an account; its sessions end at once.
    Disable {
        /// The username.
        username: String,
    },
    /// Set an account's password (read from stdin); its sessions end at once.
    Password {
        /// The username.
        username: String,
        /// Read the password from stdin (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

pub(super) async fn run(settings: &Settings, actor: &str, action: AccountAction) -> anyhow::Result<()> {
    let app = App::build(settings, Clock::System).await.context("cannot open the application")?;
    let accounts = Accounts::new(app.bot.store().clone(), app.bot.clock());
    let mut out = std::io::stdout().lock();
    match action {
        AccountAction::Add { username, name, role, .. } => {
            let username: Username = username.parse()?;
            let role: Role = role.parse()?;
            let password = read_password()?;
            accounts.add(&username, &name, role, &password, actor).await?;
            writeln!(out, "added {} ({role})", username.as_str())?;
        }
        AccountAction::List => {
            for account in accounts.list().await? {
                let state = account.disabled_at.map_or("active".to_owned(), |at| format!("disabled {}", format_ms(at)));
                writeln!(out, "{}\t{}\t{}\t{state}", account.username, account.role, account.display_name)?;
            }
        }
        AccountAction::Disable { username } => {
            let username: Username = username.parse()?;
            accounts.disable(&username, actor).await?;
            writeln!(out, "disabled {}", username.as_str())?;
        }
        AccountAction::Password { username, .. } => {
            let username: Username = username.parse()?;
            let password = read_password()?;
            accounts.set_password(&username, &password, actor).await?;
            writeln!(out, "password of {} set", username.as_str())?;
        }
    }
    Ok(())
}

/// The first line of stdin, without its line end.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | policybot staff add …`");
    }
    Ok(password)
}
