//! `GET /chat/`: the chat page with the conversation so far, in the visitor's language. A first
//! visit gets a visitor cookie and the bot's greeting (with example questions and the menu); every
//! visit takes the news that waited in the outbox. The page works without its script (forms post
//! and come back here); the script (`chat.js`) sends without reloading and asks for news.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::conversation::{self, FileAsk, FormControls, Shown};
use super::limits::AddressLimit;
use super::visitor::{Visitor, accepted_lang};
use super::words::{LANGUAGES, Words};
use super::{PROFILE, turns};
use crate::bot::{Input, Sender};
use crate::errors;
use crate::store::StoreError;
use crate::store::chat_history;
use crate::web::{ClientAddr, Web};

/// How many of the last entries the page shows (older ones stay for the retention period).
const PAGE_ENTRIES: i64 = 100;
/// How many latest entries a pressed button is looked for in.
pub const ACTIVE_SPAN: i64 = 10;

/// A language of the switch.
struct LangChoice {
    code: &'static str,
    name: &'static str,
    short: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "chat/page.html")]
struct ChatPage<'a> {
    w: Words<'a>,
    csrf: String,
    entries: Vec<Shown>,
    /// Entries after this one are the bot's latest turn: their buttons can be pressed.
    active_after: i64,
    last: i64,
    file: Option<FileAsk>,
    form: Option<FormControls>,
    /// Whether the open form's question may be skipped.
    skip: bool,
    langs: Vec<LangChoice>,
}

#[derive(Template)]
#[template(path = "chat/refusal.html")]
struct RefusalPage<'a> {
    w: &'a Words<'a>,
    notice: &'a str,
}

/// The page telling a visitor without the page's script why a request was refused.
pub fn refusal(words: &Words<'_>, notice: &str) -> String {
    RefusalPage { w: words, notice }.render().unwrap_or_else(|_| notice.to_owned())
}

/// `GET /chat/`.
pub async fn show(
    State(web): State<Arc<Web>>,
    Extension(limit): Extension<Arc<AddressLimit>>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
) -> Response {
    let visitor = Visitor::from_headers(&headers, &web.keys).unwrap_or_default();
    let hint = accepted_lang(&headers);
    let shown = async {
        conversation::take_unasked(&web, &visitor).await?;
        let store = web.bot.store();
        let mut entries = chat_history::recent(&mut *store.read().await?, &visitor.id, PAGE_ENTRIES).await?;
        // The greeting writes (the user and their first entries): counted like a message.
        if entries.is_empty() && limit.allows(addr) {
            greet(&web, &visitor, hint).await;
            entries = chat_history::recent(&mut *store.read().await?, &visitor.id, PAGE_ENTRIES).await?;
        }
        let standing = conversation::standing(&web, &visitor, hint).await?;
        Ok::<_, StoreError>((entries, standing))
    };
    let (entries, standing) = match shown.await {
        Ok(shown) => shown,
        Err(error) => {
            tracing::error!(error = %errors::chain(&error), "the chat page could not be read");
            let words = Words::new(hint.unwrap_or_default(), web.bot.policy().scripts());
            let page = Html(refusal(&words, &words.t("failed")));
            let mut response = (StatusCode::INTERNAL_SERVER_ERROR, page).into_response();
            visitor.set_cookie(response.headers_mut(), &web.keys, web.config.https);
            return response;
        }
    };
    let active_after = entries.iter().rev().find(|entry| entry.role == chat_history::Role::User).map_or(0, |e| e.id);
    let last = entries.last().map_or(0, |entry| entry.id);
    let words = Words::new(standing.lang, web.bot.policy().scripts());
    let langs = LANGUAGES
        .iter()
        .map(|(lang, name, short)| LangChoice { code: lang.code(), name, short, current: *lang == standing.lang })
        .collect();
    let page = ChatPage {
        w: words,
        csrf: web.keys.csrf_token(&visitor.cookie_value(&web.keys)),
        entries: entries.into_iter().map(Shown::from).collect(),
        active_after,
        last,
        file: standing.file,
        skip: standing.form.is_some_and(|form| form.skip),
        form: standing.form,
        langs,
    };
    let mut response = crate::web::page(&page);
    // Set on every visit: the cookie's life starts again, so a returning applicant keeps it.
    visitor.set_cookie(response.headers_mut(), &web.keys, web.config.https);
    response
}

/// Keeps the bot's greeting as the start of `visitor`'s conversation.
async fn greet(web: &Web, visitor: &Visitor, hint: Option<crate::lang::Lang>) {
    let sender = Sender::new(PROFILE.name, visitor.id.clone(), hint);
    let replies = web.bot.handle(&sender, Input::Text("/start".to_owned())).await;
    turns::keep_replies(web, visitor, &replies).await;
}
