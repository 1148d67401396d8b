//! The command line (a contract: tests and scripts use it): `ask`, `eval`, `chat`, `check`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::assets::Assets;
use crate::bot::{Bot, User};
use crate::lang::Lang;
use crate::policy::Policy;
use crate::{chat, eval};

/// policybot: answers questions about a city's talent policy, with the clause each answer rests on.
#[derive(Debug, Parser)]
#[command(name = "policybot", version, about)]
pub struct Cli {
    /// Corpus directory to use instead of the corpus built into the binary.
    #[arg(long, global = true, env = "POLICYBOT_CORPUS", value_name = "DIR")]
    pub corpus: Option<PathBuf>,

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
    /// Talk to the bot in the terminal (interactive, or one message per stdin line).
    Chat {
        /// Your user id.
        #[arg(long, default_value = "local")]
        user: String,
        /// Your language (zh, zh-Hant, en).
        #[arg(long, value_parser = parse_lang, default_value = "zh")]
        lang: Lang,
    },
    /// Validate the corpus; exits non-zero with a precise message on any problem.
    Check,
}

fn parse_lang(code: &str) -> Result<Lang, String> {
    Lang::from_code(code).ok_or_else(|| format!("unknown language {code:?}: use zh, zh-Hant or en"))
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let assets = Assets::corpus(cli.corpus.as_deref());
    let policy = Policy::load(&assets).with_context(|| format!("cannot load the corpus ({})", assets.place()))?;
    match cli.command {
        Command::Ask { json, lang, questions } => ask(&policy, json, lang, questions),
        Command::Eval { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let items = eval::parse_items(&text).with_context(|| format!("{}", file.display()))?;
            println!("{}", eval::evaluate(&policy, items)?);
            Ok(())
        }
        Command::Chat { user, lang } => {
            let bot = Bot::new(Arc::new(policy));
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            chat::run(&bot, &User { id: user, lang }, stdin.lock(), std::io::stdout().lock(), interactive).await?;
            Ok(())
        }
        Command::Check => check(&policy, &assets),
    }
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

fn check(policy: &Policy, assets: &Assets) -> anyhow::Result<()> {
    let problems = policy.problems();
    if !problems.is_empty() {
        anyhow::bail!("{} problem(s) in {}:\n  {}", problems.len(), assets.place(), problems.join("\n  "));
    }
    let document = policy.document();
    println!(
        "{}: OK ({} parts, {} clauses, {} passages, translation aligned, tiers and glossary consistent)",
        assets.place(),
        document.parts.len(),
        document.clauses.len(),
        document.passages.len()
    );
    Ok(())
}
