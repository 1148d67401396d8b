//! What citizens ask and where applicants give up: the questions the bot could not answer (or
//! answered unsurely, or handed over), grouped with counts; each form's funnel; the Q&A figures
//! (questions per day by how they went, the clauses quoted most). Over the last [`DAYS`] days.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Days;

use super::charts::{self, Bar};
use super::{Page, Signed, failure};
use crate::clock::format_ms;
use crate::staff::figures;
use crate::store::tallies::{ANSWERED, Metric};
use crate::web::Web;

/// The period the pages cover, in days up to today.
pub const DAYS: u64 = 30;
/// The most questions read from the log for the grouping.
const QUESTION_LIMIT: i64 = 20_000;

/// A group of similar questions.
pub(super) struct QuestionGroup {
    count: usize,
    examples: Vec<String>,
    outcomes: String,
    last_asked: String,
}

#[derive(Template)]
#[template(path = "console/questions.html")]
struct Questions {
    page: Page,
    groups: Vec<QuestionGroup>,
    days: u64,
}

/// `GET /console/questions`: the questions of the last [`DAYS`] days the bot did not answer
/// with confidence, grouped, most frequent first.
pub(super) async fn questions(State(web): State<Arc<Web>>, signed: Signed) -> Response {
    let page = signed.page("questions");
    let ui = page.ui;
    let since = web.bot.clock().now_ms() - DAYS as i64 * 24 * 3600 * 1000;
    let logged = match web.bot.question_log(since, QUESTION_LIMIT).await {
        Ok(logged) => logged,
        Err(error) => return failure(ui, &error),
    };
    let policy = web.bot.policy();
    let groups = crate::staff::questions::group(&logged, |text| policy.normalize(text).0)
        .into_iter()
        .map(|group| QuestionGroup {
            count: group.count,
            examples: group.examples,
            outcomes: group
                .outcomes
                .iter()
                .map(|(outcome, count)| format!("{} {count}", ui.t(outcome.name())))
                .collect::<Vec<_>>()
                .join(" · "),
            last_asked: format_ms(group.last_asked),
        })
        .collect();
    crate::web::page(&Questions { page, groups, days: DAYS })
}

/// A form's funnel.
pub(super) struct Funnel {
    title: String,
    started: i64,
    filed: i64,
    chart: String,
}

#[derive(Template)]
#[template(path = "console/figures.html")]
struct Figures {
    page: Page,
    days: u64,
    funnels: Vec<Funnel>,
    per_day: String,
    outcomes: Vec<(String, i64)>,
    clauses: String,
}

/// `GET /console/figures`: the funnels and the Q&A figures of the last [`DAYS`] days.
pub(super) async fn figures(State(web): State<Arc<Web>>, signed: Signed) -> Response {
    let page = signed.page("figures");
    let ui = page.ui;
    // This instance's latest counts first, so that what just happened shows.
    if let Err(error) = web.bot.flush_tallies().await {
        return failure(ui, &error);
    }
    let today = web.bot.clock().today();
    let first = today.checked_sub_days(Days::new(DAYS - 1)).unwrap_or(today);
    let days: Vec<String> = first.iter_days().take_while(|day| *day <= today).map(|day| day.to_string()).collect();
    let (from, to) = (days[0].clone(), today.to_string());
    let store = web.bot.store();
    let read = async {
        Ok::<_, crate::store::StoreError>((
            figures::read(store, Metric::Form, &from, &to).await?,
            figures::read(store, Metric::Question, &from, &to).await?,
            figures::read(store, Metric::Clause, &from, &to).await?,
        ))
    };
    let (forms, questions, clauses) = match read.await {
        Ok(read) => read,
        Err(error) => return failure(ui, &error),
    };
    let funnels = web
        .bot
        .flows()
        .iter()
        .map(|flow| {
            let stages = figures::funnel(flow, &forms);
            let bars: Vec<Bar> = stages
                .iter()
                .map(|stage| Bar {
                    label: match flow.step(&stage.mark) {
                        Some(step) => ui.pick(&step.label()).to_owned(),
                        None => ui.t(&format!("stage_{}", stage.mark)).to_owned(),
                    },
                    value: stage.reached,
                    note: if stage.dropped > 0 { format!("  (−{})", stage.dropped) } else { String::new() },
                })
                .collect();
            let title = ui.pick(&flow.title).to_owned();
            Funnel {
                started: stages.first().map_or(0, |stage| stage.reached),
                filed: stages.last().map_or(0, |stage| stage.reached),
                chart: charts::bars(&title, &bars),
                title,
            }
        })
        .collect();
    let mut by_day: BTreeMap<(&str, bool), i64> = BTreeMap::new();
    for tally in &questions {
        *by_day.entry((tally.day.as_str(), tally.subject == ANSWERED)).or_default() += tally.count;
    }
    let series = |answered: bool| -> Vec<i64> {
        days.iter().map(|day| by_day.get(&(day.as_str(), answered)).copied().unwrap_or(0)).collect()
    };
    let per_day = charts::columns(
        ui.t("questions_per_day"),
        &days,
        &[(ui.t("answered").to_owned(), series(true)), (ui.t("not_answered").to_owned(), series(false))],
    );
    let outcomes =
        figures::top(&questions, 10).into_iter().map(|(outcome, count)| (ui.t(&outcome).to_owned(), count)).collect();
    let clause_bars: Vec<Bar> = figures::top(&clauses, 10)
        .into_iter()
        .map(|(clause, count)| Bar {
            label: format!("{}{clause}{}", ui.t("clause_before"), ui.t("clause_after")),
            value: count,
            note: String::new(),
        })
        .collect();
    let clauses = if clause_bars.is_empty() { String::new() } else { charts::bars(ui.t("top_clauses"), &clause_bars) };
    crate::web::page(&Figures { page, days: DAYS, funnels, per_day, outcomes, clauses })
}
