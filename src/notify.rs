//! Messages nobody asked for but nobody may miss: each new application to the staff chat (personal
//! identifiers masked, with review buttons), each status change to the applicant. They are queued
//! in the outbox inside the caller's transaction, so they exist exactly when the change does.

use std::sync::Arc;

use crate::clock::format_ms;
use crate::delivery::{self, Channels, Chat};
use crate::dialog::Flow;
use crate::filing::{Filing, Status};
use crate::lang::{Bilingual, Lang};
use crate::policy::Policy;
use crate::reply::{Button, Reply};
use crate::store::applications::Application;
use crate::store::users::User;
use crate::store::{StoreError, Tx};

/// A status change to tell an applicant about.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The application, as it now is.
    pub application: &'a Application,
    /// Its answers (the applicant's language among them).
    pub filing: &'a Filing,
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

    /// Posts a new application to the staff chat, with buttons to approve, ask for information or
    /// reject.
    pub async fn filed(
        &self,
        tx: &mut Tx,
        application: &Application,
        filing: &Filing,
        flow: &Flow,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut lines = vec![
            format!("📥 新申请 {}", application.reference),
            format!("{} · 提交于 {}", flow.title.zh, format_ms(application.created_at)),
        ];
        if let Some(tier) = &filing.tier {
            lines.push(format!("认定层次：{tier}类"));
        }
        self.to_staff(tx, application, filing, flow, lines, now).await
    }

    /// Tells the staff chat an applicant answered a request for information: the corrected
    /// answers, and the review buttons again.
    pub async fn corrected(
        &self,
        tx: &mut Tx,
        application: &Application,
        filing: &Filing,
        flow: &Flow,
        fields: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        let lines = vec![format!("📝 已补正 {}", application.reference), format!("{} · 请继续审核", flow.title.zh)];
        self.to_staff(tx, application, &filing.only(fields), flow, lines, now).await
    }

    /// Queues `lines`, then the answers of `filing` (masked) and the review buttons, for the staff
    /// chat.
    async fn to_staff(
        &self,
        tx: &mut Tx,
        application: &Application,
        filing: &Filing,
        flow: &Flow,
        mut lines: Vec<String>,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(chat) = &self.staff_chat else { return Ok(()) };
        let reference = &application.reference;
        let answers = filing.lines(Some(flow), Lang::Zh, self.policy.scripts(), true);
        lines.extend(answers.into_iter().map(|(label, value)| format!("  {label}：{value}")));
        lines.push(format!("完整信息：/show {reference}"));
        let buttons = vec![
            Button::new("通过", staff_button("approve", reference)),
            Button::new("补正", staff_button("need_info", reference)),
            Button::new("驳回", staff_button("reject", reference)),
        ];
        delivery::enqueue(tx, chat, &Reply::with_buttons(lines.join("\n"), buttons), now).await
    }

    /// Tells the applicant their application moved on; for a request for information, which
    /// fields and a button to correct them.
    pub async fn status(&self, tx: &mut Tx, change: &StatusChange<'_>, now: i64) -> Result<(), StoreError> {
        let StatusChange { application, filing, flow, applicant, to, note, fields } = *change;
        if !self.channels.takes_unasked(&applicant.channel) {
            return Ok(());
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
        let note = note.unwrap_or_default();
        let contact = &self.policy.manifest().contact;
        let text = match to {
            Status::Submitted | Status::InReview => Bilingual::new(
                format!("您的申请 {reference}（{}）已受理，正在审核。", title.zh),
                format!("Your application {reference} ({}) is now being reviewed.", title.en),
            ),
            Status::Approved => Bilingual::new(
                format!("🎉 您的申请 {reference}（{}）已通过。{note}", title.zh),
                format!("🎉 Your application {reference} ({}) was approved. {note}", title.en),
            ),
            Status::Rejected => Bilingual::new(
                format!("您的申请 {reference}（{}）未通过。原因：{note}\n如有疑问，请联系{}。", title.zh, contact.zh),
                format!(
                    "Your application {reference} ({}) was not approved. Reason: {note}\nFor questions, contact {}.",
                    title.en, contact.en
                ),
            ),
            Status::NeedInfo => Bilingual::new(
                format!(
                    "您的申请 {reference}（{}）需要补正：{}。说明：{note}\n请点击下方按钮补正。",
                    title.zh, labels.zh
                ),
                format!(
                    "Your application {reference} ({}) needs a correction: {}. Note: {note}\nPress the button below to correct it.",
                    title.en, labels.en
                ),
            ),
        };
        let lang = filing.lang;
        let scripts = self.policy.scripts();
        let buttons = match to {
            Status::NeedInfo => vec![Button::new(
                Bilingual::new("立即补正", "Correct it now").render(lang, scripts),
                format!("amend:{reference}"),
            )],
            _ => Vec::new(),
        };
        let reply = Reply::with_buttons(text.render(lang, scripts).trim_end().to_owned(), buttons);
        let chat = Chat { channel: applicant.channel.clone(), id: applicant.external_id.clone() };
        delivery::enqueue(tx, &chat, &reply, now).await
    }
}

fn join(all: Bilingual, label: &Bilingual) -> Bilingual {
    if all.zh.is_empty() {
        return label.clone();
    }
    Bilingual::new(format!("{}、{}", all.zh, label.zh), format!("{}, {}", all.en, label.en))
}
