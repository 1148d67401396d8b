//! Review actions staff take on applications — open, approve, reject, ask for more information —
//! each a compare-and-set of the status with an audit event, in one transaction.

use std::sync::Arc;

use super::export::{self, ExportError, Format};
use crate::clock::{Clock, format_ms};
use crate::dialog::{Flow, Flows};
use crate::filing::Status;
use crate::lang::{Lang, Scripts};
use crate::notify::{Notifier, StatusChange};
use crate::store::applications::{self, Application, Filter};
use crate::store::attachments::{self, Attachment};
use crate::store::events::{self, Event, NewEvent};
use crate::store::users::{self, User};
use crate::store::{Store, StoreError, Tx, audit};

/// Why a review action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No application has this reference.
    #[error("no application {0}")]
    NotFound(String),
    /// The status machine does not allow the change.
    #[error("{reference} is {from}; it cannot become {to}")]
    NotAllowed { reference: String, from: Status, to: Status },
    /// A need-info request names a field the form does not have.
    #[error("{flow} has no field {field:?} (fields: {known})")]
    UnknownField { flow: String, field: String, known: String },
    /// A need-info request names no field, or a rejection gives no reason.
    #[error("{0}")]
    Incomplete(&'static str),
    /// The database failed.
    #[error("store")]
    Store(#[from] StoreError),
    /// An export could not be written.
    #[error("export")]
    Export(#[from] ExportError),
}

/// An application with everything staff need to decide on it.
#[derive(Debug, Clone)]
pub struct Dossier {
    /// The stored application.
    pub application: Application,
    /// The applicant.
    pub user: Option<User>,
    /// Its history, oldest first.
    pub events: Vec<Event>,
    /// Its files.
    pub attachments: Vec<Attachment>,
}

/// A decision staff make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve, with an optional note.
    Approve(Option<String>),
    /// Reject, with the reason.
    Reject(String),
    /// Ask the applicant to answer `fields` again, with a note.
    NeedInfo { fields: Vec<String>, note: String },
}

impl Decision {
    /// The status the decision leads to.
    pub fn status(&self) -> Status {
        match self {
            Self::Approve(_) => Status::Approved,
            Self::Reject(_) => Status::Rejected,
            Self::NeedInfo { .. } => Status::NeedInfo,
        }
    }
}

/// Staff's access to applications.
#[derive(Debug, Clone)]
pub struct Review {
    store: Store,
    flows: Arc<Flows>,
    notifier: Notifier,
    clock: Clock,
}

impl Review {
    /// Review over `store`, reading forms from `flows`, telling applicants through `notifier`.
    pub fn new(store: Store, flows: Arc<Flows>, notifier: Notifier, clock: Clock) -> Self {
        Self { store, flows, notifier, clock }
    }

    /// The forms.
    pub fn flows(&self) -> &Flows {
        &self.flows
    }

    /// Applications matching `filter`, newest first, with their answers.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Application>, ReviewError> {
        let mut conn = self.store.read().await?;
        Ok(applications::list(&mut conn, filter).await?)
    }

    /// One page of the applications matching `filter`, those waiting for staff first, and how
    /// many match in all.
    pub async fn page(&self, filter: &Filter, offset: i64, limit: i64) -> Result<(Vec<Application>, i64), ReviewError> {
        // On two connections at once: the count scans what the page only starts to read.
        let found = async { applications::page(&mut *self.store.read().await?, filter, offset, limit).await };
        let count = async { applications::count_matching(&mut *self.store.read().await?, filter).await };
        Ok(tokio::try_join!(found, count)?)
    }

    /// The applications matching `filter` in `format`, with how many; the export is audited
    /// with the filter's description `what` (empty for all).
    pub async fn export(
        &self,
        filter: &Filter,
        format: Format,
        scripts: &Scripts,
        actor: &str,
        what: &str,
    ) -> Result<(Vec<u8>, usize), ReviewError> {
        let found = self.list(filter).await?;
        let bytes = export::export(&found, &self.flows, scripts, format)?;
        let scope = if what.is_empty() { String::new() } else { format!(": {what}") };
        let detail = format!("{}, {} applications{scope}", format.extension(), found.len());
        audit::record(&mut *self.store.acquire().await?, actor, "export", &detail, self.clock.now_ms()).await?;
        Ok((bytes, found.len()))
    }

    /// A file of an application, for `actor` to see; the viewing is audited.
    pub async fn attachment(&self, reference: &str, id: i64, actor: &str) -> Result<Attachment, ReviewError> {
        let mut tx = self.store.begin().await?;
        let application = find(&mut tx, reference).await?;
        let files = attachments::of_application(&mut tx, application.id).await?;
        let file = files
            .into_iter()
            .find(|file| file.id == id)
            .ok_or_else(|| ReviewError::NotFound(format!("{reference} file {id}")))?;
        audit::record(&mut tx, actor, "file", &format!("{reference} {}", file.field), self.clock.now_ms()).await?;
        tx.commit().await?;
        Ok(file)
    }

    /// The latest `limit` entries of the audit log, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<audit::Entry>, ReviewError> {
        Ok(audit::latest(&mut *self.store.read().await?, limit).await?)
    }

    /// Opens an application: everything about it. A newly filed application goes into review,
    /// which the applicant is told.
    pub async fn open(&self, reference: &str, actor: &str) -> Result<Dossier, ReviewError> {
        let mut tx = self.store.begin().await?;
        let mut application = find(&mut tx, reference).await?;
        if application.status == Status::Submitted {
            change_status(&mut tx, &application, actor, Status::InReview, None, None, self.clock.now_ms()).await?;
            application = find(&mut tx, reference).await?;
            self.tell_applicant(&mut tx, &application, Status::InReview, None, &[]).await?;
        }
        let user = users::by_id(&mut tx, application.user_id).await?;
        let events = events::of_application(&mut tx, application.id).await?;
        let attachments = attachments::of_application(&mut tx, application.id).await?;
        // Who saw someone's full personal data is on record.
        audit::record(&mut tx, actor, "show", reference, self.clock.now_ms()).await?;
        tx.commit().await?;
        Ok(Dossier { application, user, events, attachments })
    }

    /// Makes a decision on an application; returns it as it now is.
    pub async fn decide(&self, reference: &str, actor: &str, decision: &Decision) -> Result<Application, ReviewError> {
        let mut tx = self.store.begin().await?;
        let application = find(&mut tx, reference).await?;
        let (note, fields) = match decision {
            Decision::Approve(note) => (note.as_deref(), None),
            Decision::Reject(reason) if reason.trim().is_empty() => {
                return Err(ReviewError::Incomplete("a rejection needs a reason"));
            }
            Decision::Reject(reason) => (Some(reason.as_str()), None),
            Decision::NeedInfo { fields, .. } if fields.is_empty() => {
                return Err(ReviewError::Incomplete("name at least one field to correct"));
            }
            Decision::NeedInfo { fields, note } => {
                self.check_fields(&application.flow, fields)?;
                (Some(note.as_str()), Some(fields.as_slice()))
            }
        };
        change_status(&mut tx, &application, actor, decision.status(), note, fields, self.clock.now_ms()).await?;
        let application = find(&mut tx, reference).await?;
        let requested = match decision {
            Decision::NeedInfo { fields, .. } => fields.as_slice(),
            _ => &[],
        };
        self.tell_applicant(&mut tx, &application, decision.status(), note, requested).await?;
        audit::record(&mut tx, actor, decision.status().as_str(), reference, self.clock.now_ms()).await?;
        tx.commit().await?;
        tracing::info!(reference, actor, status = %decision.status(), "application decided");
        Ok(application)
    }

    /// Queues the status change for the applicant, in the transaction that makes it.
    async fn tell_applicant(
        &self,
        tx: &mut Tx,
        application: &Application,
        to: Status,
        note: Option<&str>,
        fields: &[String],
    ) -> Result<(), ReviewError> {
        let Some(applicant) = users::by_id(tx, application.user_id).await? else { return Ok(()) };
        let flow = self.flows.get(&application.flow);
        let change = StatusChange { application, flow, applicant: &applicant, to, note, fields };
        if let Some(message) = self.notifier.status(&change, self.clock.now_ms())? {
            message.execute(tx).await?;
        }
        Ok(())
    }

    fn check_fields(&self, flow_id: &str, fields: &[String]) -> Result<(), ReviewError> {
        let Some(flow) = self.flows.get(flow_id) else { return Ok(()) };
        match fields.iter().find(|field| flow.step(field).is_none()) {
            Some(field) => Err(ReviewError::UnknownField {
                flow: flow_id.to_owned(),
                field: field.clone(),
                known: flow.steps.iter().map(|step| step.key.as_str()).collect::<Vec<_>>().join(", "),
            }),
            None => Ok(()),
        }
    }
}

async fn find(tx: &mut Tx, reference: &str) -> Result<Application, ReviewError> {
    applications::by_reference(tx, reference).await?.ok_or_else(|| ReviewError::NotFound(reference.to_owned()))
}

/// Moves `application` to `to` if the status machine allows it, recording who and why: the one
/// way an application's status changes, for staff decisions and applicants' corrections alike.
pub async fn change_status(
    tx: &mut Tx,
    application: &Application,
    actor: &str,
    to: Status,
    note: Option<&str>,
    fields: Option<&[String]>,
    now: i64,
) -> Result<(), ReviewError> {
    let from = application.status;
    if !from.can_become(to) {
        return Err(ReviewError::NotAllowed { reference: application.reference.clone(), from, to });
    }
    applications::set_status(tx, application.id, from, to, now).await?;
    let event = NewEvent { reference: &application.reference, actor, from: Some(from), to, note, fields };
    events::insert(&event, now)?.execute(tx).await?;
    Ok(())
}

/// A dossier as text for staff: header, answers, files, history.
pub fn render_dossier(dossier: &Dossier, flow: Option<&Flow>, scripts: &Scripts, masked: bool) -> String {
    let application = &dossier.application;
    let status = application.status.label().zh;
    let title = flow.map(|f| f.title.zh.clone()).unwrap_or_else(|| application.flow.clone());
    let mut lines = vec![
        format!("{}  {title}", application.reference),
        format!(
            "状态：{status}    提交：{}    更新：{}",
            format_ms(application.created_at),
            format_ms(application.updated_at)
        ),
    ];
    if let Some(tier) = &application.filing.tier {
        lines.push(format!("认定层次：{tier}类"));
    }
    if let Some(user) = &dossier.user {
        lines.push(format!("申请人：{}:{}（语言 {}）", user.channel, user.external_id, application.filing.lang));
    }
    for (label, value) in application.filing.lines(flow, Lang::Zh, scripts, masked) {
        lines.push(format!("  {label}：{value}"));
    }
    for file in &dossier.attachments {
        lines.push(format!("  附件 {}：{}（{} 字节，sha256 {}）", file.field, file.name, file.size, file.sha256));
    }
    lines.push("记录：".to_owned());
    for event in &dossier.events {
        let from = event.from_status.map_or("—", Status::as_str);
        let note = event.note.as_deref().map(|n| format!("  {n}")).unwrap_or_default();
        let fields = event.fields.as_ref().map(|f| format!("  字段 {}", serde_json::json!(f))).unwrap_or_default();
        lines.push(format!(
            "  {} {} {from} → {}{note}{fields}",
            format_ms(event.created_at),
            event.actor,
            event.to_status
        ));
    }
    lines.join("\n")
}
