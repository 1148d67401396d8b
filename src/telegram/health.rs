//! `/healthz` for systemd, container and load-balancer probes: 200 with the number of unsent
//! notifications while the database answers, 503 when it does not. The webhook listener serves it
//! beside the webhook; `HEALTH_ADDR` serves it on a port of its own, in either mode.

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use super::TelegramError;
use crate::delivery::Delivery;

/// The path probes ask.
const PATH: &str = "/healthz";

/// A router answering `/healthz` from `delivery`.
pub fn router(delivery: Delivery) -> Router {
    Router::new().route(PATH, get(move || healthz(delivery.clone())))
}

/// Binds `addr` for `/healthz`; the server runs until its task is dropped or aborted.
pub async fn listen(addr: SocketAddr, delivery: Delivery) -> Result<tokio::task::JoinHandle<()>, TelegramError> {
    let tcp = tokio::net::TcpListener::bind(addr).await.map_err(|source| TelegramError::Listen { addr, source })?;
    Ok(tokio::spawn(async move {
        if let Err(error) = axum::serve(tcp, router(delivery)).await {
            tracing::error!(error = %error, "the health endpoint stopped");
        }
    }))
}

async fn healthz(delivery: Delivery) -> (StatusCode, String) {
    match delivery.health().await {
        Ok(health) => (StatusCode::OK, format!("{{\"status\":\"ok\",\"unsent\":{}}}", health.unsent)),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("{{\"status\":\"error\",\"error\":\"{error}\"}}")),
    }
}
