//! The bot core: one user input in, the replies out. Every channel (Telegram, the terminal chat)
//! is a thin adapter over this, so behaviour is the same everywhere and testable offline.
//!
//! Each message is handled under its user's lock, in one pass: load the user and their form,
//! decide, then apply everything that must persist — consent, a filed application, the new form
//! state — in one transaction before the replies go out. A concurrent change by another bot
//! instance shows up as a version conflict, and the message is handled again from the start.

mod cache;
mod intent;
mod locks;
mod ratelimit;
mod staff;
mod texts;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Datelike;
use serde_json::json;

use crate::clock::Clock;
use crate::dialog::engine::{self, Context, DialogState, Effect, Outcome};
use crate::dialog::value::{FileRef, Value};
use crate::dialog::{Flow, Flows};
use crate::filing::{Filing, Status};
use crate::lang::{Bilingual, Lang};
use crate::messages::Message;
use crate::notify::Notifier;
use crate::policy::{Policy, PolicyError};
use crate::reply::{Button, Reply};
use crate::staff::{Review, ReviewError};
use crate::store::applications::{self, Application, NewApplication};
use crate::store::attachments::{self, NewAttachment};
use crate::store::events::{self, NewEvent};
use crate::store::sessions::{self, Session};
use crate::store::users::{self, User};
use crate::store::{Db, Store, StoreError, Tx, updates};
use cache::SessionCache;
use intent::Intent;
use locks::Locks;
use ratelimit::{RateLimiter, Verdict};

pub use crate::dialog::engine::Input;

/// How often a message is handled again after losing a race with a concurrent change.
const ATTEMPTS: usize = 3;

/// Who sent a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The channel (`telegram`, `cli`).
    pub channel: String,
    /// The chat the message came from: the user's own chat, or a group (the staff chat).
    pub chat: String,
    /// The user's id on that channel.
    pub id: String,
    /// The language the channel reports for the user (Telegram's language_code), if any.
    pub lang: Option<Lang>,
}

impl Sender {
    /// A user writing in their own chat on `channel`.
    pub fn new(channel: &str, id: impl Into<String>, lang: Option<Lang>) -> Self {
        let id = id.into();
        Self { channel: channel.to_owned(), chat: id.clone(), id, lang }
    }

    /// A user writing in the group chat `chat`.
    pub fn in_group(channel: &str, chat: impl Into<String>, id: impl Into<String>, lang: Option<Lang>) -> Self {
        Self { channel: channel.to_owned(), chat: chat.into(), id: id.into(), lang }
    }

    /// Whether the message came from the user's own chat rather than a group.
    pub fn is_private(&self) -> bool {
        self.chat == self.id
    }

    /// `channel:id`: the user across chats (their lock, cache entry and rate window; staff's
    /// name in the audit log).
    pub fn key(&self) -> String {
        format!("{}:{}", self.channel, self.id)
    }
}

/// Why a message could not be handled (the user gets a friendly apology; the log gets this).
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The database failed.
    #[error("store")]
    Store(#[from] StoreError),
    /// Answering failed.
    #[error("policy")]
    Policy(#[from] PolicyError),
    /// A stored state or application could not be read or written.
    #[error("stored JSON")]
    Json(#[from] serde_json::Error),
    /// A staff action failed for a reason of the store.
    #[error("review")]
    Review(#[source] ReviewError),
    /// The update was already handled (the messenger delivered it again).
    #[error("update already handled")]
    Duplicate,
}

/// The bot: the policy, the forms, the store, and the rules that connect them.
#[derive(Debug, Clone)]
pub struct Bot {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    policy: Arc<Policy>,
    flows: Arc<Flows>,
    store: Store,
    notifier: Notifier,
    clock: Clock,
    locks: Locks,
    cache: SessionCache,
    limiter: RateLimiter,
    /// The limiter's time base: monotonic, unlike the injected clock (fixed in tests, or set back).
    started: Instant,
}

impl Bot {
    /// A bot answering from `policy`, running `flows`, keeping its state in `store`, telling
    /// staff through `notifier`.
    pub fn new(policy: Arc<Policy>, flows: Arc<Flows>, store: Store, notifier: Notifier, clock: Clock) -> Self {
        let (locks, cache) = (Locks::default(), SessionCache::default());
        let (limiter, started) = (RateLimiter::default(), Instant::now());
        Self { inner: Arc::new(Inner { policy, flows, store, notifier, clock, locks, cache, limiter, started }) }
    }

    /// The policy the bot answers from.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The forms.
    pub fn flows(&self) -> &Flows {
        &self.inner.flows
    }

    /// Who the staff are.
    pub fn staff(&self) -> &crate::notify::Staff {
        self.inner.notifier.staff()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Sets the language of `sender` (the terminal chat's `--lang`).
    pub async fn set_language(&self, sender: &Sender, lang: Lang) -> Result<(), BotError> {
        let mut conn = self.inner.store.acquire().await?;
        let now = self.inner.clock.now_ms();
        let user = users::get_or_create(&mut conn, &sender.channel, &sender.id, lang.code(), now).await?;
        users::set_lang(&mut conn, user.id, lang.code()).await?;
        self.inner.cache.forget(&sender.key());
        Ok(())
    }

    /// Handles one message; never fails (a failure is logged and the user gets an apology).
    pub async fn handle(&self, sender: &Sender, input: Input) -> Vec<Reply> {
        self.handle_once(sender, input, None).await
    }

    /// Handles a messenger update once: an update id handled before (a redelivery) gets no
    /// replies and changes nothing. The id is recorded in the transaction of the update's changes.
    /// The messenger must hand out a private chat's updates in increasing ids and the caller
    /// handle them in that order, as Telegram and both of its listeners do.
    pub async fn handle_update(&self, sender: &Sender, input: Input, update_id: i64) -> Vec<Reply> {
        let update = UpdateId { id: update_id, in_order: sender.is_private() };
        self.handle_once(sender, input, Some(update)).await
    }

    async fn handle_once(&self, sender: &Sender, input: Input, update: Option<UpdateId>) -> Vec<Reply> {
        let key = sender.key();
        // Before the user's lock and the database, so a flood costs neither.
        if let Some(replies) = self.rate_limited(&key, sender, &input) {
            return replies;
        }
        let _turn = self.inner.locks.lock(&key).await;
        for attempt in 1..=ATTEMPTS {
            match self.try_handle(&key, sender, &input, update).await {
                Ok(replies) => return replies,
                Err(BotError::Duplicate) => {
                    let update = update.map(|update| update.id);
                    tracing::info!(channel = %sender.channel, update, "ignoring an update handled before");
                    return Vec::new();
                }
                Err(BotError::Store(StoreError::Conflict { what })) if attempt < ATTEMPTS => {
                    tracing::debug!(what, attempt, "handling the message again after a concurrent change");
                }
                Err(err) => {
                    tracing::error!(channel = %sender.channel, error = %error_chain(&err), "a message could not be handled");
                    break;
                }
            }
        }
        vec![Reply::text(Message::Internal.render(sender.lang.unwrap_or_default(), &self.inner.policy))]
    }

    /// `Some` (one notice, then silence) while `sender` is over the rate limit. Only the messenger
    /// is limited (the terminal chat is one local user); staff are exempt so review never stalls.
    fn rate_limited(&self, key: &str, sender: &Sender, input: &Input) -> Option<Vec<Reply>> {
        let inner = &*self.inner;
        if sender.channel != crate::notify::PUSH_CHANNEL
            || inner.notifier.staff().is_member(&sender.channel, &sender.id)
        {
            return None;
        }
        let now = i64::try_from(inner.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let Verdict::Limited { first } = inner.limiter.check(key, now) else { return None };
        if let Input::File(file) = input {
            remove_file(&file.location);
        }
        tracing::debug!(channel = %sender.channel, first, "message dropped by the rate limit");
        let lang = sender.lang.unwrap_or_default();
        Some(if first {
            vec![Reply::text(texts::slow_down().render(lang, inner.policy.scripts()))]
        } else {
            Vec::new()
        })
    }

    async fn try_handle(
        &self,
        key: &str,
        sender: &Sender,
        input: &Input,
        update: Option<UpdateId>,
    ) -> Result<Vec<Reply>, BotError> {
        let inner = &*self.inner;
        let now = inner.clock.now_ms();
        let lang = sender.lang.unwrap_or_default();
        let (user, session) = match inner.cache.get(key) {
            Some((user, session)) => (user, Some(session)),
            None => {
                let found = users::with_session(&mut *inner.store.read().await?, &sender.channel, &sender.id).await?;
                match found {
                    Some(found) => found,
                    None => {
                        let mut conn = inner.store.acquire().await?;
                        (users::get_or_create(&mut conn, &sender.channel, &sender.id, lang.code(), now).await?, None)
                    }
                }
            }
        };
        if let Some(update) = update
            && update.in_order
            && Some(update.id) <= user.last_update.max(session.as_ref().and_then(|session| session.last_update))
        {
            return Err(BotError::Duplicate);
        }
        let lang = Lang::from_code(&user.lang).unwrap_or(lang);
        let mut turn = Turn { inner, sender, user, lang, session, now, update, recorded: false };
        let mut outcome = turn.run(input).await;
        if outcome.is_ok() && update.is_some() && !turn.recorded {
            // A turn that wrote nothing records its update on its own.
            let mut conn = inner.store.acquire().await?;
            if let Err(error) = turn.record_update(&mut conn, false).await {
                outcome = Err(error);
            }
        }
        match &outcome {
            Ok(_) => inner.cache.keep(key, &turn.user, turn.session.as_ref()),
            Err(_) => inner.cache.forget(key),
        }
        outcome
    }
}

/// The handling of one message.
struct Turn<'a> {
    inner: &'a Inner,
    sender: &'a Sender,
    user: User,
    lang: Lang,
    session: Option<Session>,
    now: i64,
    /// The messenger's update being handled, if it came from one.
    update: Option<UpdateId>,
    /// Whether the update is recorded in this turn's transaction.
    recorded: bool,
}

/// A messenger update, and how a redelivery of it is recognised.
#[derive(Debug, Clone, Copy)]
struct UpdateId {
    id: i64,
    /// From the user's private chat, whose updates are handled in order: the last one handled is
    /// kept on the form's row (in a form step's one statement) or the user's. Updates of a group
    /// are not ordered with the private chat's, and are recorded one by one.
    in_order: bool,
}

impl<'a> Turn<'a> {
    async fn run(&mut self, input: &Input) -> Result<Vec<Reply>, BotError> {
        if let Some(replies) = self.staff(input).await? {
            return Ok(replies);
        }
        match input {
            Input::Text(text) => {
                if let Some((command, argument)) = read_command(text)
                    && let Some(replies) = self.command(&command, argument.trim()).await?
                {
                    return Ok(replies);
                }
                match self.session {
                    Some(_) => self.continue_form(input).await,
                    None if text.trim_start().starts_with('/') => Ok(self.say_with_menu(texts::help())),
                    None => self.free_text(text).await,
                }
            }
            Input::Button(data) => self.button(data).await,
            Input::File(_) if self.session.is_some() => self.continue_form(input).await,
            Input::File(file) => {
                remove_file(&file.location);
                Ok(self.say(texts::files_only_in_forms()))
            }
        }
    }

    /// A bot command; `None` when the open form should handle it instead (/cancel, /help, /back).
    async fn command(&mut self, command: &str, argument: &str) -> Result<Option<Vec<Reply>>, BotError> {
        let in_form = self.session.is_some();
        Ok(Some(match command {
            "start" => {
                let mut replies = vec![self.menu(Message::Welcome.render(self.lang, &self.inner.policy))];
                if in_form {
                    replies.extend(self.resume().await?);
                }
                replies
            }
            "help" if !in_form => self.say_with_menu(texts::help()),
            "ask" if argument.is_empty() => self.say(texts::ask_prompt()),
            "ask" => self.answer(argument).await?,
            "apply" | "eligibility" if in_form => self.resume().await?,
            "apply" => match self.flow_by_id(argument).or_else(|| self.flow_named(argument)) {
                Some(flow) => self.start_form(flow, BTreeMap::new()).await?,
                None => self.form_menu(),
            },
            "eligibility" => match self.eligibility_flow() {
                Some(flow) => self.start_form(flow, BTreeMap::new()).await?,
                None => self.form_menu(),
            },
            "status" => self.status().await?,
            "cancel" if !in_form => self.say(texts::nothing_to_cancel()),
            "lang" => match Lang::from_code(argument) {
                Some(lang) => self.set_lang(lang).await?,
                None => self.lang_menu(),
            },
            "mydata" => self.my_data().await?,
            "forget" => vec![Reply::with_buttons(
                self.render(&texts::forget_confirm()),
                vec![
                    Button::new(self.render(&texts::forget_button()), "forget:yes"),
                    Button::new(self.render(&texts::keep_button()), "forget:no"),
                ],
            )],
            _ => return Ok(None),
        }))
    }

    async fn button(&mut self, data: &str) -> Result<Vec<Reply>, BotError> {
        let (kind, rest) = data.split_once(':').unwrap_or((data, ""));
        match (kind, self.session.is_some()) {
            ("menu", _) => match rest {
                "ask" => Ok(self.say(texts::ask_prompt())),
                "status" => self.status().await,
                "eligibility" => Box::pin(self.command("eligibility", "")).await.map(Option::unwrap_or_default),
                _ => Box::pin(self.command("apply", "")).await.map(Option::unwrap_or_default),
            },
            ("lang", _) => match Lang::from_code(rest) {
                Some(lang) => self.set_lang(lang).await,
                None => Ok(self.lang_menu()),
            },
            ("forget", _) if rest == "yes" => self.forget().await,
            ("forget", _) => Ok(self.say(texts::kept())),
            ("start", true) | ("amend", true) => self.resume().await,
            ("start", false) => {
                let (id, item) = rest.split_once(':').unwrap_or((rest, ""));
                let Some(flow) = self.flow_by_id(id) else { return Ok(self.say(texts::stale_button())) };
                // Button data comes back from the client unchecked: prefill only a real option.
                let offered =
                    |key: &String| flow.step(key).is_some_and(|step| step.options().iter().any(|o| o.value == item));
                let prefill = match &flow.tier_from {
                    Some(key) if offered(key) => BTreeMap::from([(key.clone(), Value::Choice(item.to_owned()))]),
                    _ => BTreeMap::new(),
                };
                self.start_form(flow, prefill).await
            }
            ("amend", false) => self.start_amendment(rest).await,
            (_, true) => self.continue_form(&Input::Button(data.to_owned())).await,
            (_, false) => Ok(self.say(texts::stale_button())),
        }
    }

    /// Text outside a form: a wish to apply starts a form; anything else is a question. Writing
    /// in another language than the user's switches the user to it.
    async fn free_text(&mut self, text: &str) -> Result<Vec<Reply>, BotError> {
        let scripts = self.inner.policy.scripts();
        let cleaned = crate::text::clean(text);
        let written_in = scripts.detect(&cleaned, self.lang);
        if written_in != self.lang {
            self.set_user_lang(written_in).await?;
        }
        let query = scripts.simplify(&crate::text::fold_width(&cleaned)).to_lowercase();
        match intent::detect(&query, &self.inner.flows, self.inner.policy.tiers()) {
            Intent::Apply(flow) => {
                let flow = self.flow_by_id(&flow.id).unwrap_or(flow);
                self.start_form(flow, BTreeMap::new()).await
            }
            Intent::ApplyUnclear => Ok(self.form_menu()),
            Intent::Question => self.answer(text).await,
        }
    }

    /// Answers from the policy, with buttons for the forms the question is about.
    async fn answer(&mut self, question: &str) -> Result<Vec<Reply>, BotError> {
        let answer = self.inner.policy.answer(question, self.lang)?;
        let mut buttons = Vec::new();
        if answer.found {
            let query = self.inner.policy.scripts().simplify(question).to_lowercase();
            buttons = intent::matching(&query, self.inner.flows.iter().filter(|flow| flow.files))
                .into_iter()
                .take(2)
                .map(|flow| Button::new(self.render(&texts::apply_button(&flow.title)), format!("start:{}", flow.id)))
                .collect();
        }
        Ok(vec![Reply::with_buttons(answer.answer, buttons)])
    }

    async fn start_form(&mut self, flow: &Flow, prefill: BTreeMap<String, Value>) -> Result<Vec<Reply>, BotError> {
        let outcome = engine::start(flow, &self.context(), prefill);
        self.apply(flow, outcome, None).await
    }

    async fn continue_form(&mut self, input: &Input) -> Result<Vec<Reply>, BotError> {
        let Some((flow, state)) = self.open_form().await? else { return Ok(self.say_with_menu(texts::help())) };
        let outcome = engine::advance(flow, state, input, &self.context());
        self.apply(flow, outcome, Some(input)).await
    }

    /// The question the open form is asking, again, after a reminder that it is open.
    async fn resume(&mut self) -> Result<Vec<Reply>, BotError> {
        let Some((flow, state)) = self.open_form().await? else { return Ok(Vec::new()) };
        let mut replies = self.say(texts::form_in_progress(&flow.title));
        replies.extend(engine::resume(flow, state, &self.context()).replies);
        Ok(replies)
    }

    /// The open form and its state. A form that no longer exists (removed from `dialogs/`) is
    /// closed.
    async fn open_form(&mut self) -> Result<Option<(&'a Flow, DialogState)>, BotError> {
        let Some(session) = &self.session else { return Ok(None) };
        let state = session.state.clone();
        let flows: &'a Flows = &self.inner.flows;
        match flows.get(&state.flow) {
            Some(flow) => Ok(Some((flow, state))),
            None => {
                tracing::warn!(flow = %state.flow, "closing a session of a form that no longer exists");
                let mut conn = self.inner.store.acquire().await?;
                sessions::delete(&mut conn, self.user.id, Some(session.version)).await?;
                self.session = None;
                Ok(None)
            }
        }
    }

    fn context(&self) -> Context<'_> {
        let consent = self.inner.flows.consent();
        Context {
            lang: self.lang,
            today: self.inner.clock.today(),
            consented: self.user.consent_version.as_deref() == Some(consent.version.as_str()),
            consent,
            tiers: self.inner.policy.tiers(),
            scripts: self.inner.policy.scripts(),
        }
    }

    /// Applies what the engine decided, in one transaction: consent, the filed or corrected
    /// application, the file sent, the new form state. Files of discarded drafts are removed
    /// after the commit.
    async fn apply(&mut self, flow: &Flow, outcome: Outcome, input: Option<&Input>) -> Result<Vec<Reply>, BotError> {
        let Outcome { state, mut replies, effects } = outcome;
        let expected = self.session.as_ref().map(|session| session.version);
        let plain = effects.is_empty()
            && self.update.is_none_or(|update| update.in_order)
            && !matches!(input, Some(Input::File(_)));
        if let (Some(state), true) = (&state, plain) {
            // Only the form state changes, with the update's id if any: one versioned statement
            // is atomic by itself, and skipping BEGIN and COMMIT saves two round trips on most
            // messages.
            let version = self.save_form(&mut self.inner.store.acquire().await?, state, expected).await?;
            self.recorded = true;
            self.saved(flow, state.clone(), version);
            return Ok(replies);
        }
        let mut tx = self.inner.store.begin().await?;
        self.record_update(&mut tx, state.is_some()).await?;
        let mut discarded: Vec<String> = Vec::new();
        if let Some(Input::File(file)) = input {
            match field_of(file, state.as_ref(), &effects) {
                Some(field) => {
                    let replaced = attachments::delete_drafts_of_field(&mut tx, self.user.id, &field).await?;
                    discarded.extend(replaced.into_iter().map(|a| a.location));
                    attachments::insert(&mut tx, &new_attachment(self.user.id, &field, file), self.now).await?;
                }
                None => discarded.push(file.location.clone()),
            }
        }
        for effect in &effects {
            match effect {
                Effect::Consented => {
                    let version = &self.inner.flows.consent().version;
                    users::record_consent(&mut tx, self.user.id, version, self.now).await?;
                    self.user.consent_version = Some(version.clone());
                    self.user.consent_at = Some(self.now);
                }
                Effect::Submit { answers, tier } => {
                    let reference = self.file(&mut tx, flow, answers, tier).await?;
                    replies.push(Reply::text(self.render(&texts::filed(&reference, &flow.title))));
                }
                Effect::Amend { reference, answers, tier } => {
                    if !self.correct(&mut tx, reference, answers, tier).await? {
                        replies = self.say(texts::nothing_to_correct());
                    }
                }
                Effect::Cancelled => {
                    let drafts = attachments::delete_drafts_of_user(&mut tx, self.user.id).await?;
                    discarded.extend(drafts.into_iter().map(|a| a.location));
                }
            }
        }
        let saved = match state {
            Some(state) => Some((self.save_form(&mut tx, &state, expected).await?, state)),
            None if expected.is_some() => {
                sessions::delete(&mut tx, self.user.id, expected).await?;
                None
            }
            None => None,
        };
        tx.commit().await.map_err(StoreError::from)?;
        match saved {
            Some((version, state)) => self.saved(flow, state, version),
            None => self.session = None,
        }
        discarded.iter().for_each(|location| remove_file(location));
        Ok(replies)
    }

    /// Records the update being handled in `tx`, unless the form saved in it carries the update
    /// (`form_saved`); a redelivered update ends the turn unapplied.
    async fn record_update(&mut self, tx: &mut impl Db, form_saved: bool) -> Result<(), BotError> {
        let Some(update) = self.update.filter(|_| !self.recorded) else { return Ok(()) };
        let fresh = match (update.in_order, form_saved) {
            (true, true) => true,
            (true, false) => users::mark_update(tx, self.user.id, update.id).await?,
            (false, _) => updates::record(tx, &self.sender.channel, update.id, self.now).await?,
        };
        if !fresh {
            return Err(BotError::Duplicate);
        }
        if update.in_order && !form_saved {
            self.user.last_update = Some(update.id);
        }
        self.recorded = true;
        Ok(())
    }

    /// Saves the form's new `state` over version `expected`, with the private chat's update being
    /// handled; its new version.
    async fn save_form(&self, db: &mut impl Db, state: &DialogState, expected: Option<i64>) -> Result<i64, BotError> {
        let update = self.ordered_update();
        Ok(sessions::save(db, self.user.id, state, expected, update, self.now).await?)
    }

    /// The id of the private chat's update being handled, which a saved form keeps.
    fn ordered_update(&self) -> Option<i64> {
        self.update.filter(|update| update.in_order).map(|update| update.id)
    }

    /// Staff review over the bot's store and forms.
    fn review(&self) -> Review {
        let inner = self.inner;
        Review::new(inner.store.clone(), Arc::clone(&inner.flows), inner.notifier.clone(), inner.clock)
    }

    /// Records the form state just saved, for the rest of the turn and the cache.
    fn saved(&mut self, flow: &Flow, state: DialogState, version: i64) {
        let last_update = self.ordered_update().or(self.session.as_ref().and_then(|session| session.last_update));
        let (user_id, flow, updated_at) = (self.user.id, flow.id.clone(), self.now);
        self.session = Some(Session { user_id, flow, state, version, updated_at, last_update });
    }

    /// Files an application under the next reference number of its form and year.
    async fn file(
        &self,
        tx: &mut Tx,
        flow: &Flow,
        answers: &BTreeMap<String, Value>,
        tier: &Option<String>,
    ) -> Result<String, BotError> {
        let year = self.inner.clock.now().year();
        let sequence = applications::next_sequence(tx, &format!("{}-{year}", flow.code)).await?;
        let prefix = &self.inner.policy.manifest().reference_prefix;
        let reference = format!("{prefix}-{}-{year}-{sequence:06}", flow.code);
        let filing = Filing { answers: answers.clone(), tier: tier.clone(), lang: self.lang };
        let new = NewApplication {
            reference: &reference,
            flow: &flow.id,
            user_id: self.user.id,
            filing: &filing,
            status: Status::Submitted,
        };
        let application = applications::insert(tx, &new, self.now).await?;
        let actor = self.actor();
        let event = NewEvent {
            application_id: application.id,
            actor: &actor,
            from: None,
            to: Status::Submitted,
            note: None,
            fields: None,
        };
        events::insert(tx, &event, self.now).await?;
        self.inner.notifier.filed(tx, &application, &filing, flow, self.now).await?;
        if answers.values().any(|value| matches!(value, Value::File(_))) {
            attachments::link_drafts(tx, self.user.id, application.id).await?;
        }
        tracing::info!(reference = %reference, flow = %flow.id, "application filed");
        Ok(reference)
    }

    /// Stores the corrected answers staff asked for and puts the application back in review.
    /// `false` if it no longer waits for a correction from this user.
    async fn correct(
        &self,
        tx: &mut Tx,
        reference: &str,
        answers: &BTreeMap<String, Value>,
        tier: &Option<String>,
    ) -> Result<bool, BotError> {
        let Some(application) = self.own_application(tx, reference, Status::NeedInfo).await? else { return Ok(false) };
        let mut filing = application.filing.clone();
        filing.answers.extend(answers.clone());
        filing.tier = tier.clone().or(filing.tier);
        applications::set_answers(tx, application.id, &filing, self.now).await?;
        let (from, to) = (Status::NeedInfo, Status::InReview);
        applications::set_status(tx, application.id, from, to, self.now).await?;
        let corrected = answers.keys().cloned().collect::<Vec<_>>().join(", ");
        let note = format!("corrected: {corrected}");
        let actor = self.actor();
        let event = NewEvent {
            application_id: application.id,
            actor: &actor,
            from: Some(from),
            to,
            note: Some(&note),
            fields: None,
        };
        events::insert(tx, &event, self.now).await?;
        if let Some(flow) = self.flow_by_id(&application.flow) {
            let fields: Vec<String> = answers.keys().cloned().collect();
            self.inner.notifier.corrected(tx, &application, &filing, flow, &fields, self.now).await?;
        }
        Ok(true)
    }

    /// Opens the correction form of an application staff sent back.
    async fn start_amendment(&mut self, reference: &str) -> Result<Vec<Reply>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let Some(application) = self.own_application(&mut conn, reference, Status::NeedInfo).await? else {
            return Ok(self.say(texts::nothing_to_correct()));
        };
        let request = events::latest_request(&mut conn, application.id).await?;
        drop(conn);
        let fields = request.and_then(|event| event.fields).unwrap_or_default();
        let (Some(flow), false) = (self.flow_by_id(&application.flow), fields.is_empty()) else {
            return Ok(self.say(texts::nothing_to_correct()));
        };
        let outcome = engine::amend(flow, &self.context(), reference, application.filing.answers, fields);
        self.apply(flow, outcome, None).await
    }

    /// The user's own application with `reference`, if it is in `status`.
    async fn own_application(
        &self,
        db: &mut impl Db,
        reference: &str,
        status: Status,
    ) -> Result<Option<Application>, BotError> {
        let application = applications::by_reference(db, reference).await?;
        Ok(application.filter(|a| a.user_id == self.user.id && a.status == status))
    }

    /// The user's applications with their status, and what staff asked to correct.
    async fn status(&self) -> Result<Vec<Reply>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let applications = applications::of_user(&mut conn, self.user.id).await?;
        if applications.is_empty() {
            return Ok(self.say_with_menu(texts::no_applications()));
        }
        let mut lines = vec![self.render(&texts::status_title())];
        let mut buttons = Vec::new();
        for application in &applications {
            let flow = self.inner.flows.get(&application.flow);
            let title = flow.map(|f| self.render(&f.title)).unwrap_or_else(|| application.flow.clone());
            lines.push(format!(
                "• {} {title} — {} ({})",
                application.reference,
                self.render(&application.status.label()),
                crate::clock::format_ms(application.updated_at)
            ));
            if application.status == Status::NeedInfo {
                let request = events::latest_request(&mut conn, application.id).await?;
                let fields = request.as_ref().and_then(|e| e.fields.clone()).unwrap_or_default();
                let labels: Vec<String> = fields
                    .iter()
                    .map(|key| flow.and_then(|f| f.step(key)).map_or(key.clone(), |s| self.render(&s.label())))
                    .collect();
                let note = request.and_then(|e| e.note).unwrap_or_default();
                lines.push(format!("  {}", self.render(&texts::correction_requested(&labels.join("、"), &note))));
                buttons.push(Button::new(
                    self.render(&texts::correct_button(&application.reference)),
                    format!("amend:{}", application.reference),
                ));
            }
        }
        Ok(vec![Reply::with_buttons(lines.join("\n"), buttons)])
    }

    /// Everything kept about the user, as JSON.
    async fn my_data(&self) -> Result<Vec<Reply>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let mut applications_json = Vec::new();
        for application in applications::of_user(&mut conn, self.user.id).await? {
            let history = events::of_application(&mut conn, application.id).await?;
            let files = attachments::of_application(&mut conn, application.id).await?;
            applications_json.push(json!({
                "reference": application.reference,
                "form": application.flow,
                "status": application.status.as_str(),
                "filed": crate::clock::format_ms(application.created_at),
                "answers": application.filing,
                "files": files.iter().map(|f| json!({"field": f.field, "name": f.name, "size": f.size, "sha256": f.sha256})).collect::<Vec<_>>(),
                "history": history.iter().map(|e| json!({"time": crate::clock::format_ms(e.created_at), "from": e.from_status.map(Status::as_str), "to": e.to_status.as_str(), "note": e.note})).collect::<Vec<_>>(),
            }));
        }
        let drafts = attachments::drafts_of_user(&mut conn, self.user.id).await?;
        let form = self.session.as_ref().map(|session| &session.state);
        let data = json!({
            "user": {
                "channel": self.user.channel,
                "id": self.user.external_id,
                "language": self.user.lang,
                "consent_version": self.user.consent_version,
                "consent_time": self.user.consent_at.map(crate::clock::format_ms),
                "first_seen": crate::clock::format_ms(self.user.created_at),
            },
            "form_in_progress": form,
            "unfiled_files": drafts.iter().map(|f| json!({"field": f.field, "name": f.name, "size": f.size})).collect::<Vec<_>>(),
            "applications": applications_json,
        });
        Ok(vec![Reply::text(format!(
            "{}\n{}",
            self.render(&texts::my_data_title()),
            serde_json::to_string_pretty(&data)?
        ))])
    }

    /// Erases the form in progress, unfiled files and the consent record; filed applications are
    /// official records and stay.
    async fn forget(&mut self) -> Result<Vec<Reply>, BotError> {
        let mut tx = self.inner.store.begin().await?;
        self.record_update(&mut tx, false).await?;
        sessions::delete(&mut tx, self.user.id, None).await?;
        let drafts = attachments::delete_drafts_of_user(&mut tx, self.user.id).await?;
        users::clear_consent(&mut tx, self.user.id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        drafts.iter().for_each(|draft| remove_file(&draft.location));
        self.session = None;
        (self.user.consent_version, self.user.consent_at) = (None, None);
        tracing::info!(user = self.user.id, "user data erased on request");
        Ok(self.say(texts::forgotten()))
    }

    async fn set_lang(&mut self, lang: Lang) -> Result<Vec<Reply>, BotError> {
        self.set_user_lang(lang).await?;
        Ok(self.say_with_menu(texts::lang_set()))
    }

    async fn set_user_lang(&mut self, lang: Lang) -> Result<(), BotError> {
        let mut conn = self.inner.store.acquire().await?;
        users::set_lang(&mut conn, self.user.id, lang.code()).await?;
        self.lang = lang;
        self.user.lang = lang.code().to_owned();
        Ok(())
    }

    fn flow_by_id(&self, id: &str) -> Option<&'a Flow> {
        let flows: &'a Flows = &self.inner.flows;
        flows.get(id)
    }

    /// The form that checks eligibility without filing anything.
    fn eligibility_flow(&self) -> Option<&'a Flow> {
        let flows: &'a Flows = &self.inner.flows;
        flows.iter().find(|flow| !flow.files)
    }

    /// A form named by words in `text` ("/apply 人才公寓").
    fn flow_named(&self, text: &str) -> Option<&'a Flow> {
        let query = self.inner.policy.scripts().simplify(text).to_lowercase();
        if query.is_empty() {
            return None;
        }
        let flows: &'a Flows = &self.inner.flows;
        intent::matching(&query, flows.iter()).into_iter().next()
    }

    fn form_menu(&self) -> Vec<Reply> {
        let buttons = self
            .inner
            .flows
            .iter()
            .map(|flow| Button::new(self.render(&flow.title), format!("start:{}", flow.id)))
            .collect();
        vec![Reply::with_buttons(self.render(&texts::choose_form()), buttons)]
    }

    fn lang_menu(&self) -> Vec<Reply> {
        let buttons = vec![
            Button::new("简体中文", "lang:zh"),
            Button::new("繁體中文", "lang:zh-Hant"),
            Button::new("English", "lang:en"),
        ];
        vec![Reply::with_buttons(self.render(&texts::choose_lang()), buttons)]
    }

    /// A message with the main menu under it.
    fn menu(&self, text: String) -> Reply {
        let entries = [
            (texts::menu_ask(), "menu:ask"),
            (texts::menu_eligibility(), "menu:eligibility"),
            (texts::menu_apply(), "menu:apply"),
            (texts::menu_status(), "menu:status"),
        ];
        let buttons = entries.iter().map(|(label, data)| Button::new(self.render(label), *data)).collect();
        Reply::with_buttons(format!("{text}\n{}", self.render(&texts::menu_intro())), buttons)
    }

    fn actor(&self) -> String {
        format!("applicant:{}", self.user.id)
    }

    fn render(&self, text: &Bilingual) -> String {
        text.render(self.lang, self.inner.policy.scripts())
    }

    fn say(&self, text: Bilingual) -> Vec<Reply> {
        vec![Reply::text(self.render(&text))]
    }

    fn say_with_menu(&self, text: Bilingual) -> Vec<Reply> {
        vec![self.menu(self.render(&text))]
    }
}

/// `/command argument` → (command, argument); Telegram appends `@botname` in groups.
fn read_command(text: &str) -> Option<(String, String)> {
    let rest = text.trim().strip_prefix('/')?;
    let (command, argument) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let command = command.split('@').next().unwrap_or_default().to_lowercase();
    (!command.is_empty()).then(|| (command, argument.to_owned()))
}

/// The step a sent file answers, if the form took it.
fn field_of(file: &FileRef, state: Option<&DialogState>, effects: &[Effect]) -> Option<String> {
    let holds = |answers: &BTreeMap<String, Value>| {
        answers.iter().find(|(_, value)| matches!(value, Value::File(f) if f == file)).map(|(key, _)| key.clone())
    };
    state.and_then(|state| holds(&state.answers)).or_else(|| {
        effects.iter().find_map(|effect| match effect {
            Effect::Submit { answers, .. } | Effect::Amend { answers, .. } => holds(answers),
            _ => None,
        })
    })
}

fn new_attachment<'a>(user_id: i64, field: &'a str, file: &'a FileRef) -> NewAttachment<'a> {
    NewAttachment {
        user_id,
        field,
        location: &file.location,
        name: &file.name,
        mime: &file.mime,
        size: i64::try_from(file.size).unwrap_or(i64::MAX),
        sha256: &file.sha256,
    }
}

/// Removes a stored file; a failure only leaves garbage behind, so it is logged, not raised.
fn remove_file(location: &str) {
    if let Err(err) = std::fs::remove_file(location)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(location, error = %err, "could not remove a discarded file");
    }
}

/// An error with its causes, `outer: inner: innermost`, for logs.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}
