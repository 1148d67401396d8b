//! The handling of one message ([`Turn`]), routed by what it is: a staff action, a command, a
//! button, a file, an answer to the open form, or free text (a wish to apply or a question).

use std::collections::{BTreeMap, BTreeSet};

use super::handler::Inner;
use super::intent::{self, Intent};
use super::{BotError, Input, Sender, commands, effects};
use crate::dialog::value::Value;
use crate::dialog::{Flow, Flows};
use crate::lang::{Bilingual, Lang};
use crate::messages::{Arg, Key, arg, keys};
use crate::policy::Basis;
use crate::policy::answer::MAX_QUESTION_CHARS;
use crate::reply::{Button, Reply};
use crate::smalltalk::SmallTalk;
use crate::store::questions::Outcome;
use crate::store::sessions::Session;
use crate::store::tallies::{ANSWERED, Metric};
use crate::store::users::User;
use crate::text;

/// A message this soon after a question may follow it up ("那我老婆孩子呢？").
const FOLLOW_UP_WINDOW_MS: i64 = 5 * 60 * 1000;
/// An answer the decision trusted only this little above its threshold goes to the question log.
const UNCERTAIN_MARGIN: f32 = 0.1;

/// The handling of one message.
pub(super) struct Turn<'a> {
    pub(super) inner: &'a Inner,
    pub(super) sender: &'a Sender,
    pub(super) user: User,
    pub(super) lang: Lang,
    pub(super) session: Option<Session>,
    pub(super) now: i64,
    /// The messenger's update being handled, if it came from one.
    pub(super) update: Option<UpdateId>,
    /// Whether the update is recorded in this turn's transaction.
    pub(super) recorded: bool,
}

/// A messenger update, and how a redelivery of it is recognised.
#[derive(Debug, Clone, Copy)]
pub(super) struct UpdateId {
    pub(super) id: i64,
    /// From the user's private chat, whose updates are handled in order: the last one handled is
    /// kept on the form's row (in a form step's one statement) or the user's. Updates of a group
    /// are not ordered with the private chat's, and are recorded one by one.
    pub(super) in_order: bool,
}

impl<'a> Turn<'a> {
    pub(super) async fn run(&mut self, input: &Input) -> Result<Vec<Reply>, BotError> {
        if let Some(replies) = self.staff(input).await? {
            return Ok(replies);
        }
        match input {
            Input::Text(text) => {
                if let Some((command, argument)) = commands::read(text)
                    && let Some(replies) = self.command(command, argument.trim()).await?
                {
                    return Ok(replies);
                }
                match self.session {
                    Some(_) => self.continue_form(input).await,
                    None if text.trim_start().starts_with('/') => Ok(self.help()),
                    None => self.free_text(text).await,
                }
            }
            Input::Button(data) => self.button(data).await,
            Input::File(_) if self.session.is_some() => self.continue_form(input).await,
            Input::File(file) => {
                effects::remove_file(&file.location);
                Ok(self.say(keys::FILES_ONLY_IN_FORMS, &[]))
            }
        }
    }

    async fn button(&mut self, data: &str) -> Result<Vec<Reply>, BotError> {
        let (kind, rest) = data.split_once(':').unwrap_or((data, ""));
        match (kind, self.session.is_some()) {
            ("menu", _) => match rest {
                "ask" => Ok(self.say(keys::ASK_PROMPT, &[])),
                "status" => self.status().await,
                "eligibility" => Box::pin(self.eligibility()).await,
                _ => Box::pin(self.apply_for("")).await,
            },
            ("lang", _) => match Lang::from_code(rest) {
                Some(lang) => self.set_lang(lang).await,
                None => Ok(self.lang_menu()),
            },
            ("forget", _) if rest == "yes" => self.forget().await,
            ("forget", _) => Ok(self.say(keys::KEPT, &[])),
            ("start", true) | ("amend", true) => self.resume().await,
            ("start", false) => {
                let (id, item) = rest.split_once(':').unwrap_or((rest, ""));
                let Some(flow) = self.flow_by_id(id) else { return Ok(self.say(keys::STALE_BUTTON, &[])) };
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
            (_, false) => Ok(self.say(keys::STALE_BUTTON, &[])),
        }
    }

    /// Text outside a form: small talk gets its reply, a wish to apply starts a form, anything
    /// else is a question. Writing in another language than the user's switches the user to it.
    async fn free_text(&mut self, text: &str) -> Result<Vec<Reply>, BotError> {
        let policy = &self.inner.policy;
        let cleaned = crate::text::clean(text);
        let written_in = policy.scripts().detect(&cleaned, self.lang);
        if written_in != self.lang {
            self.set_user_lang(written_in).await?;
        }
        // "我要转人工" is no wish to apply, and "谢谢" no question.
        if policy.small_talk(&cleaned).is_some() {
            return self.answer(text).await;
        }
        let query = policy.normalize(&cleaned).0;
        match intent::detect(&query, &self.inner.flows, self.inner.policy.tiers()) {
            Intent::Apply(flow) => {
                let flow = self.flow_by_id(&flow.id).unwrap_or(flow);
                self.start_form(flow, BTreeMap::new()).await
            }
            Intent::ApplyUnclear => Ok(self.form_menu()),
            Intent::Question => self.answer(text).await,
        }
    }

    /// Answers from the policy — a follow-up read with the user's previous question — with
    /// buttons for the forms the question is about (and the self-test under a tier answer). What
    /// the bot could not answer, answered unsurely or handed over goes to the question log.
    pub(super) async fn answer(&mut self, question: &str) -> Result<Vec<Reply>, BotError> {
        let policy = &self.inner.policy;
        let recent = |at: i64| self.now.saturating_sub(at) <= FOLLOW_UP_WINDOW_MS;
        let previous = self.user.last_question.as_deref().filter(|_| self.user.last_question_at.is_some_and(recent));
        let answer = policy.answer_after(question, previous, self.lang)?;
        let uncertain = policy.decision().threshold() + UNCERTAIN_MARGIN;
        let logged = match answer.basis {
            Basis::Refused { confidence } => Some((Outcome::Refused, confidence)),
            Basis::Passages { confidence } if confidence < uncertain => Some((Outcome::Uncertain, Some(confidence))),
            Basis::SmallTalk(SmallTalk::Handover) => Some((Outcome::Handover, None)),
            _ => None,
        };
        let counted = match (answer.basis, logged) {
            (_, Some((outcome, _))) => Some(outcome.name()),
            (Basis::Passages { .. } | Basis::Tiers, None) => Some(ANSWERED),
            _ => None,
        };
        if let Some(outcome) = counted {
            self.count(Metric::Question, [outcome.to_owned()]);
            let clauses: BTreeSet<&str> =
                answer.sources.iter().filter(|_| answer.found).map(|source| source.clause.as_str()).collect();
            self.count(Metric::Clause, clauses.into_iter().map(str::to_owned));
        }
        let remember = matches!(answer.basis, Basis::Passages { .. } | Basis::Tiers | Basis::Refused { .. });
        if remember || logged.is_some() {
            let cleaned = text::clean(question);
            let redacted = text::redact_identifiers(text::truncate(&cleaned, MAX_QUESTION_CHARS));
            self.note_question(&redacted, remember, logged).await?;
        }
        let mut buttons: Vec<Button> = Vec::new();
        if answer.found {
            let query = policy.normalize(question).0;
            buttons = intent::matching(&query, self.inner.flows.iter().filter(|flow| flow.files))
                .into_iter()
                .take(2)
                .map(|flow| {
                    Button::new(
                        self.word(keys::APPLY_BUTTON, &[arg("title", &flow.title)]),
                        format!("start:{}", flow.id),
                    )
                })
                .collect();
        }
        if answer.basis == Basis::Tiers && self.eligibility_flow().is_some() {
            buttons.push(Button::new(self.word(keys::MENU_ELIGIBILITY, &[]), "menu:eligibility"));
        }
        Ok(vec![Reply::with_buttons(answer.answer, buttons)])
    }

    pub(super) fn flow_by_id(&self, id: &str) -> Option<&'a Flow> {
        let flows: &'a Flows = &self.inner.flows;
        flows.get(id)
    }

    /// The form that checks eligibility without filing anything.
    pub(super) fn eligibility_flow(&self) -> Option<&'a Flow> {
        let flows: &'a Flows = &self.inner.flows;
        flows.iter().find(|flow| !flow.files)
    }

    /// A form named by words in `text` ("/apply 人才公寓").
    pub(super) fn flow_named(&self, text: &str) -> Option<&'a Flow> {
        let query = self.inner.policy.scripts().simplify(text).to_lowercase();
        if query.is_empty() {
            return None;
        }
        let flows: &'a Flows = &self.inner.flows;
        intent::matching(&query, flows.iter()).into_iter().next()
    }

    pub(super) fn form_menu(&self) -> Vec<Reply> {
        let buttons = self
            .inner
            .flows
            .iter()
            .map(|flow| Button::new(self.render(&flow.title), format!("start:{}", flow.id)))
            .collect();
        vec![Reply::with_buttons(self.word(keys::CHOOSE_FORM, &[]), buttons)]
    }

    pub(super) fn lang_menu(&self) -> Vec<Reply> {
        let buttons = vec![
            Button::new("简体中文", "lang:zh"),
            Button::new("繁體中文", "lang:zh-Hant"),
            Button::new("English", "lang:en"),
        ];
        vec![Reply::with_buttons(self.word(keys::CHOOSE_LANG, &[]), buttons)]
    }

    /// A message with the main menu under it.
    pub(super) fn menu(&self, text: String) -> Reply {
        let entries = [
            (keys::MENU_ASK, "menu:ask"),
            (keys::MENU_ELIGIBILITY, "menu:eligibility"),
            (keys::MENU_APPLY, "menu:apply"),
            (keys::MENU_STATUS, "menu:status"),
        ];
        let buttons = entries.iter().map(|(label, data)| Button::new(self.word(*label, &[]), *data)).collect();
        Reply::with_buttons(format!("{text}\n{}", self.word(keys::MENU_INTRO, &[])), buttons)
    }

    /// `text` in the user's language.
    pub(super) fn render(&self, text: &Bilingual) -> String {
        text.render(self.lang, self.inner.policy.scripts())
    }

    /// The bot's message `key` in both languages.
    pub(super) fn text(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> Bilingual {
        self.inner.policy.messages().get(key, args)
    }

    /// The bot's message `key` in the user's language.
    pub(super) fn word(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> String {
        self.render(&self.text(key, args))
    }

    /// The bot's message `key` as the reply.
    pub(super) fn say(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> Vec<Reply> {
        vec![Reply::text(self.word(key, args))]
    }

    /// The bot's message `key` as the reply, with the main menu under it.
    pub(super) fn say_with_menu(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> Vec<Reply> {
        vec![self.menu(self.word(key, args))]
    }
}
