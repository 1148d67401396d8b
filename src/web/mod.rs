//! The web channel: one axum server for staff (`/console/`), citizens (`/chat/`) and load
//! balancers (`/healthz`), over the same bot core and database as Telegram and the terminal, so
//! instances behind a load balancer share everything through the database.
//!
//! Each area is a router of its own with its own [`security::Policy`] (who may frame it, whether
//! its pages are personal) and [`csrf::Guard`]; [`router`] composes them with the static files
//! ([`assets`]) and the health check. Pages are askama templates (`src/web/templates/`), compiled
//! into the binary like the static files. See `docs/web.md` for how to add a page.

mod assets;
pub mod chat;
pub mod console;
pub mod cookies;
pub mod csrf;
pub mod keys;
pub mod security;
pub mod words;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use assets::url as asset_url;
pub use keys::Keys;

use crate::bot::Bot;
use crate::files::FileStore;
use crate::store::StoreError;

/// How the web is served.
#[derive(Debug, Clone)]
pub struct Config {
    /// Whether browsers reach it over HTTPS (directly or through a proxy that terminates TLS):
    /// cookies are then `Secure` and browsers are told to stay on HTTPS.
    pub https: bool,
    /// Origins of sites allowed to show the chat in a frame (`https://rsj.example.gov.cn`).
    pub chat_frame_ancestors: Vec<String>,
    /// Whether a reverse proxy in front sets `X-Forwarded-For`: then the client's address is the
    /// last one it names, else the connection's.
    pub behind_proxy: bool,
}

/// What every page handler works with.
#[derive(Debug, Clone)]
pub struct Web {
    /// The bot core: its store, review, policy and forms.
    pub bot: Bot,
    /// Where the files users sent are kept.
    pub files: FileStore,
    /// The signing key shared by the instances.
    pub keys: Keys,
    /// How the web is served.
    pub config: Config,
}

/// Why the web could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address could not be listened on.
    #[error("cannot listen on {addr}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    /// The server failed.
    #[error("the web server failed")]
    Serve(#[source] std::io::Error),
    /// The shared key could not be read or made.
    #[error("cannot read the web's key from the database")]
    Store(#[from] StoreError),
}

impl Web {
    /// The web over `bot`, with the deployment's key from the database.
    pub async fn new(bot: Bot, files: FileStore, config: Config) -> Result<Arc<Self>, WebError> {
        let keys = Keys::load(bot.store(), bot.clock().now_ms()).await?;
        Ok(Arc::new(Self { bot, files, keys, config }))
    }
}

/// Every route: `/console/`, `/chat/`, `/static/`, `/healthz`.
pub fn router(web: Arc<Web>) -> Router {
    Router::new()
        .merge(console::router(Arc::clone(&web)))
        .merge(chat::router(Arc::clone(&web)))
        .route(&format!("{}{{*path}}", assets::PREFIX), get(assets::serve))
        .route("/healthz", get(healthz))
        .with_state(web)
        .layer(TraceLayer::new_for_http())
}

/// Binds `addr`.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, WebError> {
    TcpListener::bind(addr).await.map_err(|source| WebError::Listen { addr, source })
}

/// Serves [`router`] on `listener` until `shutdown` completes; requests in hand are finished.
pub async fn serve(
    web: Arc<Web>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "web listening");
    }
    let service = router(web).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await.map_err(WebError::Serve)
}

/// `/healthz`: 200 with the number of unsent notifications when the database answers, 503 when
/// it does not.
async fn healthz(State(web): State<Arc<Web>>) -> Response {
    match web.bot.delivery().health().await {
        Ok(health) => (StatusCode::OK, format!("{{\"status\":\"ok\",\"unsent\":{}}}", health.unsent)).into_response(),
        Err(error) => {
            tracing::error!(error = %crate::errors::chain(&error), "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "{\"status\":\"error\"}").into_response()
        }
    }
}

/// A rendered template as an HTML response (a template that fails to render is a bug: 500,
/// logged).
pub fn page(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "a page could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The address a request comes from: the connection's, or behind a proxy the last address of
/// `X-Forwarded-For` (the one the proxy itself appended; those before it the client may forge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<Arc<Web>> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Arc<Web>) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let forwarded = web.config.behind_proxy.then(|| forwarded_for(&parts.headers)).flatten();
        Ok(Self(forwarded.or(peer).unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}

fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let all = headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok()).next_back()?;
    all.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_proxys_last_forwarded_address_counts() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 10.1.2.3"));
        assert_eq!(forwarded_for(&headers), Some(IpAddr::from([10, 1, 2, 3])));
        assert_eq!(forwarded_for(&HeaderMap::new()), None);
    }
}
