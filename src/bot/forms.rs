//! Forms in a turn: starting one, taking the next answer, asking again what the open form asks,
//! and opening the correction staff asked for. The engine decides; `effects` applies.

use std::collections::BTreeMap;

use super::turn::Turn;
use super::{BotError, Input};
use crate::dialog::engine::{self, Context, DialogState};
use crate::dialog::value::Value;
use crate::dialog::{Flow, Flows};
use crate::filing::Status;
use crate::messages::{arg, keys};
use crate::reply::Reply;
use crate::store::applications::{self, Application};
use crate::store::{Db, events};

impl<'a> Turn<'a> {
    pub(super) async fn start_form(
        &mut self,
        flow: &Flow,
        prefill: BTreeMap<String, Value>,
    ) -> Result<Vec<Reply>, BotError> {
        let outcome = engine::start(flow, &self.context(), prefill);
        self.apply(flow, outcome, None).await
    }

    pub(super) async fn continue_form(&mut self, input: &Input) -> Result<Vec<Reply>, BotError> {
        let Some((flow, state)) = self.open_form().await? else { return Ok(self.help()) };
        let outcome = engine::advance(flow, state, input, &self.context());
        self.apply(flow, outcome, Some(input)).await
    }

    /// The question the open form is asking, again, after a reminder that it is open.
    pub(super) async fn resume(&mut self) -> Result<Vec<Reply>, BotError> {
        let Some((flow, state)) = self.open_form().await? else { return Ok(Vec::new()) };
        let mut replies = self.say(keys::FORM_IN_PROGRESS, &[arg("title", &flow.title)]);
        replies.extend(engine::resume(flow, state, &self.context()).replies);
        Ok(replies)
    }

    /// Opens the correction form of an application staff sent back.
    pub(super) async fn start_amendment(&mut self, reference: &str) -> Result<Vec<Reply>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let Some(application) = self.own_application(&mut conn, reference, Status::NeedInfo).await? else {
            return Ok(self.say(keys::NOTHING_TO_CORRECT, &[]));
        };
        let request = events::latest_request(&mut conn, application.id).await?;
        drop(conn);
        let fields = request.and_then(|event| event.fields).unwrap_or_default();
        let (Some(flow), false) = (self.flow_by_id(&application.flow), fields.is_empty()) else {
            return Ok(self.say(keys::NOTHING_TO_CORRECT, &[]));
        };
        let outcome = engine::amend(flow, &self.context(), reference, application.filing.answers, fields);
        self.apply(flow, outcome, None).await
    }

    /// The open form and its state. A form that no longer exists (removed from `dialogs/`) is
    /// closed.
    async fn open_form(&mut self) -> Result<Option<(&'a Flow, DialogState)>, BotError> {
        let Some(session) = &self.session else { return Ok(None) };
        let flows: &'a Flows = &self.inner.flows;
        match flows.get(&session.state.flow) {
            Some(flow) => Ok(Some((flow, session.state.clone()))),
            None => {
                tracing::warn!(flow = %session.state.flow, "closing a session of a form that no longer exists");
                self.close_form().await?;
                Ok(None)
            }
        }
    }

    /// The user's own application with `reference`, if it is in `status`.
    pub(super) async fn own_application(
        &self,
        db: &mut impl Db,
        reference: &str,
        status: Status,
    ) -> Result<Option<Application>, BotError> {
        let application = applications::by_reference(db, reference).await?;
        Ok(application.filter(|a| a.user_id == self.user.id && a.status == status))
    }

    /// What the engine knows of the user and the bot.
    fn context(&self) -> Context<'_> {
        let consent = self.inner.flows.consent();
        Context {
            lang: self.lang,
            today: self.inner.clock.today(),
            consented: self.user.consent_version.as_deref() == Some(consent.version.as_str()),
            consent,
            tiers: self.inner.policy.tiers(),
            scripts: self.inner.policy.scripts(),
            messages: self.inner.policy.messages(),
            holidays: self.inner.flows.holidays(),
        }
    }
}
