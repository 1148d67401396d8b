//! `policybot web`, and the web beside Telegram in `policybot serve`: the settings of the web and
//! running it until the process is told to stop.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use tokio::sync::watch;

use crate::app::App;
use crate::web::{self, Config, Web};

/// How the web is served.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// Browsers reach the web over HTTPS (directly or through a proxy that ends TLS): cookies are
    /// marked Secure and browsers are told to stay on HTTPS.
    #[arg(long, env = "WEB_HTTPS")]
    pub https: bool,
    /// Sites allowed to show the chat in a frame, comma-separated origins
    /// (https://rsj.example.gov.cn).
    #[arg(long, env = "WEB_CHAT_FRAME_ANCESTORS", value_delimiter = ',', value_name = "ORIGINS")]
    pub chat_frame_ancestors: Vec<String>,
    /// A reverse proxy in front sets X-Forwarded-For: take the client's address from it.
    #[arg(long, env = "WEB_BEHIND_PROXY")]
    pub behind_proxy: bool,
}

impl WebArgs {
    fn config(&self) -> Config {
        Config {
            https: self.https,
            chat_frame_ancestors: self
                .chat_frame_ancestors
                .iter()
                .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                .filter(|origin| !origin.is_empty())
                .collect(),
            behind_proxy: self.behind_proxy,
        }
    }
}

/// The web of `app` listening on `addr`, ready to serve.
pub(super) async fn start(app: &App, addr: SocketAddr, args: &WebArgs) -> anyhow::Result<Running> {
    let web = Web::new(app.bot.clone(), app.files.clone(), args.config()).await.context("cannot start the web")?;
    let listener = web::bind(addr).await.context("cannot start the web")?;
    Ok(Running { web, listener })
}

/// A web bound to its address.
pub(super) struct Running {
    web: std::sync::Arc<Web>,
    listener: tokio::net::TcpListener,
}

impl Running {
    /// Serves until `stop` turns true.
    pub(super) async fn serve(self, stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        web::serve(self.web, self.listener, stopped(stop)).await.context("the web stopped")
    }
}

/// Completes once `stop` turns true (or its sender is gone).
pub(super) async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}
