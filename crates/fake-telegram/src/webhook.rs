//! Webhook mode: posts each update as JSON to the bot's HTTP endpoint, one at a time and in order,
//! retrying with a short backoff when the bot answers with an error or cannot be reached.

use std::{io, time::Duration};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::mpsc::UnboundedReceiver,
    time::{sleep, timeout},
};

/// Telegram retries for much longer; a few quick attempts cover a bot that is still starting up.
const ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Where updates are posted.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    /// An `http://host:port/path` URL (the fake speaks plain HTTP only).
    pub(crate) url: String,
    /// Sent as `X-Telegram-Bot-Api-Secret-Token`.
    pub(crate) secret: Option<String>,
}

/// One update on its way to a webhook.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) webhook: Webhook,
    pub(crate) update: Value,
}

/// Delivers updates as they come until every sender is gone.
pub(crate) async fn deliver_all(mut inbox: UnboundedReceiver<Delivery>) {
    while let Some(delivery) = inbox.recv().await {
        deliver(&delivery).await;
    }
}

async fn deliver(delivery: &Delivery) {
    let body = delivery.update.to_string();
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let outcome = match timeout(REQUEST_TIMEOUT, post_json(&delivery.webhook, &body)).await {
            Ok(Ok(status)) if (200..300).contains(&status) => return,
            Ok(Ok(status)) => format!("HTTP status {status}"),
            Ok(Err(error)) => error.to_string(),
            Err(_) => "no answer in time".to_owned(),
        };
        if attempt == ATTEMPTS {
            eprintln!(
                "fake-telegram: gave up delivering update to {} after {ATTEMPTS} attempts: {outcome}",
                delivery.webhook.url
            );
        } else {
            sleep(backoff).await;
            backoff *= 2;
        }
    }
}

/// POSTs `body` over plain HTTP/1.1 and returns the response status. Hand-written because the
/// crate has no HTTP client and needs nothing beyond one request per connection.
async fn post_json(webhook: &Webhook, body: &str) -> io::Result<u16> {
    let address =
        webhook.url.strip_prefix("http://").ok_or_else(|| io::Error::other("only http:// webhooks are supported"))?;
    let (authority, path) = address.find('/').map_or((address, "/"), |slash| address.split_at(slash));
    let mut stream = TcpStream::connect(authority).await?;
    let secret = webhook.secret.as_ref().map(|secret| format!("X-Telegram-Bot-Api-Secret-Token: {secret}\r\n"));
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
