//! One application: every answer with its label, its files (images inline, PDFs in the browser
//! or downloaded, anything else downloaded), its history, and the decisions on it — approve,
//! reject, need-info — taken through the one review path Telegram and the command line use
//! ([`crate::staff::Review::decide`]), audited with the staff account.

use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Page, Signed, Ui, failure, problem};
use crate::clock::format_ms;
use crate::filing::Status;
use crate::staff::{Decision, ReviewError};
use crate::web::Web;

/// What the page says after a decision.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Outcome {
    /// The status an application was moved to.
    #[serde(default)]
    done: Option<String>,
    /// The key of the words saying why a decision was not taken.
    #[serde(default)]
    error: Option<String>,
}

/// A file of the application as the page shows it.
pub(super) struct FileView {
    url: String,
    name: String,
    field: String,
    size: i64,
    image: bool,
}

/// A line of the history.
pub(super) struct EventView {
    when: String,
    actor: String,
    from: String,
    to: String,
    note: String,
    fields: String,
}

/// A field staff may ask to be answered again.
pub(super) struct FieldChoice {
    key: String,
    label: String,
}

#[derive(Template)]
#[template(path = "console/application.html")]
struct Show {
    page: Page,
    reference: String,
    form: String,
    status: Status,
    status_label: String,
    filed: String,
    updated: String,
    tier: Option<String>,
    applicant: String,
    answers: Vec<(String, String)>,
    files: Vec<FileView>,
    events: Vec<EventView>,
    fields: Vec<FieldChoice>,
    open: bool,
    notice: Option<String>,
    error: Option<&'static str>,
}

/// `GET /console/applications/{reference}`: the application in full (its viewing audited; a
/// newly filed one goes into review, which its applicant is told).
pub(super) async fn show(
    State(web): State<Arc<Web>>,
    signed: Signed,
    Path(reference): Path<String>,
    Query(outcome): Query<Outcome>,
) -> Response {
    let page = signed.page("applications");
    let ui = page.ui;
    let review = web.bot.review();
    let dossier = match review.open(&reference, &signed.viewer.actor()).await {
        Ok(dossier) => dossier,
        Err(ReviewError::NotFound(_)) => return problem(StatusCode::NOT_FOUND, ui, "not_found"),
        Err(error) => return failure(ui, &error),
    };
    let application = &dossier.application;
    let flow = review.flows().get(&application.flow);
    let scripts = web.bot.policy().scripts();
    let label = |status: Status| ui.pick(&status.label()).to_owned();
    let files = dossier
        .attachments
        .iter()
        .map(|file| FileView {
            url: format!("/console/applications/{}/files/{}", application.reference, file.id),
            name: file.name.clone(),
            field: flow
                .and_then(|flow| flow.step(&file.field))
                .map_or_else(|| file.field.clone(), |step| ui.pick(&step.label()).to_owned()),
            size: file.size,
            image: matches!(file.mime.as_str(), "image/jpeg" | "image/png" | "image/webp"),
        })
        .collect();
    let events = dossier
        .events
        .iter()
        .map(|event| EventView {
            when: format_ms(event.created_at),
            actor: event.actor.clone(),
            from: event.from_status.map(label).unwrap_or_default(),
            to: label(event.to_status),
            note: event.note.clone().unwrap_or_default(),
            fields: event.fields.as_ref().map(|fields| fields.join(", ")).unwrap_or_default(),
        })
        .collect();
    let fields = flow
        .map(|flow| {
            flow.steps
                .iter()
                .map(|step| FieldChoice { key: step.key.clone(), label: ui.pick(&step.label()).to_owned() })
                .collect()
        })
        .unwrap_or_default();
    let applicant =
        dossier.user.as_ref().map(|user| format!("{}:{}", user.channel, user.external_id)).unwrap_or_default();
    let template = Show {
        reference: application.reference.clone(),
        form: flow.map_or_else(|| application.flow.clone(), |flow| ui.pick(&flow.title).to_owned()),
        status: application.status,
        status_label: label(application.status),
        filed: format_ms(application.created_at),
        updated: format_ms(application.updated_at),
        tier: application.filing.tier.clone(),
        applicant,
        answers: application.filing.lines(flow, ui.lang(), scripts, false),
        files,
        events,
        fields,
        open: [Status::Approved, Status::Rejected, Status::NeedInfo]
            .iter()
            .any(|to| application.status.can_become(*to)),
        notice: outcome.done.and_then(|done| done.parse::<Status>().ok()).map(label),
        error: outcome.error.as_deref().and_then(decision_error),
        page,
    };
    crate::web::page(&template)
}

/// The words for a refused decision's error key (only the known ones).
fn decision_error(key: &str) -> Option<&'static str> {
    ["not_allowed", "need_reason", "need_fields", "unknown_field", "bad_action"].into_iter().find(|known| *known == key)
}

/// `POST /console/applications/{reference}/decision` with `action` (approve, reject,
/// need-info), `note` and for need-info one `field` per field to answer again. Back to the page,
/// saying what happened.
pub(super) async fn decide(
    State(web): State<Arc<Web>>,
    signed: Signed,
    Path(reference): Path<String>,
    body: Bytes,
) -> Response {
    let ui: Ui = signed.page.ui;
    let mut action = String::new();
    let mut note = String::new();
    let mut fields = Vec::new();
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "action" => action = value.into_owned(),
            "note" => note = value.trim().to_owned(),
            "field" => fields.push(value.into_owned()),
            _ => {}
        }
    }
    let decision = match action.as_str() {
        "approve" => Decision::Approve(Some(note).filter(|note| !note.is_empty())),
        "reject" => Decision::Reject(note),
        "need-info" => Decision::NeedInfo { fields, note },
        _ => return back(&reference, "error=bad_action"),
    };
    match web.bot.review().decide(&reference, &signed.viewer.actor(), &decision).await {
        Ok(application) => back(&reference, &format!("done={}", application.status.as_str())),
        Err(ReviewError::NotFound(_)) => problem(StatusCode::NOT_FOUND, ui, "not_found"),
        Err(ReviewError::NotAllowed { .. }) => back(&reference, "error=not_allowed"),
        Err(ReviewError::Incomplete(_)) if matches!(decision, Decision::Reject(_)) => {
            back(&reference, "error=need_reason")
        }
        Err(ReviewError::Incomplete(_)) => back(&reference, "error=need_fields"),
        Err(ReviewError::UnknownField { .. }) => back(&reference, "error=unknown_field"),
        Err(error) => failure(ui, &error),
    }
}

/// Back to the application's page with `query`.
fn back(reference: &str, query: &str) -> Response {
    let reference: String = url::form_urlencoded::byte_serialize(reference.as_bytes()).collect();
    Redirect::to(&format!("/console/applications/{reference}?{query}")).into_response()
}

/// `?download` asks for a file as a download even where the browser could show it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FileQuery {
    #[serde(default)]
    download: Option<String>,
}

/// `GET /console/applications/{reference}/files/{id}`: a file of the application, its viewing
/// audited, served with the type its bytes show (never HTML) and a `Content-Disposition`.
pub(super) async fn file(
    State(web): State<Arc<Web>>,
    signed: Signed,
    Path((reference, id)): Path<(String, i64)>,
    Query(query): Query<FileQuery>,
) -> Response {
    let ui = signed.page.ui;
    let file = match web.bot.review().attachment(&reference, id, &signed.viewer.actor()).await {
        Ok(file) => file,
        Err(ReviewError::NotFound(_)) => return problem(StatusCode::NOT_FOUND, ui, "not_found"),
        Err(error) => return failure(ui, &error),
    };
    let bytes = match tokio::fs::read(&file.location).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(reference, id, error = %error, "a stored file cannot be read");
            return problem(StatusCode::NOT_FOUND, ui, "file_missing");
        }
    };
    let shown = checked_type(&file.mime, &bytes);
    let inline = shown.is_some() && query.download.is_none();
    let disposition = format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        ascii_name(&file.name),
        url::form_urlencoded::byte_serialize(file.name.as_bytes()).collect::<String>().replace('+', "%20")
    );
    let headers = [
        (header::CONTENT_TYPE, shown.unwrap_or("application/octet-stream").to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    (headers, bytes).into_response()
}

/// The type to serve a file as, when its bytes are what its declared type says and a browser
/// shows that type safely; `None`: a download of unknown type.
fn checked_type(declared: &str, bytes: &[u8]) -> Option<&'static str> {
    type Looks = fn(&[u8]) -> bool;
    let known: [(&str, Looks); 4] = [
        ("image/jpeg", |b| b.starts_with(&[0xFF, 0xD8, 0xFF])),
        ("image/png", |b| b.starts_with(b"\x89PNG\r\n\x1a\n")),
        ("image/webp", |b| b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP"),
        ("application/pdf", |b| b.starts_with(b"%PDF-")),
    ];
    known.into_iter().find(|(mime, looks)| *mime == declared && looks(bytes)).map(|(mime, _)| mime)
}

/// A file name for the plain `filename=` (the UTF-8 one goes in `filename*`): ASCII without quotes.
fn ascii_name(name: &str) -> String {
    let plain: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    if plain.trim_matches('_').is_empty() { "file".to_owned() } else { plain }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_shown_only_as_the_type_its_bytes_are() {
        assert_eq!(checked_type("image/png", b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(checked_type("image/png", b"<html><script>"), None, "HTML called a PNG is downloaded");
        assert_eq!(checked_type("application/pdf", b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(checked_type("image/heic", b"....ftypheic"), None);
        assert_eq!(checked_type("image/jpeg", b"%PDF-1.7"), None);
    }

    #[test]
    fn file_names_in_headers_are_plain_ascii() {
        assert_eq!(ascii_name("证书 \"1\".png"), "__ _1_.png");
        assert_eq!(ascii_name("证书"), "file");
    }
}
