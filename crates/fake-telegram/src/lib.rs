//! A fake Telegram Bot API server on loopback: policybot's end-to-end tests and benchmarks point the
//! real teloxide client at it, push user updates in, and read back every call the bot made.

mod failure;
mod params;
mod server;
mod state;
mod webhook;

use std::{
    net::{Ipv4Addr, SocketAddr},
    pin::pin,
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::{
    net::TcpListener,
    sync::{mpsc, oneshot},
    task::JoinHandle,
};

use crate::{failure::ApiFailure, server::Shared, state::State, webhook::Webhook};

pub use crate::webhook::WebhookAttempt;

/// The bot's user id when the token does not start with one (real tokens read `<bot id>:<secret>`).
const DEFAULT_BOT_ID: i64 = 1_000_000;

/// How long `stop` waits for open connections to finish before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// One Bot API call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method name in lower case, e.g. `"sendmessage"`.
    pub method: String,
    /// The parameters as received. Multipart fields stay strings (that is what Telegram receives),
    /// and an uploaded file appears as `{"file_name": …, "size": …}`.
    pub params: Value,
    /// When the call arrived, so tests can check rate limits.
    pub at: Instant,
}

/// A message the bot sent or edited, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The message id in its chat (an edit repeats the id of the message it changed).
    pub message_id: i64,
    /// The text or the caption; a document without a caption shows its file name.
    pub text: String,
    /// Rows of inline buttons as (label, callback data); a URL button carries its URL instead.
    pub buttons: Vec<Vec<(String, String)>>,
    /// A sent document's file name and bytes.
    pub document: Option<(String, Vec<u8>)>,
    /// Whether this entry records an edit of an earlier message.
    pub edited: bool,
}

/// One setMyCommands call: its language code and its (command, description) pairs.
pub type CommandSet = (Option<String>, Vec<(String, String)>);

/// A running fake Bot API server. Dropping it shuts the server down, as `stop` does.
pub struct FakeTelegram {
    shared: Arc<Shared>,
    address: SocketAddr,
    bot_user_id: i64,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<()>,
    deliveries: JoinHandle<()>,
}

impl FakeTelegram {
    /// Starts on 127.0.0.1 with a free port, accepting only `token` (other tokens get 401 Unauthorized).
    pub async fn start(token: &str) -> FakeTelegram {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("fake-telegram: cannot bind a loopback port");
        let address = listener.local_addr().expect("fake-telegram: the listener has no address");
        let bot_user_id = token.split(':').next().and_then(|id| id.parse().ok()).unwrap_or(DEFAULT_BOT_ID);
        let (outbox, inbox) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(token, State::new(bot_user_id, outbox)));
        let deliveries = tokio::spawn(webhook::deliver_all(inbox, Arc::downgrade(&shared)));
        let (shutdown, signal) = oneshot::channel::<()>();
        let app = server::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            // A dropped sender also ends the wait, so dropping FakeTelegram stops the server.
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                signal.await.ok();
            });
            if let Err(error) = serve.await {
                eprintln!("fake-telegram: the server failed: {error}");
            }
        });
        FakeTelegram { shared, address, bot_user_id, shutdown, server, deliveries }
    }

    /// The base URL to give teloxide (`Bot::set_api_url`), e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The bot's own user id, as `getMe` reports it.
    pub fn bot_user_id(&self) -> i64 {
        self.bot_user_id
    }

    /// A private text message from `user_id` (the chat id is the user id) with Telegram's
    /// `language_code` (e.g. `Some("zh-hans")`). Returns the update id.
    pub fn send_text(&self, user_id: i64, text: &str, language_code: Option<&str>) -> i64 {
        self.shared.mutate(|state| {
            state.set_language(user_id, language_code);
            let message = state.text_message(user_id, user_id, text);
            state.push_update("message", message)
        })
    }

    /// A text message from `user_id` in the group chat `chat_id` (negative). Returns the update id.
    pub fn send_group_text(&self, chat_id: i64, user_id: i64, text: &str) -> i64 {
        self.shared.mutate(|state| {
            let message = state.text_message(chat_id, user_id, text);
            state.push_update("message", message)
        })
    }

    /// The user presses the inline button carrying `data` under the bot's message `message_id` in
    /// `chat_id`. Returns the update id; each press gets a fresh callback query id.
    pub fn press(&self, chat_id: i64, user_id: i64, message_id: i64, data: &str) -> i64 {
        self.shared.mutate(|state| {
            let query = state.callback_query(chat_id, user_id, message_id, data);
            state.push_update("callback_query", query)
        })
    }

    /// A private photo from `user_id`, listed in two sizes (the largest last, as Telegram does);
    /// the bytes become downloadable through getFile. Returns the update id.
    pub fn send_photo(&self, user_id: i64, bytes: Vec<u8>) -> i64 {
        self.shared.mutate(|state| {
            let photo = state.store_photo(bytes);
            let message = state.user_message(user_id, user_id, "photo", photo);
            state.push_update("message", message)
        })
    }

    /// A private document from `user_id` with its file name and MIME type; the bytes become
    /// downloadable through getFile. Returns the update id.
    pub fn send_document(&self, user_id: i64, file_name: &str, mime: &str, bytes: Vec<u8>) -> i64 {
        self.shared.mutate(|state| {
            let document = state.store_document(file_name, Some(mime), bytes);
            let message = state.user_message(user_id, user_id, "document", document);
            state.push_update("message", message)
        })
    }

    /// The update with this id as it was handed out (JSON), if there is one.
    pub fn update(&self, update_id: i64) -> Option<serde_json::Value> {
        self.shared.lock().update(update_id).cloned()
    }

    /// Hands out the update `update_id` once more, ahead of the queue, whatever offset the bot has
    /// confirmed (Telegram redelivers after a crash or a lost acknowledgement).
    ///
    /// Panics if no update has that id.
    pub fn redeliver(&self, update_id: i64) {
        self.shared.mutate(|state| state.redeliver(update_id));
    }

    /// Webhook mode: POSTs every new update (and any queued one) as JSON to `url`, with the header
    /// `X-Telegram-Bot-Api-Secret-Token` when `secret` is given, retrying a few times with a short
    /// backoff on failure. Takes precedence over a webhook the bot sets with setWebhook.
    pub fn deliver_to_webhook(&self, url: &str, secret: Option<&str>) {
        let webhook = Webhook::single(url, secret.map(str::to_owned));
        self.shared.mutate(|state| state.set_test_webhook(webhook));
    }

    /// Webhook mode behind a load balancer: like `deliver_to_webhook`, but over several bot
    /// instances. Each update goes to the next URL in turn; when that one fails (cannot be reached,
    /// no answer, or a status other than 2xx) it is posted to the other URLs, then round after round
    /// with a growing pause (up to half a second), until some URL accepts it with a 2xx, as
    /// Telegram keeps redelivering an update until it is acknowledged. Updates still go one at a
    /// time and in order. `webhook_attempts` shows where each went.
    ///
    /// Panics if `urls` is empty.
    pub fn deliver_to_webhooks(&self, urls: &[String], secret: Option<&str>) {
        assert!(!urls.is_empty(), "fake-telegram: deliver_to_webhooks needs at least one URL");
        let webhook = Webhook { urls: urls.to_vec(), secret: secret.map(str::to_owned), until_accepted: true };
        self.shared.mutate(|state| state.set_test_webhook(webhook));
    }

    /// Every POST of an update to a webhook so far, in order, with its outcome.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.shared.lock().webhook_attempts().to_vec()
    }

    /// How many updates are waiting for a webhook to accept them (0 once all were delivered or
    /// given up).
    pub fn webhook_backlog(&self) -> usize {
        self.shared.lock().webhook_backlog()
    }

    /// Every API call the bot made, in arrival order (including failed and injected-failure calls).
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls().to_vec()
    }

    /// How many times the bot called getUpdates (long polling's progress).
    pub fn polls(&self) -> usize {
        self.shared.lock().calls().iter().filter(|call| call.method == "getupdates").count()
    }

    /// The messages the bot sent into `chat_id` or edited there, in order.
    pub fn sent(&self, chat_id: i64) -> Vec<Sent> {
        self.shared.lock().sent(chat_id).to_vec()
    }

    /// Waits until `sent(chat_id)` holds at least `count` messages and returns them.
    ///
    /// Panics after `timeout`, listing what was sent so far.
    pub async fn wait_for(&self, chat_id: i64, count: usize, timeout: Duration) -> Vec<Sent> {
        let deadline = tokio::time::Instant::now() + timeout;
        let enough =
            |state: &mut State| Some(state.sent(chat_id)).filter(|sent| sent.len() >= count).map(<[Sent]>::to_vec);
        match self.shared.wait_until(deadline, enough).await {
            Some(sent) => sent,
            None => panic!(
                "fake-telegram: expected {count} messages in chat {chat_id} within {timeout:?}, got these: {:#?}",
                self.sent(chat_id)
            ),
        }
    }

    /// How many messages `sent(chat_id)` holds, without copying them.
    pub fn sent_count(&self, chat_id: i64) -> usize {
        self.shared.lock().sent(chat_id).len()
    }

    /// The messages the bot sent into `chat_id` or edited there after the first `from`, in order
    /// (cheaper than `sent` for a caller that polls a long chat).
    pub fn sent_since(&self, chat_id: i64, from: usize) -> Vec<Sent> {
        self.shared.lock().sent(chat_id).get(from..).map(<[Sent]>::to_vec).unwrap_or_default()
    }

    /// Waits until `sent(chat_id)` holds at least `count` messages and returns how many it holds,
    /// or `None` after `timeout`. Unlike `wait_for` it copies nothing and wakes only for messages
    /// in that chat, so a load test can keep thousands of users waiting at once.
    pub async fn wait_for_count(&self, chat_id: i64, count: usize, timeout: Duration) -> Option<usize> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let signal = self.shared.lock().sent_signal(chat_id);
            // Registered before counting, so a message arriving in between is not missed.
            let mut arrived = pin!(signal.notified());
            arrived.as_mut().enable();
            let sent = self.sent_count(chat_id);
            if sent >= count {
                return Some(sent);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return Some(self.sent_count(chat_id)).filter(|&sent| sent >= count);
            }
        }
    }

    /// The callback query ids the bot answered with answerCallbackQuery, in order.
    pub fn answered_callbacks(&self) -> Vec<String> {
        self.shared.lock().answered_callbacks().to_vec()
    }

    /// Every setMyCommands call as (language_code, [(command, description)]), in order.
    pub fn commands(&self) -> Vec<CommandSet> {
        self.shared.lock().commands().to_vec()
    }

    /// The next `times` calls of `method` (any case, e.g. "SendMessage") fail with 429 Too Many
    /// Requests asking to retry after `retry_after_secs`.
    pub fn fail_with_429(&self, method: &str, times: usize, retry_after_secs: u32) {
        self.shared.mutate(|state| state.inject(method, times, ApiFailure::too_many_requests(retry_after_secs)));
    }

    /// The next `times` calls of `method` (any case) fail with HTTP 500 Internal Server Error.
    pub fn fail_with_500(&self, method: &str, times: usize) {
        self.shared.mutate(|state| state.inject(method, times, ApiFailure::internal()));
    }

    /// Closes the listener, so the URL becomes unreachable (calls fail with a network error), and
    /// stops webhook deliveries.
    pub async fn stop(self) {
        // The receiver only goes away once the server has already ended.
        self.shutdown.send(()).ok();
        // Graceful shutdown lets an in-flight long poll finish; a client holding a connection open
        // longer than the grace period must not hang the test.
        tokio::time::timeout(SHUTDOWN_GRACE, self.server).await.ok();
        self.deliveries.abort();
    }
}
