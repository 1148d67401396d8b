//! The applications list — filters by form, status and date range, a search by reference or
//! name, pages of [`PAGE_SIZE`], those waiting for staff first, personal identifiers masked — and
//! the export of the same selection as CSV or XLSX (audited with what it selected).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use super::{Page, Signed, Ui, failure, problem};
use crate::clock::{china, format_ms};
use crate::filing::Status;
use crate::staff::export::Format;
use crate::store::applications::Filter;
use crate::web::Web;

/// Applications per page.
pub const PAGE_SIZE: i64 = 50;

/// The list's query string, as the filter form sends it (empty fields filter nothing).
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct Selection {
    #[serde(default)]
    flow: String,
    #[serde(default)]
    status: String,
    /// First day filed, `YYYY-MM-DD`.
    #[serde(default)]
    from: String,
    /// Last day filed, `YYYY-MM-DD`.
    #[serde(default)]
    to: String,
    /// A reference or a name, or part of one.
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
    /// `csv` or `xlsx`, for the export.
    #[serde(default)]
    format: String,
}

impl Selection {
    /// The store's filter; a field that does not parse (a hand-edited URL) filters nothing.
    fn filter(&self) -> Filter {
        let some = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
        Filter {
            flow: some(&self.flow),
            status: self.status.parse::<Status>().ok(),
            since: day_start(&self.from, 0),
            until: day_start(&self.to, 1),
            search: some(&self.q),
        }
    }

    /// The page asked for, from 1.
    fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    /// The query string of this selection on page `page` (without the page for 1).
    fn query(&self, page: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in
            [("flow", &self.flow), ("status", &self.status), ("from", &self.from), ("to", &self.to), ("q", &self.q)]
        {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        query.finish()
    }

    /// What the selection selects, for the audit log (`flow=…, q=…`).
    fn describe(&self) -> String {
        self.query(1).replace('&', ", ")
    }
}

/// Midnight in China time at the start of `day` (`YYYY-MM-DD`) plus `days`, in epoch ms.
fn day_start(day: &str, days: u64) -> Option<i64> {
    let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?.checked_add_days(chrono::Days::new(days))?;
    Some(china().from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single()?.timestamp_millis())
}

/// A line of the list.
pub(super) struct Row {
    reference: String,
    form: String,
    status: Status,
    status_label: String,
    filed: String,
    who: String,
}

/// An option of a select.
pub(super) struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "console/applications.html")]
struct List {
    page: Page,
    rows: Vec<Row>,
    total: i64,
    flows: Vec<Choice>,
    statuses: Vec<Choice>,
    selection: Selection,
    number: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    export_csv: String,
    export_xlsx: String,
}

/// `GET /console/applications`: one page of the selection.
pub(super) async fn list(State(web): State<Arc<Web>>, signed: Signed, Query(selection): Query<Selection>) -> Response {
    let page = signed.page("applications");
    let ui = page.ui;
    let review = web.bot.review();
    let number = selection.page();
    let (found, total) = match review.page(&selection.filter(), (number - 1) * PAGE_SIZE, PAGE_SIZE).await {
        Ok(found) => found,
        Err(error) => return failure(ui, &error),
    };
    let scripts = web.bot.policy().scripts();
    let rows = found
        .iter()
        .map(|application| {
            let flow = review.flows().get(&application.flow);
            Row {
                reference: application.reference.clone(),
                form: flow.map_or_else(|| application.flow.clone(), |flow| ui.pick(&flow.title).to_owned()),
                status: application.status,
                status_label: ui.pick(&application.status.label()).to_owned(),
                filed: format_ms(application.created_at),
                who: application.filing.who(flow, scripts, 2),
            }
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |page: i64| format!("/console/applications?{}", selection.query(page));
    let export = |format: &str| format!("/console/applications/export?{}&format={format}", selection.query(1));
    let template = List {
        rows,
        total,
        flows: review
            .flows()
            .iter()
            .map(|flow| Choice { value: flow.id.clone(), label: ui.pick(&flow.title).to_owned() })
            .collect(),
        statuses: Status::ALL
            .iter()
            .map(|status| Choice { value: status.as_str().to_owned(), label: ui.pick(&status.label()).to_owned() })
            .collect(),
        number,
        pages,
        previous: (number > 1).then(|| link(number - 1)),
        next: (number < pages).then(|| link(number + 1)),
        export_csv: export("csv"),
        export_xlsx: export("xlsx"),
        selection,
        page,
    };
    crate::web::page(&template)
}

/// `GET /console/applications/export?…&format=csv|xlsx`: the whole selection as a download.
pub(super) async fn export(
    State(web): State<Arc<Web>>,
    signed: Signed,
    Query(selection): Query<Selection>,
) -> Response {
    let ui: Ui = signed.page.ui;
    let format = match selection.format.as_str() {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return problem(StatusCode::BAD_REQUEST, ui, "bad_format"),
    };
    let scripts = web.bot.policy().scripts();
    let exported = web
        .bot
        .review()
        .export(&selection.filter(), format, scripts, &signed.viewer.actor(), &selection.describe())
        .await;
    let (bytes, _) = match exported {
        Ok(exported) => exported,
        Err(error) => return failure(ui, &error),
    };
    let stamp = format_ms(web.bot.clock().now_ms()).replace([' ', ':'], "-");
    let name = format!("applications-{stamp}.{}", format.extension());
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_becomes_a_filter_with_china_days_and_ignores_what_does_not_parse() {
        let selection = Selection {
            flow: "settlement".into(),
            status: "need_info".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            q: " 张 ".into(),
            ..Selection::default()
        };
        let filter = selection.filter();
        assert_eq!(filter.status, Some(Status::NeedInfo));
        assert_eq!(filter.since, day_start("2026-11-01", 0));
        assert_eq!(filter.until.unwrap() - filter.since.unwrap(), 30 * 24 * 3600 * 1000, "the last day is included");
        assert_eq!(filter.search.as_deref(), Some("张"));
        let odd = Selection { status: "maybe".into(), from: "yesterday".into(), ..Selection::default() }.filter();
        assert_eq!(odd, Filter::default());
        assert_eq!(
            selection.query(2),
            "flow=settlement&status=need_info&from=2026-11-01&to=2026-11-30&q=%E5%BC%A0&page=2"
        );
    }
}
