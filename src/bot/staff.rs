//! The staff side of the bot core: review commands (/pending /show /approve /reject /needinfo
//! /export) and the buttons under new-application notifications, honoured only for staff members;
//! a reason asked for after 驳回 or 补正 is taken from the member's next message in that chat.

use std::str::FromStr;

use crate::clock::format_ms;
use crate::lang::Bilingual;
use crate::messages::{arg, keys};
use crate::reply::{Document, Reply};
use crate::staff::export::Format;
use crate::staff::review::render_dossier;
use crate::staff::{Decision, ReviewError};
use crate::store::applications::Filter;
use crate::store::prompts::{self, Prompt};

use super::commands::{self, Audience, Command};
use super::turn::Turn;
use super::{BotError, Input};

/// Most applications `/pending` lists.
const PENDING_SHOWN: usize = 30;

impl Turn<'_> {
    /// Handles staff commands, staff buttons and staff prompts; `None` for anything else. Others
    /// trying a staff command or button are refused; the staff chat's other chatter is ignored.
    pub(super) async fn staff(&mut self, input: &Input) -> Result<Option<Vec<Reply>>, BotError> {
        let staff = &self.inner.staff;
        let member = staff.is_member(self.sender);
        let in_staff_chat = staff.is_staff_chat(self.sender);
        let command = match input {
            Input::Text(text) => {
                commands::read(text).filter(|(command, _)| command.entry().audience == Audience::Staff)
            }
            _ => None,
        };
        let button = match input {
            Input::Button(data) => data.strip_prefix("staff:"),
            _ => None,
        };
        if !member {
            return Ok(match (command, button, in_staff_chat) {
                (Some(_), _, _) | (_, Some(_), _) => Some(self.say(keys::STAFF_ONLY, &[])),
                (None, None, true) => Some(Vec::new()),
                (None, None, false) => None,
            });
        }
        let actor = self.sender.key();
        let replies = match (command, button, input) {
            (Some((command, argument)), _, _) => self.staff_command(command, argument.trim(), &actor).await?,
            (_, Some(data), _) => self.staff_button(data, &actor).await?,
            (None, None, Input::Text(text)) => match self.take_prompt().await? {
                Some(prompt) => self.complete_prompt(prompt, text.trim(), &actor).await?,
                None if in_staff_chat => Vec::new(),
                None => return Ok(None),
            },
            _ if in_staff_chat => Vec::new(),
            _ => return Ok(None),
        };
        Ok(Some(replies))
    }

    async fn staff_command(&mut self, command: Command, argument: &str, actor: &str) -> Result<Vec<Reply>, BotError> {
        let (reference, rest) = argument.split_once(char::is_whitespace).unwrap_or((argument, ""));
        let rest = rest.trim();
        let reference = reference.to_uppercase();
        Ok(match command {
            Command::Pending => self.pending(argument).await?,
            Command::Export => self.export(argument, actor).await?,
            _ if reference.is_empty() => self.staff_usage(),
            Command::Show if !self.inner.staff.is_private_or_staff_chat(self.sender) => {
                self.say(keys::FULL_DATA_HERE_ONLY, &[])
            }
            Command::Show => self.show(&reference, actor).await?,
            Command::Approve => {
                self.decide(&reference, actor, Decision::Approve((!rest.is_empty()).then(|| rest.to_owned()))).await?
            }
            Command::Reject if rest.is_empty() => self.staff_usage(),
            Command::Reject => self.decide(&reference, actor, Decision::Reject(rest.to_owned())).await?,
            _ => match self.need_info(&reference, rest).await? {
                Ok(decision) => self.decide(&reference, actor, decision).await?,
                Err(problem) => vec![Reply::text(self.render(&problem))],
            },
        })
    }

    async fn staff_button(&mut self, data: &str, actor: &str) -> Result<Vec<Reply>, BotError> {
        let (action, reference) = data.split_once(':').unwrap_or((data, ""));
        match action {
            "approve" => self.decide(reference, actor, Decision::Approve(None)).await,
            "reject" | "need_info" => {
                let prompt = Prompt {
                    chat: self.sender.chat.clone(),
                    staff: self.sender.id.clone(),
                    reference: reference.to_owned(),
                    action: action.to_owned(),
                    created_at: self.now,
                };
                prompts::open(&mut *self.inner.store.acquire().await?, &prompt).await?;
                let question = match action {
                    "reject" => self.text(keys::ASK_REASON, &[arg("reference", reference)]),
                    _ => self.field_list(reference, self.text(keys::FIELDS_ASK, &[])).await?,
                };
                Ok(vec![Reply::question(self.render(&question))])
            }
            _ => Ok(self.staff_usage()),
        }
    }

    async fn take_prompt(&self) -> Result<Option<Prompt>, BotError> {
        let mut conn = self.inner.store.acquire().await?;
        Ok(prompts::take(&mut conn, &self.sender.chat, &self.sender.id).await?)
    }

    async fn complete_prompt(&mut self, prompt: Prompt, text: &str, actor: &str) -> Result<Vec<Reply>, BotError> {
        if prompt.action == "reject" {
            return self.decide(&prompt.reference, actor, Decision::Reject(text.to_owned())).await;
        }
        match self.need_info(&prompt.reference, text).await? {
            Ok(decision) => self.decide(&prompt.reference, actor, decision).await,
            Err(problem) => {
                // Ask again: the prompt stays open until it is answered well.
                let mut conn = self.inner.store.acquire().await?;
                prompts::open(&mut conn, &Prompt { created_at: self.now, ..prompt }).await?;
                Ok(vec![Reply::text(self.render(&problem))])
            }
        }
    }

    /// Reads `fields note` ("phone,id_card 请核对号码"); fields may be keys or labels.
    async fn need_info(&self, reference: &str, text: &str) -> Result<Result<Decision, Bilingual>, BotError> {
        let Some(flow) = self.flow_of(reference).await? else {
            return Ok(Err(self.text(keys::NO_APPLICATION, &[arg("reference", reference)])));
        };
        let (fields, note) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let mut keys = Vec::new();
        for wanted in fields.split([',', '，', '、']).map(str::trim).filter(|f| !f.is_empty()) {
            let step = flow
                .steps
                .iter()
                .find(|step| step.key == wanted || step.label().zh == wanted || step.label().en == wanted);
            match step {
                Some(step) => keys.push(step.key.clone()),
                None => {
                    let lead = self.text(keys::FIELDS_UNKNOWN, &[arg("field", wanted)]);
                    return Ok(Err(self.field_list(reference, lead).await?));
                }
            }
        }
        if keys.is_empty() || note.trim().is_empty() {
            return Ok(Err(self.field_list(reference, self.text(keys::FIELDS_INCOMPLETE, &[])).await?));
        }
        Ok(Ok(Decision::NeedInfo { fields: keys, note: note.trim().to_owned() }))
    }

    /// `lead`, then the fields of the application's form staff may name.
    async fn field_list(&self, reference: &str, lead: Bilingual) -> Result<Bilingual, BotError> {
        let Some(flow) = self.flow_of(reference).await? else {
            return Ok(self.text(keys::NO_APPLICATION, &[arg("reference", reference)]));
        };
        let fields: Vec<String> =
            flow.steps.iter().map(|step| format!("{}（{}）", step.key, step.label().zh)).collect();
        Ok(self.text(keys::FIELDS, &[arg("reference", reference), arg("lead", lead), arg("list", fields.join("、"))]))
    }

    async fn flow_of(&self, reference: &str) -> Result<Option<&crate::dialog::Flow>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let application = crate::store::applications::by_reference(&mut conn, reference).await?;
        Ok(application.and_then(|application| self.inner.flows.get(&application.flow)))
    }

    async fn decide(&self, reference: &str, actor: &str, decision: Decision) -> Result<Vec<Reply>, BotError> {
        match self.inner.review.decide(reference, actor, &decision).await {
            Ok(application) => {
                let status = Bilingual::new(application.status.label().zh, application.status.as_str());
                let args = [arg("reference", &application.reference), arg("status", status), arg("actor", actor)];
                Ok(self.say(keys::DECIDED, &args))
            }
            Err(error) => self.refusal(error),
        }
    }

    async fn show(&self, reference: &str, actor: &str) -> Result<Vec<Reply>, BotError> {
        match self.inner.review.open(reference, actor).await {
            Ok(dossier) => {
                let flow = self.inner.flows.get(&dossier.application.flow);
                Ok(vec![Reply::text(render_dossier(&dossier, flow, self.inner.policy.scripts(), false))])
            }
            Err(error) => self.refusal(error),
        }
    }

    /// Applications waiting for staff, oldest first, identifiers masked.
    async fn pending(&self, flow: &str) -> Result<Vec<Reply>, BotError> {
        let filter = Filter { flow: (!flow.is_empty()).then(|| flow.to_owned()), ..Filter::default() };
        let mut open: Vec<_> = self
            .inner
            .review
            .list(&filter)
            .await
            .map_err(BotError::Review)?
            .into_iter()
            .filter(|application| !application.status.is_final())
            .collect();
        open.reverse();
        let scripts = self.inner.policy.scripts();
        // Lists for the staff chat, which reads Chinese.
        let mut lines = vec![self.text(keys::PENDING, &[arg("count", open.len())]).zh];
        for application in open.iter().take(PENDING_SHOWN) {
            let flow = self.inner.flows.get(&application.flow);
            lines.push(format!(
                "• {} {} {} {} {}",
                application.reference,
                flow.map_or(application.flow.as_str(), |f| f.title.zh.as_str()),
                application.status.label().zh,
                format_ms(application.created_at),
                application.filing.who(flow, scripts, 2)
            ));
        }
        if open.len() > PENDING_SHOWN {
            lines.push(self.text(keys::PENDING_MORE, &[arg("count", open.len() - PENDING_SHOWN)]).zh);
        }
        Ok(vec![Reply::text(lines.join("\n"))])
    }

    async fn export(&self, argument: &str, actor: &str) -> Result<Vec<Reply>, BotError> {
        if !self.inner.staff.is_private_or_staff_chat(self.sender) {
            return Ok(self.say(keys::FULL_DATA_HERE_ONLY, &[]));
        }
        let format = match argument {
            "" => Format::Xlsx,
            other => match Format::from_str(other) {
                Ok(format) => format,
                Err(_) => return Ok(self.staff_usage()),
            },
        };
        let scripts = self.inner.policy.scripts();
        let exported = self.inner.review.export(&Filter::default(), format, scripts, actor, "").await;
        let (bytes, count) = exported.map_err(BotError::Review)?;
        let name = format!("applications-{}.{}", format_ms(self.now).replace([' ', ':'], "-"), format.extension());
        let caption = self.text(keys::EXPORTED, &[arg("count", count)]).zh;
        Ok(vec![Reply::with_document(caption, Document { name, bytes })])
    }

    /// A refused action said plainly; a store failure is a real error.
    fn refusal(&self, error: ReviewError) -> Result<Vec<Reply>, BotError> {
        match error {
            ReviewError::Store(_) => Err(BotError::Review(error)),
            refused => Ok(self.say(keys::REFUSED, &[arg("reason", refused.to_string())])),
        }
    }

    /// The staff commands.
    fn staff_usage(&self) -> Vec<Reply> {
        let usage = commands::list(self.inner.policy.messages(), Audience::Staff, keys::STAFF_HELP_TITLE);
        vec![Reply::text(self.render(&usage))]
    }
}
