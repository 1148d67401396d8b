//! The staff's commands: the question log (`questions`) and work on filed applications
//! (`applications list|show|approve|reject|need-info|export`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::{Action, Selection};
use crate::app::{App, Settings};
use crate::clock::Clock;
use crate::staff::export::{self, Format};
use crate::staff::review::render_dossier;
use crate::staff::{Decision, Review};
use crate::store::applications::Filter;

/// The most questions read from the log at once.
const QUESTION_LOG_LIMIT: i64 = 100_000;

pub(super) async fn questions(settings: &Settings, since: Option<i64>, json: bool) -> anyhow::Result<()> {
    let app = App::build(settings, Clock::System).await.context("cannot open the application")?;
    let policy = app.bot.policy();
    let logged = app.bot.question_log(since.unwrap_or(0), QUESTION_LOG_LIMIT).await?;
    let groups = crate::staff::questions::group(&logged, |text| policy.normalize(text).0);
    let mut out = std::io::stdout().lock();
    if groups.is_empty() && !json {
        writeln!(out, "No questions logged{}.", since.map_or(String::new(), |_| " since then".to_owned()))?;
    }
    for group in &groups {
        if json {
            writeln!(out, "{}", serde_json::to_string(group)?)?;
            continue;
        }
        let outcomes: Vec<String> = group.outcomes.iter().map(|(o, n)| format!("{} {n}", o.name())).collect();
        let langs: Vec<String> = group.langs.iter().map(|(lang, n)| format!("{lang} {n}")).collect();
        writeln!(
            out,
            "{:>4}×  {}  ({}; {}; last {})",
            group.count,
            group.examples[0],
            outcomes.join(", "),
            langs.join(", "),
            crate::clock::format_ms(group.last_asked)
        )?;
        for example in group.examples.iter().skip(1) {
            writeln!(out, "       {example}")?;
        }
    }
    Ok(())
}

pub(super) async fn applications(settings: &Settings, actor: &str, action: Action) -> anyhow::Result<()> {
    let app = App::build(settings, Clock::System).await.context("cannot open the application")?;
    let review = app.review();
    let scripts = app.bot.policy().scripts();
    let filter = |selection: &Selection| Filter {
        flow: selection.flow.clone(),
        status: selection.status,
        since: selection.since,
        ..Filter::default()
    };
    let mut out = std::io::stdout().lock();
    match action {
        Action::List { selection, json } => {
            let applications = review.list(&filter(&selection)).await?;
            if json {
                out.write_all(&export::export(&applications, review.flows(), scripts, Format::Json)?)?;
                writeln!(out)?;
            } else {
                for application in &applications {
                    let flow = review.flows().get(&application.flow);
                    writeln!(
                        out,
                        "{}  {}  {}  {}  {}",
                        application.reference,
                        flow.map_or(application.flow.as_str(), |f| f.title.zh.as_str()),
                        application.status.label().zh,
                        crate::clock::format_ms(application.created_at),
                        application.filing.who(flow, scripts, 3)
                    )?;
                }
                writeln!(out, "{} application(s)", applications.len())?;
            }
        }
        Action::Show { reference } => {
            let dossier = review.open(&reference, actor).await?;
            let flow = review.flows().get(&dossier.application.flow);
            writeln!(out, "{}", render_dossier(&dossier, flow, scripts, false))?;
        }
        Action::Approve { reference, note } => {
            decide(review, &mut out, &reference, actor, Decision::Approve(note)).await?
        }
        Action::Reject { reference, reason } => {
            decide(review, &mut out, &reference, actor, Decision::Reject(reason)).await?
        }
        Action::NeedInfo { reference, fields, note } => {
            decide(review, &mut out, &reference, actor, Decision::NeedInfo { fields, note }).await?;
        }
        Action::Export { selection, format, out: path } => {
            let applications = review.list(&filter(&selection)).await?;
            let bytes = export::export(&applications, review.flows(), scripts, format)?;
            match path.as_deref().map(|p| p.to_str() == Some("-")) {
                Some(true) => out.write_all(&bytes)?,
                _ => {
                    let path = path.unwrap_or_else(|| PathBuf::from(format!("applications.{}", format.extension())));
                    std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
                    writeln!(out, "wrote {} application(s) to {}", applications.len(), path.display())?;
                }
            }
        }
    }
    Ok(())
}

async fn decide(
    review: &Review,
    out: &mut impl Write,
    reference: &str,
    actor: &str,
    decision: Decision,
) -> anyhow::Result<()> {
    let application = review.decide(reference, actor, &decision).await?;
    writeln!(out, "{} is now {}", application.reference, application.status)?;
    Ok(())
}
