//! What a turn only reads: the user's applications with their status and what staff asked to
//! correct (`/status`), and everything kept about the user (`/mydata`).

use serde_json::json;

use super::BotError;
use super::turn::Turn;
use crate::clock::format_ms;
use crate::filing::Status;
use crate::messages::{arg, keys};
use crate::reply::{Button, Reply};
use crate::store::{applications, attachments, events};

impl Turn<'_> {
    /// The user's applications with their status, and what staff asked to correct.
    pub(super) async fn status(&self) -> Result<Vec<Reply>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let applications = applications::of_user(&mut conn, self.user.id).await?;
        if applications.is_empty() {
            return Ok(self.say_with_menu(keys::NO_APPLICATIONS, &[]));
        }
        let mut lines = vec![self.word(keys::STATUS_TITLE, &[])];
        let mut buttons = Vec::new();
        for application in &applications {
            let flow = self.inner.flows.get(&application.flow);
            let title = flow.map(|f| self.render(&f.title)).unwrap_or_else(|| application.flow.clone());
            lines.push(format!(
                "• {} {title} — {} ({})",
                application.reference,
                self.render(&application.status.label()),
                format_ms(application.updated_at)
            ));
            if application.status == Status::NeedInfo {
                let request = events::latest_request(&mut conn, application.id).await?;
                let fields = request.as_ref().and_then(|e| e.fields.clone()).unwrap_or_default();
                let labels: Vec<String> = fields
                    .iter()
                    .map(|key| flow.and_then(|f| f.step(key)).map_or(key.clone(), |s| self.render(&s.label())))
                    .collect();
                let note = request.and_then(|e| e.note).unwrap_or_default();
                lines.push(format!(
                    "  {}",
                    self.word(keys::CORRECTION_REQUESTED, &[arg("fields", labels.join("、")), arg("note", note)])
                ));
                buttons.push(Button::new(
                    self.word(keys::CORRECT_BUTTON, &[arg("reference", &application.reference)]),
                    format!("amend:{}", application.reference),
                ));
            }
        }
        Ok(vec![Reply::with_buttons(lines.join("\n"), buttons)])
    }

    /// Everything kept about the user, as JSON.
    pub(super) async fn my_data(&self) -> Result<Vec<Reply>, BotError> {
        let mut conn = self.inner.store.read().await?;
        let mut applications_json = Vec::new();
        for application in applications::of_user(&mut conn, self.user.id).await? {
            let history = events::of_application(&mut conn, application.id).await?;
            let files = attachments::of_application(&mut conn, application.id).await?;
            applications_json.push(json!({
                "reference": application.reference,
                "form": application.flow,
                "status": application.status.as_str(),
                "filed": format_ms(application.created_at),
                "answers": application.filing,
                "files": files.iter().map(|f| json!({"field": f.field, "name": f.name, "size": f.size, "sha256": f.sha256})).collect::<Vec<_>>(),
                "history": history.iter().map(|e| json!({"time": format_ms(e.created_at), "from": e.from_status.map(Status::as_str), "to": e.to_status.as_str(), "note": e.note})).collect::<Vec<_>>(),
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
                "consent_time": self.user.consent_at.map(format_ms),
                "first_seen": format_ms(self.user.created_at),
            },
            "form_in_progress": form,
            "unfiled_files": drafts.iter().map(|f| json!({"field": f.field, "name": f.name, "size": f.size})).collect::<Vec<_>>(),
            "applications": applications_json,
        });
        Ok(vec![Reply::text(format!(
            "{}\n{}",
            self.word(keys::MY_DATA_TITLE, &[]),
            serde_json::to_string_pretty(&data)?
        ))])
    }
}
