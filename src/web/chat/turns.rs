//! One message of a visitor through the core: typed text (`POST /chat/message`), a pressed button
//! (`POST /chat/choice`) or a file (`POST /chat/upload`, the request's body is the file). The
//! message is handled by the core as the user of the visitor's id on the channel `web`, and the
//! replies go back through [`Exchange`], the channel that keeps them in the conversation with the
//! visitor's message, in one statement; the page gets what it lacks.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Form, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures::StreamExt;
use serde::Deserialize;

use super::conversation::{self, After, ChatError, News, refuse};
use super::limits::AddressLimit;
use super::visitor::{Visitor, accepted_lang};
use super::words::LANGUAGES;
use super::{PROFILE, page};
use crate::bot::{Handled, Input, Sender};
use crate::clock::Clock;
use crate::delivery::{self, Channel, DeliveryError, Failure, Incoming, Profile, RemoteFile, Unsent};
use crate::dialog::flow::{MAX_FILE_BYTES, MAX_TEXT_CHARS};
use crate::errors;
use crate::lang::Lang;
use crate::messages::Message;
use crate::reply::Reply;
use crate::store::chat_history::{self, Added, NewEntry};
use crate::store::{Store, StoreError};
use crate::web::{ClientAddr, Web};

/// The data of the button that confirms `/forget`: after it, the conversation is erased too.
const FORGET_CONFIRMED: &str = "forget:yes";
/// The most bytes of button data (Telegram's limit for callback data, which the core keeps to).
const MAX_CHOICE_BYTES: usize = 64;
/// The longest file name kept.
const MAX_NAME_CHARS: usize = 120;

/// A typed message.
#[derive(Debug, Deserialize)]
pub struct Typed {
    text: String,
    #[serde(default)]
    after: i64,
}

/// A pressed button.
#[derive(Debug, Deserialize)]
pub struct Chosen {
    choice: String,
    #[serde(default)]
    after: i64,
}

/// `POST /chat/message`.
pub async fn message(asked: Asked, Form(typed): Form<Typed>) -> Response {
    let result = async {
        let text = typed.text.trim();
        if text.is_empty() {
            return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "empty"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, "too_long"));
        }
        let turn = asked.turn()?;
        turn.run(text, Incoming::Text(text.to_owned()), None, typed.after).await
    };
    conversation::answer(&asked.web, &asked.headers, result.await).await
}

/// `POST /chat/choice`: a button under the bot's latest message, or the language switch.
pub async fn choice(asked: Asked, Form(chosen): Form<Chosen>) -> Response {
    let result = async {
        let turn = asked.turn()?;
        let data = chosen.choice.as_str();
        if data.len() > MAX_CHOICE_BYTES {
            return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "bad_choice"));
        }
        // What the visitor pressed, as the page labelled it: only a button the bot offered in the
        // latest messages, or a language of the switch.
        let label = match label_of(&asked.web, &turn.visitor, data).await? {
            Some(label) => label,
            None => return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "bad_choice")),
        };
        turn.run(&label, Incoming::Button(data.to_owned()), None, chosen.after).await
    };
    conversation::answer(&asked.web, &asked.headers, result.await).await
}

/// `POST /chat/upload?after=N`: the body is the file, its name in `X-File-Name` (percent-encoded),
/// its type as the browser says in `Content-Type` (the core types it by its content). A file over
/// the limit is not kept: the form explains the limit.
pub async fn upload(asked: Asked, Query(after): Query<After>, body: Body) -> Response {
    let result = async {
        let turn = asked.turn()?;
        let name = file_name(&asked.headers);
        let mime = header_text(&asked.headers, header::CONTENT_TYPE.as_str()).unwrap_or("application/octet-stream");
        let (bytes, size) = read_upload(body).await;
        let remote = RemoteFile { id: "upload".to_owned(), name: name.clone(), mime: mime.to_owned(), size };
        turn.run(&format!("📎 {name}"), Incoming::File(remote), bytes, after.after).await
    };
    conversation::answer(&asked.web, &asked.headers, result.await).await
}

/// The most bytes of an upload read before the connection is dropped: a file somewhat over the
/// limit is read to its end and explained by the form; a flood is cut off.
const MAX_DRAINED_BYTES: u64 = 4 * MAX_FILE_BYTES;

/// The uploaded bytes (none when over the limit) and the size of the upload.
async fn read_upload(body: Body) -> (Option<Vec<u8>>, u64) {
    let mut stream = body.into_data_stream();
    let (mut bytes, mut size) = (Vec::new(), 0u64);
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        size += chunk.len() as u64;
        if size <= MAX_FILE_BYTES {
            bytes.extend_from_slice(&chunk);
        } else if size > MAX_DRAINED_BYTES {
            break;
        }
    }
    if size > MAX_FILE_BYTES { (None, size) } else { (Some(bytes), size) }
}

/// What a request bringing a message has: the web, the limit per address, the client's address
/// and the headers (the visitor's cookie and language).
pub struct Asked {
    web: Arc<Web>,
    limit: Arc<AddressLimit>,
    addr: IpAddr,
    headers: HeaderMap,
}

impl FromRequestParts<Arc<Web>> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Arc<Web>) -> Result<Self, Self::Rejection> {
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, web).await?;
        // The router always adds the limit; a router without it would limit nobody rather than fail.
        let limit = parts.extensions.get::<Arc<AddressLimit>>().cloned().unwrap_or_default();
        Ok(Self { web: Arc::clone(web), limit, addr, headers: parts.headers.clone() })
    }
}

impl Asked {
    /// The turn of the request's visitor, if their address is within its limit.
    fn turn(&self) -> Result<Turn<'_>, ChatError> {
        Turn::new(&self.web, &self.limit, self.addr, &self.headers)
    }
}

/// A visitor's message on its way through the core.
struct Turn<'a> {
    web: &'a Web,
    visitor: Visitor,
    /// The browser's language, for a visitor the bot does not know yet.
    hint: Option<Lang>,
}

impl<'a> Turn<'a> {
    /// The turn of the request's visitor, if their address is within its limit.
    fn new(web: &'a Web, limit: &AddressLimit, addr: IpAddr, headers: &HeaderMap) -> Result<Self, ChatError> {
        let visitor = Visitor::from_headers(headers, &web.keys).ok_or(refuse(StatusCode::FORBIDDEN, "expired"))?;
        if !limit.allows(addr) {
            return Err(refuse(StatusCode::TOO_MANY_REQUESTS, "too_many"));
        }
        Ok(Self { web, visitor, hint: accepted_lang(headers) })
    }

    /// Hands `incoming` (with the uploaded bytes of a file) to the core and keeps what the visitor
    /// `said` with the core's replies, in one statement; the entries after `after` (from the
    /// visitor's own at least).
    async fn run(self, said: &str, incoming: Incoming, upload: Option<Vec<u8>>, after: i64) -> Result<News, ChatError> {
        let (web, visitor) = (self.web, &self.visitor);
        let bot = &web.bot;
        // The press that erases the conversation is not kept either.
        let forgetting = matches!(&incoming, Incoming::Button(data) if data == FORGET_CONFIRMED);
        let exchange = Exchange::new(web, upload, (!forgetting).then(|| said.to_owned()));
        let Handled { replies, state } = match self.input(&exchange, incoming).await {
            Ok(input) => bot.handle_with_state(&Sender::new(PROFILE.name, visitor.id.clone(), self.hint), input).await,
            Err(error) => {
                tracing::warn!(error = %errors::chain(&error), "an uploaded file could not be kept");
                let lang = conversation::standing(web, visitor, self.hint).await?.lang;
                let sorry = Reply::text(Message::FileNotReceived.render(lang, bot.policy()));
                Handled { replies: vec![sorry], state: None }
            }
        };
        if forgetting {
            chat_history::forget(&mut *bot.store().acquire().await?, &visitor.id).await?;
        }
        bot.delivery().reply(&exchange, &visitor.id, &replies).await;
        let added = exchange.finish(&visitor.id).await?;
        let after = if forgetting { 0 } else { after };
        Ok(conversation::after_turn(web, visitor, after, added, state, forgetting).await?)
    }

    /// What the core gets for `incoming`: a file is fetched from the request through `exchange`.
    async fn input(&self, exchange: &Exchange<'_>, incoming: Incoming) -> Result<Input, DeliveryError> {
        Ok(match incoming {
            Incoming::Text(text) => Input::Text(text),
            Incoming::Button(data) => Input::Button(data),
            Incoming::File(remote) => Input::File(self.web.bot.delivery().fetch_file(exchange, remote).await?),
        })
    }
}

/// Keeps `replies` in `visitor`'s conversation, through the channel as every reply goes.
pub async fn keep_replies(web: &Web, visitor: &Visitor, replies: &[Reply]) {
    web.bot.delivery().reply(&Exchange::new(web, None, None), &visitor.id, replies).await;
}

/// The label of the button with `data` among the bot's latest messages to `visitor`, or the
/// language the switch's `lang:` data names; `None` for a button the page could not have shown.
async fn label_of(web: &Web, visitor: &Visitor, data: &str) -> Result<Option<String>, StoreError> {
    if let Some(code) = data.strip_prefix("lang:") {
        return Ok(LANGUAGES.iter().find(|(lang, ..)| lang.code() == code).map(|(_, name, _)| (*name).to_owned()));
    }
    let recent = chat_history::recent(&mut *web.bot.store().read().await?, &visitor.id, page::ACTIVE_SPAN).await?;
    let label = recent
        .iter()
        .rev()
        .flat_map(|entry| entry.buttons.iter())
        .find(|button| button.data == data)
        .map(|button| button.label.clone());
    Ok(label)
}

/// A request header as text.
fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The uploaded file's name from `X-File-Name` (percent-encoded UTF-8), cleaned and shortened.
fn file_name(headers: &HeaderMap) -> String {
    let encoded = header_text(headers, "x-file-name").unwrap_or_default();
    let decoded: String = url::form_urlencoded::parse(format!("n={}", encoded.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let cleaned = crate::text::clean(&decoded);
    let name: String = cleaned.chars().filter(|c| !matches!(c, '/' | '\\')).take(MAX_NAME_CHARS).collect();
    if name.is_empty() { "file".to_owned() } else { name }
}

/// One request of a visitor as a channel of the core: the replies sent to the visitor are kept in
/// their conversation, where their page reads them; the file the core fetches is the request's
/// body.
struct Exchange<'a> {
    store: &'a Store,
    clock: Clock,
    upload: Mutex<Option<Vec<u8>>>,
    kept: Mutex<Kept>,
}

/// What an [`Exchange`] keeps in the conversation.
#[derive(Debug, Default)]
struct Kept {
    /// What the visitor said, until it goes with the first replies.
    said: Option<String>,
    /// What was added.
    added: Added,
}

impl<'a> Exchange<'a> {
    /// The exchange of a request bringing `upload`, keeping what the visitor `said` (if anything)
    /// before the replies.
    fn new(web: &'a Web, upload: Option<Vec<u8>>, said: Option<String>) -> Self {
        let kept = Mutex::new(Kept { said, added: Added::default() });
        Self { store: web.bot.store(), clock: web.bot.clock(), upload: Mutex::new(upload), kept }
    }

    /// Adds `replies` to `chat`'s conversation, after what the visitor said while it is not
    /// kept yet, in one statement (all or none).
    async fn keep(&self, chat: &str, replies: &[Reply]) -> Result<(), StoreError> {
        let said = lock(&self.kept).said.clone();
        let new: Vec<NewEntry<'_>> =
            said.as_deref().map(NewEntry::said).into_iter().chain(replies.iter().map(NewEntry::reply)).collect();
        let added = chat_history::add(&mut *self.store.acquire().await?, chat, &new, self.clock.now_ms()).await?;
        let mut kept = lock(&self.kept);
        kept.said = None;
        if kept.added.entries.is_empty() {
            kept.added = added;
        } else {
            kept.added.entries.extend(added.entries);
        }
        Ok(())
    }

    /// What the request added to `chat`'s conversation, keeping what the visitor said first if
    /// no reply took it along.
    async fn finish(self, chat: &str) -> Result<Added, StoreError> {
        if lock(&self.kept).said.is_some() {
            self.keep(chat, &[]).await?;
        }
        Ok(self.kept.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).added)
    }
}

/// The value behind `mutex`, also after a panic elsewhere (what it holds stays consistent).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why the web chat could not take a reply or hand over a file.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The conversation could not be written.
    #[error("the conversation could not be written")]
    Store(#[from] StoreError),
    /// The core asked for a file the request did not carry.
    #[error("the request carries no file")]
    NoFile,
}

impl Channel for Exchange<'_> {
    type Error = ExchangeError;

    fn profile(&self) -> Profile {
        PROFILE
    }

    async fn send(&self, chat: &str, reply: &Reply) -> Result<(), ExchangeError> {
        Ok(self.keep(chat, std::slice::from_ref(reply)).await?)
    }

    async fn send_all(&self, chat: &str, replies: &[Reply]) -> Result<(), Unsent<ExchangeError>> {
        self.keep(chat, replies).await.map_err(|error| Unsent { sent: 0, error: error.into() })
    }

    async fn fetch(&self, _file: &str) -> Result<Vec<u8>, ExchangeError> {
        lock(&self.upload).take().ok_or(ExchangeError::NoFile)
    }

    fn classify(&self, error: &ExchangeError, attempt: u32) -> Failure {
        match error {
            ExchangeError::Store(_) => Failure::Retry(delivery::backoff(attempt)),
            ExchangeError::NoFile => Failure::Permanent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn an_uploaded_files_name_is_decoded_and_cleaned() {
        let name = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-file-name", HeaderValue::from_str(value).unwrap());
            file_name(&headers)
        };
        assert_eq!(name("%E8%BA%AB%E4%BB%BD%E8%AF%81.jpg"), "身份证.jpg");
        assert_eq!(name("a%2Bb%20c.pdf"), "a+b c.pdf");
        assert_eq!(name("..%2F..%2Fetc%2Fpasswd"), "....etcpasswd");
        assert_eq!(name(""), "file");
        assert_eq!(file_name(&HeaderMap::new()), "file");
        assert_eq!(name(&"x".repeat(500)).chars().count(), MAX_NAME_CHARS);
    }
}
