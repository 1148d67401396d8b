//! The Telegram channel: `policybot serve`. A thin adapter over the bot core — updates are
//! translated into what the core receives, replies into messages — that implements the core's
//! `Channel`, through which the core's outbox sender pushes notifications (throttled to
//! Telegram's limits). Long polling by default; a webhook (axum, with `/healthz`) when a webhook
//! URL is set; `/healthz` on a port of its own in either mode when asked. Neither
//! acknowledges an update before it is safe: polling stores a batch before confirming it, the
//! webhook answers once the update is handled, so a crash loses none (teloxide's own listeners
//! acknowledge on receipt; its client and types are used throughout).

mod channel;
mod health;
mod lanes;
mod polling;
mod send;
mod updates;
mod webhook;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use teloxide::adaptors::throttle::{Limits, Throttle};
use teloxide::prelude::*;
use teloxide::types::BotCommand;
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;
use url::Url;

use crate::bot::{self, commands};
use crate::delivery::{self, Profile, Reach, Retention};
use crate::lang::Lang;
use channel::Telegram;

/// Telegram as the core knows it: a messenger anyone can write to, which pushes notifications.
pub const PROFILE: Profile = Profile { name: "telegram", reach: Reach::Push, rate_limited: true };

/// How `serve` reaches Telegram.
#[derive(Debug, Clone)]
pub struct Config {
    /// The bot token from @BotFather.
    pub token: SecretString,
    /// A Bot API server other than api.telegram.org (a self-hosted one, or the tests' fake).
    pub api_url: Option<Url>,
    /// The public HTTPS URL Telegram posts updates to; without it, long polling.
    pub webhook_url: Option<Url>,
    /// Where the webhook listener binds.
    pub listen_addr: SocketAddr,
    /// A secret Telegram sends with every webhook request, checked by the listener.
    pub webhook_secret: Option<SecretString>,
    /// Notifications per minute into one group (the staff chat): Telegram allows 20.
    pub group_messages_per_minute: u32,
    /// How long sent messages and handled updates are kept.
    pub retention: Retention,
    /// Where `/healthz` is served on its own (in long-polling mode the only place).
    pub health_addr: Option<SocketAddr>,
}

impl Config {
    /// Long polling on `api_url` (api.telegram.org when `None`) with Telegram's group limit and
    /// the default retention: no webhook, no health endpoint of its own.
    pub fn long_polling(token: SecretString, api_url: Option<Url>) -> Config {
        Config {
            token,
            api_url,
            webhook_url: None,
            // Bound only for a webhook.
            listen_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            webhook_secret: None,
            group_messages_per_minute: GROUP_MESSAGES_PER_MINUTE,
            retention: Retention::default(),
            health_addr: None,
        }
    }
}

/// Telegram's limit on a bot's messages per minute into one group.
pub const GROUP_MESSAGES_PER_MINUTE: u32 = 20;

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

/// Runs `core` on Telegram until `shutdown` completes (the binary passes Ctrl-C or SIGTERM);
/// updates being handled are finished first.
pub async fn serve(
    core: bot::Bot,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError> {
    let bot = match &config.api_url {
        Some(url) => Bot::new(config.token.expose_secret()).set_api_url(url.clone()),
        None => Bot::new(config.token.expose_secret()),
    };
    let me = bot.get_me().await.map_err(|source| match source {
        RequestError::Api(ApiError::InvalidToken) => TelegramError::InvalidToken,
        source => TelegramError::Unreachable { url: bot.api_url().to_string(), source },
    })?;
    tracing::info!(username = %me.username(), "connected to Telegram");
    register_commands(&bot, &core).await?;

    let per_minute = config.group_messages_per_minute;
    let limits = Limits {
        messages_per_min_chat: per_minute,
        messages_per_min_channel_or_supergroup: per_minute,
        // A group limit above one a second needs the per-chat one raised to match.
        messages_per_sec_chat: per_minute.div_ceil(60).max(Limits::default().messages_per_sec_chat),
        ..Limits::default()
    };
    let username = me.username().to_owned();
    let outbox = Telegram::new(Throttle::new_spawn(bot.clone(), limits), bot.clone(), &username);
    let worker = instance_id(&config);
    let (stop_sender, stopped) = watch::channel(false);
    let delivery = core.delivery().clone();
    let pruner = tokio::spawn({
        let (delivery, stopped) = (delivery.clone(), stopped.clone());
        async move { delivery.keep_pruning(config.retention, stopped).await }
    });
    let sender = tokio::spawn(async move { delivery.send_outbox(&outbox, &worker, stopped).await });

    let telegram = Arc::new(Telegram::new(bot.clone(), bot, &username));
    let health = match config.health_addr {
        Some(addr) => Some(health::listen(addr, core.delivery().clone()).await?),
        None => None,
    };
    let listened = match &config.webhook_url {
        None => polling::run(telegram, core, shutdown).await,
        Some(url) => {
            webhook::run(telegram, core, url, config.listen_addr, config.webhook_secret.clone(), shutdown).await
        }
    };
    // Let the sender finish the message in hand: cut off between sending and marking it sent, it
    // would send it again after the restart.
    stop_sender.send(true).ok();
    if tokio::time::timeout(delivery::LEASE, sender).await.is_err() {
        tracing::warn!("the outbox sender did not stop in time");
    }
    pruner.abort();
    health.inspect(tokio::task::JoinHandle::abort);
    listened
}

/// Who this instance is in the outbox: stable across restarts (so that a restarted instance takes
/// back what it had in hand at once) and distinct between instances on one host (their listen
/// addresses differ; only one instance may poll).
fn instance_id(config: &Config) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "localhost".to_owned());
    let listener = match &config.webhook_url {
        Some(_) => config.listen_addr.to_string(),
        None => "polling".to_owned(),
    };
    format!("{}/{listener}", host.trim())
}

/// The commands Telegram suggests, in Chinese (the default) and English: the bot's command
/// table.
async fn register_commands(bot: &Bot, core: &bot::Bot) -> Result<(), TelegramError> {
    let messages = core.policy().messages();
    let commands =
        |lang| commands::menu(messages, lang).into_iter().map(|(c, d)| BotCommand::new(c, d)).collect::<Vec<_>>();
    let (zh, en) = (commands(Lang::Zh), commands(Lang::En));
    let setup = |source| TelegramError::Setup { what: "setMyCommands", source };
    bot.set_my_commands(zh.clone()).await.map_err(setup)?;
    bot.set_my_commands(zh).language_code("zh").await.map_err(setup)?;
    bot.set_my_commands(en).language_code("en").await.map_err(setup)?;
    Ok(())
}
