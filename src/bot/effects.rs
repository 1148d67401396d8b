//! What a turn changes: consent, a filed or corrected application, a file sent, the form's state,
//! the user's language, an erasure, and the messenger update handled. Everything a turn writes is
//! here, and this is the only place in the bot core that opens transactions: the engine's effects
//! and the new form state commit together (as one [`Script`] unless rows must be read back),
//! before the replies go out.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::turn::Turn;
use super::{BotError, Input};
use crate::dialog::Flow;
use crate::dialog::engine::{DialogState, Effect, Outcome};
use crate::dialog::value::{FileRef, Value};
use crate::filing::{Filing, Status};
use crate::lang::Lang;
use crate::messages::{arg, keys};
use crate::reply::Reply;
use crate::staff::ReviewError;
use crate::staff::review;
use crate::store::applications::{self, NewApplication};
use crate::store::attachments::{self, NewAttachment};
use crate::store::events::{self, NewEvent};
use crate::store::sessions::{self, Session};
use crate::store::tallies::{self, Metric};
use crate::store::{Db, Script, Statement, Store, StoreError, Tx, questions, updates, users};

use super::handler::Inner;
use super::tally;

impl Turn<'_> {
    /// Applies what the engine decided, in one transaction: consent, the filed or corrected
    /// application, the file sent, the new form state. Files of discarded drafts are removed
    /// after the commit.
    pub(super) async fn apply(
        &mut self,
        flow: &Flow,
        outcome: Outcome,
        input: Option<&Input>,
    ) -> Result<Vec<Reply>, BotError> {
        let Outcome { state, mut replies, effects } = outcome;
        let marks = tally::marks(self.session.as_ref().map(|session| &session.state), state.as_ref(), &effects);
        self.apply_effects(flow, state, &mut replies, effects, input).await?;
        self.count(Metric::Form, marks.iter().map(|mark| format!("{}/{mark}", flow.id)));
        Ok(replies)
    }

    /// Counts `subjects` of `metric` today, for the console's figures.
    pub(super) fn count(&self, metric: Metric, subjects: impl IntoIterator<Item = String>) {
        let day = self.inner.clock.today().format("%Y-%m-%d").to_string();
        for subject in subjects {
            self.inner.tallies.count(metric, &day, &subject);
        }
    }

    /// Writes the turn's changes. Those that need nothing read back commit as one [`Script`]
    /// (one round trip on SQLite); a file replacing drafts, a cancelled form's drafts and a
    /// correction need rows back, and open a transaction that the script's statements join.
    async fn apply_effects(
        &mut self,
        flow: &Flow,
        state: Option<DialogState>,
        replies: &mut Vec<Reply>,
        effects: Vec<Effect>,
        input: Option<&Input>,
    ) -> Result<(), BotError> {
        let store = &self.inner.store;
        let expected = self.session.as_ref().map(|session| session.version);
        let mut script = Script::default();
        script.extend(self.record_update(state.is_some()));
        let mut tx: Option<Tx> = None;
        let mut discarded: Vec<String> = Vec::new();
        let mut filed = None;
        if let Some(Input::File(file)) = input {
            match field_of(file, state.as_ref(), &effects) {
                Some(field) => {
                    let tx = opened(&mut tx, store).await?;
                    let replaced = attachments::delete_drafts_of_field(tx, self.user.id, &field).await?;
                    discarded.extend(replaced.into_iter().map(|a| a.location));
                    attachments::insert(tx, &new_attachment(self.user.id, &field, file), self.now).await?;
                }
                None => discarded.push(file.location.clone()),
            }
        }
        for effect in &effects {
            match effect {
                Effect::Consented => {
                    let version = &self.inner.flows.consent().version;
                    script.push(users::record_consent(self.user.id, version, self.now));
                    self.user.consent_version = Some(version.clone());
                    self.user.consent_at = Some(self.now);
                }
                Effect::Submit { answers, tier } => {
                    let reference = match tx.as_mut() {
                        Some(tx) => self.next_reference(tx, flow).await?,
                        None => self.next_reference(&mut store.acquire().await?, flow).await?,
                    };
                    self.file(&mut script, flow, &reference, answers, tier)?;
                    replies.push(Reply::text(
                        self.word(keys::FILED, &[arg("reference", &reference), arg("title", &flow.title)]),
                    ));
                    filed = Some(reference);
                }
                Effect::Amend { reference, answers, tier } => {
                    if !self.correct(opened(&mut tx, store).await?, reference, answers, tier).await? {
                        *replies = self.say(keys::NOTHING_TO_CORRECT, &[]);
                    }
                }
                Effect::Cancelled => {
                    let drafts =
                        attachments::delete_drafts_of_user(opened(&mut tx, store).await?, self.user.id).await?;
                    discarded.extend(drafts.into_iter().map(|a| a.location));
                }
            }
        }
        let saved = match state {
            Some(state) => {
                script.push(sessions::save(self.user.id, &state, expected, self.ordered_update(), self.now)?);
                Some((sessions::version_after(expected), state))
            }
            None if expected.is_some() => {
                script.push(sessions::delete(self.user.id, expected));
                None
            }
            None => None,
        };
        match tx {
            Some(mut tx) => {
                script.run(&mut tx).await?;
                tx.commit().await?;
            }
            None => script.commit(store).await?,
        }
        if let Some(reference) = filed {
            tracing::info!(reference = %reference, flow = %flow.id, "application filed");
        }
        self.recorded = true;
        match saved {
            Some((version, state)) => self.saved(flow, state, version),
            None => self.session = None,
        }
        discarded.iter().for_each(|location| remove_file(location));
        Ok(())
    }

    /// The statement recording the update being handled, unless the form saved with it carries
    /// the update (`form_saved`) or it is recorded already; it fails as a redelivery
    /// ([`BotError::Duplicate`]) when the update was handled before.
    pub(super) fn record_update(&mut self, form_saved: bool) -> Option<Statement> {
        let update = self.update.filter(|_| !self.recorded)?;
        let statement = match (update.in_order, form_saved) {
            (true, true) => None,
            (true, false) => Some(users::mark_update(self.user.id, update.id)),
            (false, _) => Some(updates::record(&self.sender.channel, update.id, self.now)),
        };
        if update.in_order && !form_saved {
            self.user.last_update = Some(update.id);
        }
        statement
    }

    /// Records the update being handled on `db`, for a turn whose changes carry no form.
    pub(super) async fn record_update_on(&mut self, db: &mut impl Db) -> Result<(), BotError> {
        if let Some(statement) = self.record_update(false) {
            statement.execute(db).await?;
        }
        self.recorded = true;
        Ok(())
    }

    /// The id of the private chat's update being handled, which a saved form keeps.
    fn ordered_update(&self) -> Option<i64> {
        self.update.filter(|update| update.in_order).map(|update| update.id)
    }

    /// Records the form state just saved, for the rest of the turn and the cache.
    fn saved(&mut self, flow: &Flow, state: DialogState, version: i64) {
        let last_update = self.ordered_update().or(self.session.as_ref().and_then(|session| session.last_update));
        let (user_id, flow, updated_at) = (self.user.id, flow.id.clone(), self.now);
        self.session = Some(Session { user_id, flow, state, version, updated_at, last_update });
    }

    /// Closes the open form (its flow no longer exists).
    pub(super) async fn close_form(&mut self) -> Result<(), BotError> {
        let Some(session) = &self.session else { return Ok(()) };
        sessions::delete(self.user.id, Some(session.version)).execute(&mut *self.inner.store.acquire().await?).await?;
        self.session = None;
        Ok(())
    }

    /// The next reference number of `flow`'s applications this year, taken on `db`. It is taken
    /// before the filing commits, so a filing that fails (a lost race, handled again) leaves its
    /// number unused.
    async fn next_reference(&self, db: &mut impl Db, flow: &Flow) -> Result<String, BotError> {
        let year = self.inner.clock.now().year();
        let sequence = applications::next_sequence(db, &format!("{}-{year}", flow.code)).await?;
        let prefix = &self.inner.policy.manifest().reference_prefix;
        Ok(format!("{prefix}-{}-{year}-{sequence:06}", flow.code))
    }

    /// Files an application under `reference`: the application, its first event, the staff
    /// chat's notice and the files sent, added to `script`.
    fn file(
        &self,
        script: &mut Script,
        flow: &Flow,
        reference: &str,
        answers: &BTreeMap<String, Value>,
        tier: &Option<String>,
    ) -> Result<(), BotError> {
        let filing = Filing { answers: answers.clone(), tier: tier.clone(), lang: self.lang };
        let new = NewApplication {
            reference,
            flow: &flow.id,
            user_id: self.user.id,
            filing: &filing,
            status: Status::Submitted,
        };
        script.push(applications::insert(&new, self.now)?);
        let actor = self.actor();
        let event = NewEvent { reference, actor: &actor, from: None, to: Status::Submitted, note: None, fields: None };
        script.push(events::insert(&event, self.now)?);
        script.extend(self.inner.notifier.filed(reference, &filing, flow, self.now)?);
        if answers.values().any(|value| matches!(value, Value::File(_))) {
            script.push(attachments::link_drafts(self.user.id, reference));
        }
        Ok(())
    }

    /// Stores the corrected answers staff asked for and puts the application back in review,
    /// through the status change staff decisions take too. `false` if it no longer waits for a
    /// correction from this user.
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
        let fields: Vec<String> = answers.keys().cloned().collect();
        let note = format!("corrected: {}", fields.join(", "));
        let actor = self.actor();
        review::change_status(tx, &application, &actor, Status::InReview, Some(&note), None, self.now).await.map_err(
            |error| match error {
                // A lost race: the turn is handled again.
                ReviewError::Store(error) => BotError::Store(error),
                refused => BotError::Review(refused),
            },
        )?;
        let flow = self.flow_by_id(&application.flow);
        let notice =
            flow.map(|flow| self.inner.notifier.corrected(&application.reference, &filing, flow, &fields, self.now));
        if let Some(notice) = notice.transpose()?.flatten() {
            notice.execute(tx).await?;
        }
        Ok(true)
    }

    /// Erases the form in progress, unfiled files and the consent record; filed applications are
    /// official records and stay.
    pub(super) async fn forget(&mut self) -> Result<Vec<Reply>, BotError> {
        let mut tx = self.inner.store.begin().await?;
        self.record_update_on(&mut tx).await?;
        sessions::delete(self.user.id, None).execute(&mut tx).await?;
        let drafts = attachments::delete_drafts_of_user(&mut tx, self.user.id).await?;
        users::clear_consent(&mut tx, self.user.id).await?;
        users::forget_question(&mut tx, self.user.id).await?;
        tx.commit().await?;
        drafts.iter().for_each(|draft| remove_file(&draft.location));
        self.session = None;
        (self.user.consent_version, self.user.consent_at) = (None, None);
        (self.user.last_question, self.user.last_question_at) = (None, None);
        tracing::info!(user = self.user.id, "user data erased on request");
        Ok(self.say(keys::FORGOTTEN, &[]))
    }

    /// Remembers a question the user asked (redacted), for reading a follow-up, with the update
    /// being handled in the same statement; and logs it for staff when the bot could not answer
    /// it, answered it unsurely, or handed it over (`logged`). Small talk is only logged.
    pub(super) async fn note_question(
        &mut self,
        redacted: &str,
        remember: bool,
        logged: Option<(questions::Outcome, Option<f32>)>,
    ) -> Result<(), BotError> {
        let mut conn = self.inner.store.acquire().await?;
        if remember {
            let update = self.ordered_update().filter(|_| !self.recorded);
            if !users::note_question(&mut conn, self.user.id, redacted, self.now, update).await? {
                return Err(BotError::Duplicate);
            }
            self.recorded |= update.is_some();
            self.user.last_question = Some(redacted.to_owned());
            self.user.last_question_at = Some(self.now);
            if let Some(update) = update {
                self.user.last_update = Some(update);
            }
        } else {
            self.record_update_on(&mut conn).await?;
        }
        if let Some((outcome, confidence)) = logged {
            let question = questions::Question {
                asked_at: self.now,
                lang: self.lang.code().to_owned(),
                outcome,
                text: redacted.to_owned(),
                confidence: confidence.map(f64::from),
            };
            questions::record(&mut conn, &question).await?;
        }
        Ok(())
    }

    pub(super) async fn set_lang(&mut self, lang: Lang) -> Result<Vec<Reply>, BotError> {
        self.set_user_lang(lang).await?;
        Ok(self.say_with_menu(keys::LANG_SET, &[]))
    }

    /// Switches the user to `lang` for this turn and the next.
    pub(super) async fn set_user_lang(&mut self, lang: Lang) -> Result<(), BotError> {
        let mut conn = self.inner.store.acquire().await?;
        users::set_lang(&mut conn, self.user.id, lang.code()).await?;
        self.lang = lang;
        self.user.lang = lang.code().to_owned();
        Ok(())
    }

    /// Who the user is in an application's history.
    fn actor(&self) -> String {
        format!("applicant:{}", self.user.id)
    }
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
pub(super) fn remove_file(location: &str) {
    if let Err(err) = std::fs::remove_file(location)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(location, error = %err, "could not remove a discarded file");
    }
}

/// Writes the figures' counts that are due (all of them with `all`) in one script; counts that
/// could not be written go with the next write.
pub(super) async fn write_tallies(inner: &Inner, all: bool) -> Result<(), StoreError> {
    let counts = inner.tallies.take(all);
    if counts.is_empty() {
        return Ok(());
    }
    let mut script = Script::default();
    script.extend(counts.iter().map(|((metric, day, subject), count)| tallies::add(*metric, day, subject, *count)));
    let written = script.commit(&inner.store).await;
    if written.is_err() {
        inner.tallies.restore(counts);
    }
    written
}

/// The transaction `tx` holds, begun on `store` if there is none yet.
async fn opened<'t>(tx: &'t mut Option<Tx>, store: &Store) -> Result<&'t mut Tx, StoreError> {
    let begun = match tx.take() {
        Some(begun) => begun,
        None => store.begin().await?,
    };
    Ok(tx.insert(begun))
}
