//! Webhook mode: posts each update as JSON to the bot's HTTP endpoint, retrying with a short
//! backoff when the bot answers with an error or cannot be reached. Like Telegram, up to
//! [`MAX_CONNECTIONS`] updates are in flight at once, and a chat's next update waits until its
//! previous one was acknowledged, so each chat sees its updates in order.
//!
//! With several endpoints (bot instances behind a load balancer) each update goes to the next
//! endpoint in turn; one that fails is retried on the others, and then round after round with a
//! growing pause, until some endpoint accepts it with a 2xx, as Telegram keeps redelivering an
//! update until it is acknowledged.

use std::{
    collections::HashMap,
    io,
    sync::{Arc, Weak},
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::{Semaphore, mpsc::UnboundedReceiver, oneshot},
    time::{sleep, timeout},
};

use crate::server::Shared;

/// Telegram's default `max_connections` for a webhook.
const MAX_CONNECTIONS: usize = 40;
/// Telegram retries for much longer; a few quick attempts cover a bot that is still starting up.
const ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// Between rounds over several endpoints the pause grows up to this.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// Before the next endpoint of the same round: a load balancer fails over at once.
const FAILOVER_PAUSE: Duration = Duration::from_millis(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Where updates are posted.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    /// `http://host:port/path` URLs (the fake speaks plain HTTP only), never empty.
    pub(crate) urls: Vec<String>,
    /// Sent as `X-Telegram-Bot-Api-Secret-Token`.
    pub(crate) secret: Option<String>,
    /// Retry until some URL accepts, instead of giving up after a few attempts.
    pub(crate) until_accepted: bool,
}

impl Webhook {
    /// One URL, a few attempts (setWebhook, `deliver_to_webhook`).
    pub(crate) fn single(url: &str, secret: Option<String>) -> Self {
        Webhook { urls: vec![url.to_owned()], secret, until_accepted: false }
    }

    /// The first URL, as getWebhookInfo reports it.
    pub(crate) fn url(&self) -> &str {
        &self.urls[0]
    }
}

/// One update on its way to a webhook.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) webhook: Webhook,
    pub(crate) update_id: i64,
    pub(crate) update: Value,
}

/// One POST of an update to a webhook URL and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The update posted.
    pub update_id: i64,
    /// Where it was posted.
    pub url: String,
    /// The HTTP status, or why there was none (connection refused, reset, timeout…).
    pub outcome: Result<u16, String>,
    /// When the attempt ended.
    pub at: Instant,
}

impl WebhookAttempt {
    /// Whether the endpoint took the update (a 2xx status): Telegram will not send it again.
    pub fn accepted(&self) -> bool {
        matches!(self.outcome, Ok(status) if (200..300).contains(&status))
    }
}

/// Delivers updates as they come until every sender is gone. `shared` is weak so that the task
/// does not keep the server state alive: once the fake is dropped, retrying stops.
pub(crate) async fn deliver_all(mut inbox: UnboundedReceiver<Delivery>, shared: Weak<Shared>) {
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // Per chat, a signal that its latest update was delivered (or given up on).
    let mut latest: HashMap<i64, oneshot::Receiver<()>> = HashMap::new();
    // Round robin over the URLs of a webhook: which one the next update tries first.
    let mut turn = 0usize;
    while let Some(delivery) = inbox.recv().await {
        let (done, delivered) = oneshot::channel::<()>();
        let previous = latest.insert(chat_of(&delivery.update), delivered);
        let (connections, shared) = (Arc::clone(&connections), shared.clone());
        tokio::spawn(async move {
            if let Some(previous) = previous {
                previous.await.ok();
            }
            let Ok(_connection) = connections.acquire().await else { return };
            deliver(&delivery, turn, &shared).await;
            drop(done);
            if let Some(shared) = shared.upgrade() {
                shared.mutate(|state| state.delivery_done());
            }
        });
        turn = turn.wrapping_add(1);
    }
}

/// The chat an update belongs to (its sender for anything without a chat).
fn chat_of(update: &Value) -> i64 {
    let kind = ["message", "edited_message", "callback_query"].iter().find_map(|kind| update.get(kind));
    let chat = kind.and_then(|kind| kind.pointer("/chat/id").or_else(|| kind.pointer("/message/chat/id")));
    chat.or_else(|| kind.and_then(|kind| kind.pointer("/from/id"))).and_then(Value::as_i64).unwrap_or_default()
}

async fn deliver(delivery: &Delivery, turn: usize, shared: &Weak<Shared>) {
    let body = delivery.update.to_string();
    let webhook = &delivery.webhook;
    let count = webhook.urls.len();
    let mut backoff = FIRST_BACKOFF;
    for attempt in 0u32.. {
        let url = &webhook.urls[(turn + attempt as usize) % count];
        let outcome = match timeout(REQUEST_TIMEOUT, post_json(url, webhook.secret.as_deref(), &body)).await {
            Ok(Ok(status)) => Ok(status),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("no answer in time".to_owned()),
        };
        let record = WebhookAttempt { update_id: delivery.update_id, url: url.clone(), outcome, at: Instant::now() };
        let accepted = record.accepted();
        let described = match &record.outcome {
            Ok(status) => format!("HTTP status {status}"),
            Err(error) => error.clone(),
        };
        // The fake is gone: nobody is left to deliver to or to report to.
        let Some(shared) = shared.upgrade() else { return };
        shared.mutate(|state| state.record_attempt(record));
        drop(shared);
        if accepted {
            return;
        }
        let tried = attempt + 1;
        if !webhook.until_accepted && tried >= ATTEMPTS {
            eprintln!("fake-telegram: gave up delivering update to {url} after {ATTEMPTS} attempts: {described}");
            return;
        }
        if webhook.until_accepted && !(tried as usize).is_multiple_of(count) {
            // Other URLs of this round have not been tried yet.
            sleep(FAILOVER_PAUSE).await;
        } else {
            sleep(backoff).await;
            backoff = if webhook.until_accepted { (backoff * 2).min(MAX_BACKOFF) } else { backoff * 2 };
        }
    }
}

/// POSTs `body` over plain HTTP/1.1 and returns the response status. Hand-written because the
/// crate has no HTTP client and needs nothing beyond one request per connection.
async fn post_json(url: &str, secret: Option<&str>, body: &str) -> io::Result<u16> {
    let address = url.strip_prefix("http://").ok_or_else(|| io::Error::other("only http:// webhooks are supported"))?;
    let (authority, path) = address.find('/').map_or((address, "/"), |slash| address.split_at(slash));
    let mut stream = TcpStream::connect(authority).await?;
    let secret = secret.map(|secret| format!("X-Telegram-Bot-Api-Secret-Token: {secret}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
        body.len(),
        secret.unwrap_or_default(),
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    // `Connection: close` makes the server end the stream after its answer.
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let status_line = response.split(|&byte| byte == b'\r').next().unwrap_or_default();
    let status = std::str::from_utf8(status_line).ok().and_then(|line| line.split_whitespace().nth(1)?.parse().ok());
    status.ok_or_else(|| io::Error::other("malformed HTTP response"))
}
