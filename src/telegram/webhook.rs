//! The webhook listener (axum): checks Telegram's secret, handles the update, and only then
//! answers 200 — Telegram redelivers anything not acknowledged, so an instance that dies mid-update
//! loses nothing. Also serves `/healthz` for the load balancer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::*;
use url::Url;

use super::channel::Telegram;
use super::{TelegramError, health, polling, updates};
use crate::bot;

/// The header Telegram sends the secret in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

struct Listener {
    telegram: Arc<Telegram<Bot>>,
    core: bot::Bot,
    secret: Option<SecretString>,
}

/// Listens on `addr`, registers `url` with Telegram, and serves until `shutdown`; requests being
/// handled are finished first.
pub async fn run(
    telegram: Arc<Telegram<Bot>>,
    core: bot::Bot,
    url: &Url,
    addr: SocketAddr,
    secret: Option<SecretString>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError> {
    let tcp = tokio::net::TcpListener::bind(addr).await.map_err(|source| TelegramError::Listen { addr, source })?;
    let mut register = telegram.bot().set_webhook(url.clone()).allowed_updates(polling::wanted());
    if let Some(secret) = &secret {
        register = register.secret_token(secret.expose_secret().to_owned());
    }
    register.await.map_err(|source| TelegramError::Setup { what: "setWebhook", source })?;
    let health = health::router(core.delivery().clone());
    let router = Router::new()
        .route(url.path(), post(receive))
        .with_state(Arc::new(Listener { telegram, core, secret }))
        .merge(health);
    axum::serve(tcp, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| TelegramError::Listen { addr, source })
}

async fn receive(State(listener): State<Arc<Listener>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if let Some(secret) = &listener.secret
        && headers.get(SECRET_HEADER).map(|value| value.as_bytes()) != Some(secret.expose_secret().as_bytes())
    {
        return StatusCode::UNAUTHORIZED;
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => {
            updates::handle(&listener.telegram, &listener.core, update).await;
            StatusCode::OK
        }
        // Not an update this version can read: redelivering it would not help.
        Err(error) => {
            tracing::warn!(error = %error, "an unreadable update was dropped");
            StatusCode::OK
        }
    }
}
