//! The Telegram channel: `policybot serve`. A thin adapter over the bot core — updates are
//! translated into inputs and replies into messages — plus the outbox sender for notifications.
//! Long polling by default; a webhook (axum, with `/healthz`) when a webhook URL is set.

mod outbox;
mod send;
mod updates;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use teloxide::adaptors::throttle::{Limits, Throttle};
use teloxide::dispatching::{Dispatcher, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::types::BotCommand;
use teloxide::update_listeners::UpdateListener;
use teloxide::update_listeners::webhooks::{self, Options};
use teloxide::{ApiError, RequestError};
use url::Url;

use crate::app::App;
use crate::store::Store;

/// How `serve` reaches Telegram.
#[derive(Debug, Clone)]
pub struct Config {
    /// The bot token from @BotFather.
    pub token: String,
    /// A Bot API server other than api.telegram.org (a self-hosted one, or the tests' fake).
    pub api_url: Option<Url>,
    /// The public HTTPS URL Telegram posts updates to; without it, long polling.
    pub webhook_url: Option<Url>,
    /// Where the webhook listener binds.
    pub listen_addr: SocketAddr,
    /// A secret Telegram sends with every webhook request, checked by the listener.
    pub webhook_secret: Option<String>,
}

/// Why the Telegram channel could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    /// The token was refused.
    #[error("TELEGRAM_BOT_TOKEN is invalid: the Bot API answered Unauthorized (check the token @BotFather gave you)")]
    InvalidToken,
    /// The Bot API could not be reached.
    #[error("cannot reach the Telegram Bot API at {url}")]
    Unreachable { url: String, source: RequestError },
    /// A setup request failed.
    #[error("Telegram refused {what}")]
    Setup { what: &'static str, source: RequestError },
    /// The webhook listener could not bind.
    #[error("cannot listen on {addr}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// Runs the bot on Telegram until `shutdown` completes (the binary passes Ctrl-C or SIGTERM);
/// updates being handled are finished first.
pub async fn serve(
    app: App,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError> {
    let bot = match &config.api_url {
        Some(url) => Bot::new(&config.token).set_api_url(url.clone()),
        None => Bot::new(&config.token),
    };
    let me = bot.get_me().await.map_err(|source| match source {
        RequestError::Api(ApiError::InvalidToken) => TelegramError::InvalidToken,
        source => TelegramError::Unreachable { url: bot.api_url().to_string(), source },
    })?;
    tracing::info!(username = %me.username(), "connected to Telegram");
    register_commands(&bot).await?;

    let throttled = Throttle::new_spawn(bot.clone(), Limits::default());
    let worker = format!("{}-{}", me.username(), std::process::id());
    let _sender = AbortOnDrop(tokio::spawn(outbox::run(throttled, app.bot.store().clone(), app.clock(), worker)));

    let store = app.bot.store().clone();
    let app = Arc::new(app);
    let handler: UpdateHandler<RequestError> = dptree::entry().endpoint(updates::handle);
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler).dependencies(dptree::deps![app]).build();
    let token = dispatcher.shutdown_token();
    let stop = async move {
        shutdown.await;
        // Refused while the dispatcher is still starting up: ask again until it stops.
        loop {
            match token.shutdown() {
                Ok(stopped) => return stopped.await,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    };
    let run = async {
        match &config.webhook_url {
            None => dispatcher.dispatch().await,
            Some(url) => {
                let listener = listen(&bot, &config, url, store).await?;
                dispatcher
                    .dispatch_with_listener(listener, LoggingErrorHandler::with_custom_text("update listener"))
                    .await;
            }
        }
        Ok(())
    };
    tokio::select! {
        outcome = run => outcome,
        () = stop => Ok(()),
    }
}

/// Stops a background task when whoever started it goes away (also when `serve` is dropped).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The webhook: registers `url` with Telegram and serves it (with `/healthz`) on the listen address.
async fn listen(
    bot: &Bot,
    config: &Config,
    url: &Url,
    store: Store,
) -> Result<impl UpdateListener<Err = Infallible> + use<>, TelegramError> {
    let mut options = Options::new(config.listen_addr, url.clone());
    options.secret_token = config.webhook_secret.clone();
    let (listener, stopped, router) = webhooks::axum_to_router(bot.clone(), options)
        .await
        .map_err(|source| TelegramError::Setup { what: "setWebhook", source })?;
    let router = router.route("/healthz", get(move || healthz(store.clone())));
    let tcp = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|source| TelegramError::Listen { addr: config.listen_addr, source })?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(tcp, router).with_graceful_shutdown(stopped).await {
            tracing::error!(error = %error, "the webhook listener failed");
        }
    });
    Ok(listener)
}

/// `/healthz`: 200 with the number of unsent notifications when the database answers, 503 when
/// it does not.
async fn healthz(store: Store) -> (axum::http::StatusCode, String) {
    let unsent = async {
        let mut conn = store.acquire().await?;
        crate::store::outbox::unsent(&mut conn).await
    };
    match unsent.await {
        Ok(count) => (axum::http::StatusCode::OK, format!("{{\"status\":\"ok\",\"unsent\":{count}}}")),
        Err(error) => {
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, format!("{{\"status\":\"error\",\"error\":\"{error}\"}}"))
        }
    }
}

/// The commands Telegram suggests, in Chinese (the default) and English.
async fn register_commands(bot: &Bot) -> Result<(), TelegramError> {
    let commands = |list: &[(&str, &str)]| list.iter().map(|(c, d)| BotCommand::new(*c, *d)).collect::<Vec<_>>();
    let zh = commands(&[
        ("start", "欢迎和菜单"),
        ("help", "帮助"),
        ("ask", "咨询政策"),
        ("apply", "办理申请"),
        ("eligibility", "人才资格自测"),
        ("status", "我的申请"),
        ("cancel", "取消正在填写的表单"),
        ("lang", "切换语言"),
        ("mydata", "查看我的个人数据"),
        ("forget", "删除我的草稿和个人数据"),
    ]);
    let en = commands(&[
        ("start", "Welcome and menu"),
        ("help", "Help"),
        ("ask", "Ask about the policy"),
        ("apply", "Apply"),
        ("eligibility", "Check your talent tier"),
        ("status", "Your applications"),
        ("cancel", "Leave the form you are filling in"),
        ("lang", "Language"),
        ("mydata", "See your personal data"),
        ("forget", "Erase your drafts and personal data"),
    ]);
    let setup = |source| TelegramError::Setup { what: "setMyCommands", source };
    bot.set_my_commands(zh.clone()).await.map_err(setup)?;
    bot.set_my_commands(zh).language_code("zh").await.map_err(setup)?;
    bot.set_my_commands(en).language_code("en").await.map_err(setup)?;
    Ok(())
}
