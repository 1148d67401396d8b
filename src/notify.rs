//! Messages nobody asked for but nobody may miss: each new application to the staff chat (personal
//! identifiers masked, with review buttons), each status change to the applicant. Each is an
//! outbox statement the caller commits with the change, so it exists exactly when the change does.

use std::sync::Arc;

use crate::clock::format_ms;
use crate::delivery::{self, Channels, Chat};
use crate::dialog::Flow;
use crate::filing::{Filing, Status};
use crate::lang::{Bilingual, Lang};
use crate::messages::{Arg, Key, arg, keys};
use crate::policy::Policy;
use crate::reply::{Button, Reply};
use crate::store::applications::Application;
use crate::store::users::User;
use crate::store::{Statement, StoreError};

/// A status change to tell an applicant about.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The application, as it now is (its answers hold the applicant's language).
    pub application: &'a Application,
    /// Its form, if it still exists.
    pub flow: Option<&'a Flow>,
    /// Who filed it.
    pub applicant: &'a User,
    /// The new status.
    pub to: Status,
    /// Staff's note or reason.
    pub note: Option<&'a str>,
    /// For a request for information: the fields to correct.
    pub fields: &'a [String],
}

/// Queues notifications.
#[derive(Debug, Clone)]
pub struct Notifier {
    policy: Arc<Policy>,
    /// Where notifications for staff go.
    staff_chat: Option<Chat>,
    /// What each channel can do, for the applicants on it.
    channels: Channels,
}

/// The callback data of the staff review buttons: `staff:<action>:<reference>`.
pub fn staff_button(action: &str, reference: &str) -> String {
    format!("staff:{action}:{reference}")
}

impl Notifier {
    /// A notifier rendering with `policy`'s scripts, posting to `staff_chat`, telling applicants
    /// on the `channels` that take messages nobody asked for.
    pub fn new(policy: Arc<Policy>, staff_chat: Option<Chat>, channels: Channels) -> Self {
        Self { policy, staff_chat, channels }
    }

    /// The post of an application filed at `now` to the staff chat, with buttons to approve, ask
    /// for information or reject; `None` without a staff chat.
    pub fn filed(
        &self,
        reference: &str,
        filing: &Filing,
        flow: &Flow,
        now: i64,
    ) -> Result<Option<Statement>, StoreError> {
        let mut lines = vec![
            self.for_staff(keys::NEW_APPLICATION, &[arg("reference", reference)]),
            self.for_staff(keys::NEW_APPLICATION_FORM, &[arg("title", &flow.title), arg("time", format_ms(now))]),
        ];
        if let Some(tier) = &filing.tier {
            lines.push(self.for_staff(keys::NEW_APPLICATION_TIER, &[arg("tier", tier)]));
        }
        self.to_staff(reference, filing, flow, lines, now)
    }

    /// The post telling the staff chat an applicant answered a request for information: the
    /// corrected answers, and the review buttons again; `None` without a staff chat.
    pub fn corrected(
        &self,
        reference: &str,
        filing: &Filing,
        flow: &Flow,
        fields: &[String],
        now: i64,
    ) -> Result<Option<Statement>, StoreError> {
        let lines = vec![
            self.for_staff(keys::CORRECTED, &[arg("reference", reference)]),
            self.for_staff(keys::CORRECTED_FORM, &[arg("title", &flow.title)]),
        ];
        self.to_staff(reference, &filing.only(fields), flow, lines, now)
    }

    /// Queues `lines`, then the answers of `filing` (masked) and the review buttons, for the staff
    /// chat.
    fn to_staff(
        &self,
        reference: &str,
        filing: &Filing,
        flow: &Flow,
        mut lines: Vec<String>,
        now: i64,
    ) -> Result<Option<Statement>, StoreError> {
        let Some(chat) = &self.staff_chat else { return Ok(None) };
        let answers = filing.lines(Some(flow), Lang::Zh, self.policy.scripts(), true);
        lines.extend(answers.into_iter().map(|(label, value)| format!("  {label}：{value}")));
        lines.push(self.for_staff(keys::SHOW_IN_FULL, &[arg("reference", reference)]));
        let buttons = vec![
            Button::new(self.for_staff(keys::APPROVE_BUTTON, &[]), staff_button("approve", reference)),
            Button::new(self.for_staff(keys::NEED_INFO_BUTTON, &[]), staff_button("need_info", reference)),
            Button::new(self.for_staff(keys::REJECT_BUTTON, &[]), staff_button("reject", reference)),
        ];
        delivery::enqueue(chat, &Reply::with_buttons(lines.join("\n"), buttons), now).map(Some)
    }

    /// The message telling the applicant their application moved on; for a request for
    /// information, which fields and a button to correct them. `None` when the applicant's
    /// channel takes no message they did not ask for.
    pub fn status(&self, change: &StatusChange<'_>, now: i64) -> Result<Option<Statement>, StoreError> {
        let StatusChange { application, flow, applicant, to, note, fields } = *change;
        if !self.channels.takes_unasked(&applicant.channel) {
            return Ok(None);
        }
        let reference = &application.reference;
        let title = flow
            .map_or_else(|| Bilingual::new(application.flow.clone(), application.flow.clone()), |f| f.title.clone());
        let labels = fields
            .iter()
            .map(|key| {
                flow.and_then(|f| f.step(key)).map_or_else(|| Bilingual::new(key.clone(), key.clone()), |s| s.label())
            })
            .fold(Bilingual::new("", ""), |all, label| join(all, &label));
        let messages = self.policy.messages();
        let (reference, title, note) =
            (arg("reference", reference), arg("title", title), arg("note", note.unwrap_or_default()));
        let text = match to {
            Status::Submitted | Status::InReview => messages.get(keys::IN_REVIEW, &[reference, title]),
            Status::Approved => messages.get(keys::APPROVED, &[reference, title, note]),
            Status::Rejected => messages.get(keys::REJECTED, &[reference, title, note]),
            Status::NeedInfo => messages.get(keys::NEEDS_INFO, &[reference, title, arg("fields", labels), note]),
        };
        let lang = application.filing.lang;
        let scripts = self.policy.scripts();
        let buttons = match to {
            Status::NeedInfo => vec![Button::new(
                messages.get(keys::CORRECT_NOW, &[]).render(lang, scripts),
                format!("amend:{}", application.reference),
            )],
            _ => Vec::new(),
        };
        let reply = Reply::with_buttons(text.render(lang, scripts).trim_end().to_owned(), buttons);
        let chat = Chat { channel: applicant.channel.clone(), id: applicant.external_id.clone() };
        delivery::enqueue(&chat, &reply, now).map(Some)
    }

    /// The message `key` for the staff chat, which reads Chinese.
    fn for_staff(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> String {
        self.policy.messages().get(key, args).zh
    }
}

fn join(all: Bilingual, label: &Bilingual) -> Bilingual {
    if all.zh.is_empty() {
        return label.clone();
    }
    Bilingual::new(format!("{}、{}", all.zh, label.zh), format!("{}, {}", all.en, label.en))
}
