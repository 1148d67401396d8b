//! What a chat page is shown: the conversation's entries it does not have yet (with the news that
//! waited in the outbox), whether the open form asks for a file, and the refusals of a request in
//! the visitor's language, as JSON for the page's script or as a small page without it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::visitor::{Visitor, accepted_lang};
use super::words::Words;
use super::{PROFILE, page};
use crate::dialog::engine::Stage;
use crate::dialog::flow::{FileType, Kind};
use crate::errors;
use crate::lang::Lang;
use crate::reply::Button;
use crate::store::StoreError;
use crate::store::chat_history::{self, Added, Entry, Role};
use crate::store::sessions::Session;
use crate::store::users::{self, User};
use crate::web::Web;

/// The most entries one answer carries (a page asks again for more).
pub const MAX_ENTRIES: i64 = 200;

/// Why a chat request was not served.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The database failed.
    #[error("the conversation could not be read or written")]
    Store(#[from] StoreError),
    /// The request was refused with a word for the visitor.
    #[error("refused: {}", .0.word)]
    Refused(Refusal),
}

/// A request refused with a reason the visitor is told (a key of the page's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// The reason, a key of the page's words.
    pub word: &'static str,
}

/// The error refusing a request with `status`, saying `word`.
pub const fn refuse(status: StatusCode, word: &'static str) -> ChatError {
    ChatError::Refused(Refusal { status, word })
}

/// A file the open form asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileAsk {
    /// The MIME types it takes, comma-separated (the file input's `accept`).
    pub accept: String,
    /// The largest size it takes, in bytes.
    pub max: u64,
}

/// What the visitor can do in the open form besides answering: go back, cancel, and skip an
/// optional question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FormControls {
    /// Whether the question may be skipped.
    pub skip: bool,
}

/// One entry as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    /// Its place in the conversation.
    pub id: i64,
    /// `user` or `bot` (the element's `data-role`).
    pub role: &'static str,
    /// What was said.
    pub text: String,
    /// The buttons under it.
    pub buttons: Vec<Button>,
}

impl From<Entry> for Shown {
    fn from(entry: Entry) -> Self {
        let role = match entry.role {
            Role::User => "user",
            Role::Bot => "bot",
        };
        Self { id: entry.id, role, text: entry.text, buttons: entry.buttons }
    }
}

/// What a page gets after a request: the entries it lacks and what the bot waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct News {
    /// Entries after the page's last, oldest first.
    pub entries: Vec<Shown>,
    /// The file the open form asks for, if any (sent with new entries, when it may change).
    pub file: Option<FileAsk>,
    /// The open form's controls, if a form is open (sent with new entries, as the file).
    pub form: Option<FormControls>,
    /// Whether the page must drop what it shows first (the visitor erased their data).
    pub reset: bool,
}

/// A visitor the bot knows: the user and their open form.
pub type Known = (User, Option<Session>);

/// Where a visitor stands: their language and the file their form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The language of replies (the browser's until the visitor has talked to the bot).
    pub lang: Lang,
    /// The file the open form asks for.
    pub file: Option<FileAsk>,
    /// The open form's controls.
    pub form: Option<FormControls>,
}

/// Where `visitor` stands, with `hint` (the browser's language) for a visitor the bot does not
/// know yet.
pub async fn standing(web: &Web, visitor: &Visitor, hint: Option<Lang>) -> Result<Standing, StoreError> {
    let found = users::with_session(&mut *web.bot.store().read().await?, PROFILE.name, &visitor.id).await?;
    Ok(standing_of(web, found, hint))
}

/// Where a visitor stands who is the user `found` (`None`: the bot does not know them yet).
fn standing_of(web: &Web, found: Option<Known>, hint: Option<Lang>) -> Standing {
    let Some((user, session)) = found else {
        return Standing { lang: hint.unwrap_or_default(), file: None, form: None };
    };
    let lang = Lang::from_code(&user.lang).or(hint).unwrap_or_default();
    let asked = session.as_ref().and_then(|session| match &session.state.stage {
        Stage::Ask(key) => web.bot.flows().get(&session.flow)?.step(key),
        Stage::Consent(_) | Stage::Summary => None,
    });
    let file = asked.and_then(|step| match &step.kind {
        Kind::File { accept, max_bytes } => Some(FileAsk { accept: mime_types(accept), max: *max_bytes }),
        _ => None,
    });
    let form = session.map(|_| FormControls { skip: asked.is_some_and(|step| step.optional) });
    Standing { lang, file, form }
}

/// The MIME types of `types`, for a file input's `accept`.
fn mime_types(types: &[FileType]) -> String {
    let each = |file_type: &FileType| match file_type {
        FileType::Image => "image/jpeg,image/png,image/webp,image/heic,image/heif",
        FileType::Pdf => "application/pdf",
    };
    types.iter().map(each).collect::<Vec<_>>().join(",")
}

/// Moves the news waiting for `visitor` in the outbox into their conversation (a read when there
/// is none).
pub async fn take_unasked(web: &Web, visitor: &Visitor) -> Result<(), StoreError> {
    let store = web.bot.store();
    if chat_history::has_unasked(&mut *store.read().await?, PROFILE.name, &visitor.id).await? {
        let mut tx = store.begin().await?;
        chat_history::take_unasked(&mut tx, PROFILE.name, &visitor.id, web.bot.clock().now_ms()).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The entries of `visitor` after `after`, and where they stand when there are any: as `known`
/// says (the core's after a turn), else as read.
pub async fn news(
    web: &Web,
    visitor: &Visitor,
    after: i64,
    known: Option<Known>,
    reset: bool,
) -> Result<News, StoreError> {
    let entries = chat_history::since(&mut *web.bot.store().read().await?, &visitor.id, after, MAX_ENTRIES).await?;
    news_of(web, visitor, entries, known, reset).await
}

/// What a page whose last entry is `after` lacks once a turn `added` entries: those alone when
/// nothing of the visitor's came before them since `after` or between them, without reading them
/// back; else everything after `after` (from the first added at least), read.
pub async fn after_turn(
    web: &Web,
    visitor: &Visitor,
    after: i64,
    added: Added,
    known: Option<Known>,
    reset: bool,
) -> Result<News, StoreError> {
    let Some(first) = added.entries.first() else { return news(web, visitor, after, known, reset).await };
    // One statement numbers its rows one after the other on SQLite; on PostgreSQL another may
    // take numbers between them.
    let together = added.entries.windows(2).all(|pair| pair[1].id == pair[0].id + 1);
    if added.previous <= after && together {
        news_of(web, visitor, added.entries, known, reset).await
    } else {
        news(web, visitor, after.min(first.id - 1), known, reset).await
    }
}

/// What a page is shown of `entries`, with where the visitor stands (as [`news`]).
async fn news_of(
    web: &Web,
    visitor: &Visitor,
    entries: Vec<Entry>,
    known: Option<Known>,
    reset: bool,
) -> Result<News, StoreError> {
    let (file, form) = match (entries.is_empty(), known) {
        (true, _) => (None, None),
        (false, Some(known)) => {
            let standing = standing_of(web, Some(known), None);
            (standing.file, standing.form)
        }
        (false, None) => {
            let standing = standing(web, visitor, None).await?;
            (standing.file, standing.form)
        }
    };
    Ok(News { entries: entries.into_iter().map(Shown::from).collect(), file, form, reset })
}

/// The query of `GET /chat/history`.
#[derive(Debug, Deserialize)]
pub struct After {
    /// The last entry the page has.
    #[serde(default)]
    pub after: i64,
}

/// `GET /chat/history?after=N`: the news since the page's last entry (the page asks every few
/// seconds while it is open, and at once when it is shown again).
pub async fn history(State(web): State<Arc<Web>>, headers: HeaderMap, Query(after): Query<After>) -> Response {
    let result = async {
        let visitor = Visitor::from_headers(&headers, &web.keys).ok_or(refuse(StatusCode::FORBIDDEN, "expired"))?;
        take_unasked(&web, &visitor).await?;
        Ok(news(&web, &visitor, after.after, None, false).await?)
    };
    answer(&web, &headers, result.await).await
}

/// Whether the request comes from the page's script (which asks for JSON) rather than a form.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).is_some_and(|accept| accept.contains("json"))
}

/// The answer to a chat request: the news as JSON for the script, or back to the page for a
/// form; a refusal or failure with a word in the visitor's language.
pub async fn answer(web: &Web, headers: &HeaderMap, result: Result<News, ChatError>) -> Response {
    let json = wants_json(headers);
    let refusal = match result {
        Ok(news) if json => return Json(news).into_response(),
        Ok(_) => return Redirect::to("/chat/#message").into_response(),
        Err(ChatError::Refused(refusal)) => refusal,
        Err(ChatError::Store(error)) => {
            tracing::error!(error = %errors::chain(&error), "a chat request failed");
            Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, word: "failed" }
        }
    };
    // The visitor's language is read only for a refusal; the browser's serves when it cannot be.
    let hint = accepted_lang(headers);
    let lang = match Visitor::from_headers(headers, &web.keys) {
        Some(visitor) => standing(web, &visitor, hint).await.map(|standing| standing.lang).ok().or(hint),
        None => hint,
    };
    let words = Words::new(lang.unwrap_or_default(), web.bot.policy().scripts());
    let notice = words.t(refusal.word);
    if json {
        (refusal.status, Json(serde_json::json!({ "notice": notice }))).into_response()
    } else {
        (refusal.status, Html(page::refusal(&words, &notice))).into_response()
    }
}
