//! Building the application from its settings: the policy, the forms, the store and the files,
//! wired into one bot — the same way for the terminal, Telegram and the tests.

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::assets::Assets;
use crate::bot::{Bot, Parts, Staff};
use crate::clock::Clock;
use crate::delivery::Channels;
use crate::dialog::{DialogError, Flows};
use crate::files::FileStore;
use crate::policy::{Policy, PolicyError};
use crate::staff::Review;
use crate::store::{Store, StoreError};
use crate::{chat, telegram, web};

/// Where the application's data lives.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://policybot.db`, `postgres://…`: a secret, as it may hold a password.
    pub database_url: SecretString,
    /// A corpus directory instead of the embedded corpus.
    pub corpus: Option<PathBuf>,
    /// A dialogs directory instead of the embedded forms.
    pub dialogs: Option<PathBuf>,
    /// Where files users send are kept.
    pub files_dir: PathBuf,
    /// The staff chat and members on the messenger.
    pub staff: Staff,
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The corpus is broken.
    #[error("cannot load the corpus")]
    Policy(#[from] PolicyError),
    /// A form definition is broken.
    #[error("cannot load the forms")]
    Dialog(#[from] DialogError),
    /// The database is unreachable or cannot be migrated.
    #[error("cannot open the database")]
    Store(#[from] StoreError),
    /// The files directory cannot be created.
    #[error("cannot open the files directory {0}")]
    Files(PathBuf, #[source] std::io::Error),
}

/// The running application.
#[derive(Debug, Clone)]
pub struct App {
    /// The bot core.
    pub bot: Bot,
    /// Where received files go.
    pub files: FileStore,
}

/// Loads the policy and the forms (no database needed: `check`, `ask`, `eval`).
pub fn load_content(settings: &Settings) -> Result<(Policy, Flows), AppError> {
    let policy = Policy::load(&Assets::corpus(settings.corpus.as_deref()))?;
    let flows = Flows::load(&Assets::dialogs(settings.dialogs.as_deref()), policy.tiers())?;
    Ok((policy, flows))
}

impl App {
    /// Loads everything and connects to the database (running its migrations).
    pub async fn build(settings: &Settings, clock: Clock) -> Result<Self, AppError> {
        let (policy, flows) = load_content(settings)?;
        let store = Store::connect(settings.database_url.expose_secret()).await?;
        let files =
            FileStore::open(&settings.files_dir).map_err(|err| AppError::Files(settings.files_dir.clone(), err))?;
        let (policy, flows) = (Arc::new(policy), Arc::new(flows));
        let staff = settings.staff.clone();
        let channels = Channels::new([telegram::PROFILE, chat::PROFILE, web::chat::PROFILE]);
        let bot = Bot::new(Parts { policy, flows, store, files: files.clone(), staff, channels, clock });
        Ok(Self { bot, files })
    }

    /// Staff review over the same store and forms.
    pub fn review(&self) -> &Review {
        self.bot.review()
    }
}
