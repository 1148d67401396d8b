//! The audit log, for admins only: who viewed, decided, exported and signed in, newest first.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Page, Signed, failure, problem};
use crate::clock::format_ms;
use crate::web::Web;

/// The entries shown.
const ENTRIES: i64 = 500;

#[derive(Template)]
#[template(path = "console/audit.html")]
struct Log {
    page: Page,
    entries: Vec<(String, String, String, String)>,
}

/// `GET /console/audit`: the latest entries; 403 for reviewers.
pub(super) async fn log(State(web): State<Arc<Web>>, signed: Signed) -> Response {
    let page = signed.page("audit");
    if !signed.viewer.is_admin() {
        return problem(StatusCode::FORBIDDEN, page.ui, "admins_only");
    }
    let entries = match web.bot.review().audit_log(ENTRIES).await {
        Ok(entries) => entries,
        Err(error) => return failure(page.ui, &error),
    };
    let entries = entries
        .into_iter()
        .map(|entry| (format_ms(entry.created_at), entry.actor, entry.action, entry.detail))
        .collect();
    crate::web::page(&Log { page, entries })
}
