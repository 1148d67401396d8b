//! A bare HTTP/1.1 client for the tests that talk to the bot's own listener (`/healthz`, the
//! webhook): one request per connection, the whole response as text.

// Each test binary that includes this file uses the part it needs.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a request may take before it counts as unanswered.
const TIMEOUT: Duration = Duration::from_secs(2);

/// `GET path` on the loopback `port`; `None` when nothing answers in time.
pub async fn get(port: u16, path: &str) -> Option<String> {
    request(port, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).await
}

/// `POST path` with a JSON `body` on the loopback `port`; `None` when nothing answers in time.
pub async fn post(port: u16, path: &str, body: &str) -> Option<String> {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    self::request(port, &request).await
}

async fn request(port: u16, request: &str) -> Option<String> {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await.ok()?;
        Some(response)
    };
    tokio::time::timeout(TIMEOUT, attempt).await.ok().flatten()
}
