//! The command line (a contract: tests and scripts use it): `ask`, `eval`, `chat`, `check`, and
//! `serve` (Telegram), `web`, the console's accounts under `staff`, and the staff commands under
//! `applications`.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{NaiveDate, TimeZone};
use clap::{Args, Parser, Subcommand};

use crate::app::{App, Settings, load_content};
use crate::bot::{Sender, Staff};
use crate::clock::{Clock, china};
use crate::delivery::Retention;
use crate::filing::Status;
use crate::lang::Lang;
use crate::policy::Policy;
use crate::staff::export::Format;
use crate::{chat, eval, telegram};
use secrecy::{ExposeSecret, SecretString};

mod accounts;
mod calibration;
mod staff;
mod web;
use url::Url;

/// policybot: answers questions about a city's talent policy, with the clause each answer rests
/// on, and files guided applications for staff to review.
#[derive(Debug, Parser)]
#[command(name = "policybot", version, about)]
pub struct Cli {
    /// Corpus directory to use instead of the corpus built into the binary.
    #[arg(long, global = true, env = "POLICYBOT_CORPUS", value_name = "DIR")]
    pub corpus: Option<PathBuf>,

    /// Dialogs directory to use instead of the forms built into the binary.
    #[arg(long, global = true, env = "POLICYBOT_DIALOGS", value_name = "DIR")]
    pub dialogs: Option<PathBuf>,

    /// Database: sqlite://FILE or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true, default_value = "sqlite://policybot.db")]
    pub database_url: SecretString,

    /// Where files users send (certificate photos) are kept.
    #[arg(long, global = true, env = "FILES_DIR", default_value = "files", value_name = "DIR")]
    pub files_dir: PathBuf,

    /// The Telegram chat new applications are posted to (see README: finding the staff chat id).
    #[arg(long, global = true, env = "STAFF_CHAT_ID", value_name = "CHAT_ID")]
    pub staff_chat_id: Option<String>,

    /// Telegram user ids of staff members, comma-separated.
    #[arg(long, global = true, env = "STAFF_USER_IDS", value_name = "IDS", value_delimiter = ',')]
    pub staff_user_ids: Vec<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer questions (from the arguments, or one per line on stdin).
    Ask {
        /// Print one JSON object per question.
        #[arg(long)]
        json: bool,
        /// Language for questions that do not show one (zh, zh-Hant, en).
        #[arg(long, value_parser = parse_lang, default_value = "zh")]
        lang: Lang,
        /// The questions; without any, read stdin.
        questions: Vec<String>,
    },
    /// Measure accuracy on a JSON-lines question file.
    Eval {
        /// The question file.
        file: PathBuf,
    },
    /// Fit the answer-or-refuse decision to question files and print it (or write it with --out).
    Calibrate {
        /// Write the fitted model here (the corpus's decision.toml).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also print every question's features and whether it should be answered (TSV).
        #[arg(long)]
        samples: bool,
        /// The tuning question files (JSON lines, as for eval).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Talk to the bot in the terminal (interactive, or one message per stdin line).
    Chat {
        /// Your user id.
        #[arg(long, default_value = "local")]
        user: String,
        /// Your language (zh, zh-Hant, en); without it, the language you used last time.
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
    },
    /// Validate the corpus and the forms; exits non-zero with a precise message on any problem.
    Check,
    /// Run the bot on Telegram (long polling, or a webhook when WEBHOOK_URL is set), and the web
    /// too when WEB_LISTEN_ADDR is set.
    Serve(Box<ServeArgs>),
    /// Serve the web without Telegram: the staff console (/console/), the citizens' chat
    /// (/chat/) and /healthz.
    Web {
        /// Where to listen.
        #[arg(long, env = "WEB_LISTEN_ADDR", default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
        #[command(flatten)]
        web: web::WebArgs,
        #[command(flatten)]
        keeping: Keeping,
    },
    /// The questions the bot could not answer, answered unsurely or handed over to a person,
    /// grouped by similarity, most frequent first.
    Questions {
        /// Only those asked on or after this day (YYYY-MM-DD, China time).
        #[arg(long, value_parser = parse_day)]
        since: Option<i64>,
        /// Print one JSON object per group.
        #[arg(long)]
        json: bool,
    },
    /// The web console's staff accounts.
    Staff {
        /// Who is acting, for the audit log.
        #[arg(long, global = true, env = "USER", default_value = "staff")]
        actor: String,
        /// The action.
        #[command(subcommand)]
        action: accounts::AccountAction,
    },
    /// Staff work on filed applications.
    Applications {
        /// Who is acting, for the audit log.
        #[arg(long, global = true, env = "USER", default_value = "staff")]
        actor: String,
        /// The action.
        #[command(subcommand)]
        action: Action,
    },
}

/// How `serve` reaches Telegram.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The bot token from @BotFather.
    #[arg(long, env = "TELEGRAM_BOT_TOKEN", hide_env_values = true)]
    pub token: Option<SecretString>,
    /// A Bot API server other than https://api.telegram.org (a self-hosted one).
    #[arg(long, env = "TELEGRAM_API_URL")]
    pub api_url: Option<Url>,
    /// The public HTTPS URL Telegram posts updates to; without it, long polling. (Its path may
    /// be a secret too.)
    #[arg(long, env = "WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<Url>,
    /// Where the webhook listener binds (webhook mode only).
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen_addr: SocketAddr,
    /// Where /healthz is served on its own, e.g. 127.0.0.1:8081 (for long polling, the only way).
    #[arg(long, env = "HEALTH_ADDR")]
    pub health_addr: Option<SocketAddr>,
    /// A secret Telegram sends with every webhook request; requests without it are refused.
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<SecretString>,
    /// Notifications per minute into the staff group (Telegram allows 20; raise only where the
    /// Bot API server allows more, e.g. a test server).
    #[arg(long, env = "TELEGRAM_GROUP_LIMIT", default_value_t = telegram::GROUP_MESSAGES_PER_MINUTE)]
    pub group_limit: u32,
    #[command(flatten)]
    pub keeping: Keeping,
    /// Also serve the web (console, chat, /healthz) on this address.
    #[arg(long, env = "WEB_LISTEN_ADDR")]
    pub web_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub web: web::WebArgs,
}

/// How long delivery rows and web conversations are kept, for `serve` and `web` alike.
#[derive(Debug, Args)]
pub struct Keeping {
    /// Days sent notifications, handled updates and web conversations are kept before they are
    /// deleted (at least 2).
    #[arg(long = "retention-days", env = "RETENTION_DAYS", value_name = "DAYS", default_value_t = Retention::default())]
    pub retention: Retention,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<telegram::Config> {
        let token = self.token.as_ref().filter(|token| !token.expose_secret().trim().is_empty()).context(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather, then run \
             `TELEGRAM_BOT_TOKEN=123456:ABC… policybot serve` (README: Deployment)",
        )?;
        Ok(telegram::Config {
            token: token.expose_secret().trim().into(),
            api_url: self.api_url.clone(),
            webhook_url: self.webhook_url.clone(),
            listen_addr: self.listen_addr,
            webhook_secret: self.webhook_secret.clone(),
            group_messages_per_minute: self.group_limit.max(1),
            retention: self.keeping.retention,
            health_addr: self.health_addr,
        })
    }
}

/// Which applications.
#[derive(Debug, Args)]
pub struct Selection {
    /// Only this form (talent-apartment, settlement…).
    #[arg(long)]
    pub flow: Option<String>,
    /// Only this status (submitted, in_review, need_info, approved, rejected).
    #[arg(long, value_parser = clap::value_parser!(Status))]
    pub status: Option<Status>,
    /// Only those filed on or after this day (YYYY-MM-DD, China time).
    #[arg(long, value_parser = parse_day)]
    pub since: Option<i64>,
}

/// Staff actions.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// List applications, newest first.
    List {
        #[command(flatten)]
        selection: Selection,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one application in full (and start its review).
    Show {
        /// The reference, e.g. ZJ-APARTMENT-2026-000123.
        reference: String,
    },
    /// Approve an application.
    Approve {
        /// The reference.
        reference: String,
        /// A note for the applicant.
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject an application, with the reason the applicant will read.
    Reject {
        /// The reference.
        reference: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Ask the applicant to answer fields again.
    NeedInfo {
        /// The reference.
        reference: String,
        /// A field to answer again (repeat for several), e.g. --field id_card.
        #[arg(long = "field", required = true)]
        fields: Vec<String>,
        /// What is wrong or missing.
        #[arg(long)]
        note: String,
    },
    /// Export applications as csv, xlsx or json.
    Export {
        #[command(flatten)]
        selection: Selection,
        /// csv, xlsx or json.
        #[arg(long, default_value = "xlsx")]
        format: Format,
        /// The output file (default: applications.<format>; `-` for stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn parse_lang(code: &str) -> Result<Lang, String> {
    Lang::from_code(code).ok_or_else(|| format!("unknown language {code:?}: use zh, zh-Hant or en"))
}

fn parse_day(text: &str) -> Result<i64, String> {
    let day =
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("{text:?} is not a date like 2026-11-23"))?;
    let midnight = day.and_hms_opt(0, 0, 0).ok_or("bad date")?;
    Ok(china().from_local_datetime(&midnight).single().ok_or("bad date")?.timestamp_millis())
}

impl Cli {
    fn settings(&self) -> Settings {
        Settings {
            database_url: self.database_url.clone(),
            corpus: self.corpus.clone(),
            dialogs: self.dialogs.clone(),
            files_dir: self.files_dir.clone(),
            staff: Staff {
                channel: telegram::PROFILE.name.to_owned(),
                chat: self.staff_chat_id.clone(),
                members: self
                    .staff_user_ids
                    .iter()
                    .map(|id| id.trim().to_owned())
                    .filter(|id| !id.is_empty())
                    .collect(),
            },
        }
    }
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings();
    match cli.command {
        Command::Ask { json, lang, questions } => ask(&load_policy(&settings)?, json, lang, questions),
        Command::Eval { file } => {
            let policy = load_policy(&settings)?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let items = eval::parse_items(&text).with_context(|| format!("{}", file.display()))?;
            println!("{}", eval::evaluate(&policy, items)?);
            Ok(())
        }
        Command::Calibrate { out, samples, files } => {
            calibration::calibrate(&load_policy(&settings)?, out, samples, &files)
        }
        Command::Chat { user, lang } => {
            let app = App::build(&settings, Clock::System).await.context("cannot start the bot")?;
            let sender = Sender::new(chat::PROFILE.name, user, lang);
            if let Some(lang) = lang {
                app.bot.set_language(&sender, lang).await?;
            }
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            chat::run(&app.bot, &app.files, &sender, stdin.lock(), std::io::stdout().lock(), interactive).await?;
            Ok(())
        }
        Command::Check => check(&settings),
        Command::Serve(args) => {
            let config = args.config()?;
            let app = App::build(&settings, Clock::System).await.context("cannot start the bot")?;
            let web = match args.web_listen {
                Some(addr) => Some(web::start(&app, addr, &args.web).await?),
                None => None,
            };
            let (stop, stopping) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                stop.send(true).ok();
            });
            let web = web.map(|web| tokio::spawn(web.serve(stopping.clone())));
            telegram::serve(app.bot, config, web::stopped(stopping)).await?;
            if let Some(web) = web {
                web.await.context("the web panicked")??;
            }
            Ok(())
        }
        Command::Web { listen, web, keeping } => {
            let app = App::build(&settings, Clock::System).await.context("cannot start the bot")?;
            let running = web::start(&app, listen, &web).await?;
            let (stop, stopping) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                stop.send(true).ok();
            });
            // Without Telegram nothing else deletes old conversations and delivery rows.
            let pruner = tokio::spawn({
                let (delivery, stopping) = (app.bot.delivery().clone(), stopping.clone());
                async move { delivery.keep_pruning(keeping.retention, stopping).await }
            });
            let served = running.serve(stopping).await;
            pruner.abort();
            served
        }
        Command::Questions { since, json } => staff::questions(&settings, since, json).await,
        Command::Staff { actor, action } => accounts::run(&settings, &format!("cli:{actor}"), action).await,
        Command::Applications { actor, action } => {
            staff::applications(&settings, &format!("cli:{actor}"), action).await
        }
    }
}

/// Completes on Ctrl-C or SIGTERM (what systemd and container runtimes send to stop a service).
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

fn load_policy(settings: &Settings) -> anyhow::Result<Policy> {
    let assets = crate::assets::Assets::corpus(settings.corpus.as_deref());
    Policy::load(&assets).with_context(|| format!("cannot load the corpus ({})", assets.place()))
}

fn ask(policy: &Policy, json: bool, lang: Lang, questions: Vec<String>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let mut answer = |question: &str| -> anyhow::Result<()> {
        let answer = policy.answer(question, lang)?;
        if json {
            writeln!(out, "{}", serde_json::to_string(&answer)?)?;
        } else {
            writeln!(out, "{}\n", answer.answer)?;
        }
        Ok(())
    };
    if questions.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                answer(&line)?;
            }
        }
    } else {
        questions.iter().try_for_each(|question| answer(question))?;
    }
    Ok(())
}

fn check(settings: &Settings) -> anyhow::Result<()> {
    let (policy, flows) = load_content(settings)?;
    let mut problems = policy.problems();
    problems.extend(flows.problems(policy.document()));
    if !problems.is_empty() {
        anyhow::bail!("{} problem(s):\n  {}", problems.len(), problems.join("\n  "));
    }
    let document = policy.document();
    println!(
        "OK: corpus ({} parts, {} clauses, {} passages, translation aligned, tiers and glossary consistent), {} forms, \
         public holidays of {:?}",
        document.parts.len(),
        document.clauses.len(),
        document.passages.len(),
        flows.iter().count(),
        flows.holidays().years()
    );
    Ok(())
}
