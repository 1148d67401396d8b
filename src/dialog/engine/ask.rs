//! Asking: the current question with its buttons, the summary, the consent text, and a question
//! asked again after an explanation.

use super::{DialogState, Engine, Outcome, Stage};
use crate::dialog::flow::{Kind, Step};
use crate::dialog::value::yes_no;
use crate::lang::Bilingual;
use crate::messages::{arg, keys};
use crate::reply::{Button, Reply};

impl Engine<'_> {
    /// Asks again what the current stage asks, after an explanation.
    pub(super) fn reask(&self, state: DialogState, explanation: Bilingual) -> Outcome {
        match state.stage.clone() {
            Stage::Consent(step) => {
                let mut outcome = self.ask_consent(state, step);
                outcome.replies.insert(0, Reply::text(explanation.render(self.ctx.lang, self.ctx.scripts)));
                outcome
            }
            _ => self.ask(state, Some(explanation)),
        }
    }

    pub(super) fn ask_consent(&self, mut state: DialogState, step: String) -> Outcome {
        state.stage = Stage::Consent(step);
        let say = |phrase: Bilingual| phrase.render(self.ctx.lang, self.ctx.scripts);
        let buttons = vec![
            Button::new(say(self.phrase(keys::AGREE, &[])), "yes"),
            Button::new(say(self.phrase(keys::DISAGREE, &[])), "no"),
        ];
        let text = self.ctx.consent.text.render(self.ctx.lang, self.ctx.scripts);
        Outcome { state: Some(state), replies: vec![Reply::with_buttons(text, buttons)], effects: Vec::new() }
    }

    /// The question of the current stage (the step's prompt, or the summary).
    pub(super) fn ask(&self, state: DialogState, explanation: Option<Bilingual>) -> Outcome {
        let say = |phrase: &Bilingual| phrase.render(self.ctx.lang, self.ctx.scripts);
        let mut lines: Vec<String> = explanation.iter().map(|e| format!("⚠️ {}", say(e))).collect();
        let mut buttons = Vec::new();
        match &state.stage {
            Stage::Ask(key) => {
                let Some(step) = self.flow.step(key) else { return self.proceed(state) };
                let (position, total) = self.progress(&state, step);
                lines.push(format!("({position}/{total}) {}", self.flow_text(&step.prompt)));
                if let Some(current) = state.answers.get(&step.key) {
                    lines.push(say(&self.phrase(
                        keys::CURRENT,
                        &[arg("value", current.display(step, self.ctx.lang, self.ctx.scripts))],
                    )));
                }
                if step.optional {
                    lines.push(say(&self.phrase(keys::MAY_SKIP, &[])));
                }
                match &step.kind {
                    Kind::Choice { options } => {
                        buttons =
                            options.iter().map(|o| Button::new(say(&o.label), format!("choose:{}", o.value))).collect();
                    }
                    Kind::MultiChoice { options, .. } => {
                        lines.push(say(&self.phrase(keys::MULTI_CHOICE_HINT, &[])));
                        buttons = options
                            .iter()
                            .map(|o| {
                                let mark = if state.ticked.contains(&o.value) { "✅ " } else { "" };
                                let label = self.flow_text(&o.label).replace('\n', " / ");
                                Button::new(format!("{mark}{label}"), format!("tick:{}", o.value))
                            })
                            .collect();
                        buttons.push(Button::new(say(&self.phrase(keys::DONE, &[])), "choose:done"));
                    }
                    Kind::YesNo => {
                        buttons = vec![Button::new(say(&yes_no(true)), "yes"), Button::new(say(&yes_no(false)), "no")];
                    }
                    _ => {}
                }
            }
            Stage::Summary => {
                lines.push(say(&self.phrase(keys::SUMMARY_TITLE, &[arg("title", &self.flow.title)])));
                for (number, step) in self.listed(&state).into_iter().enumerate() {
                    let value = state.answers.get(&step.key).map(|v| v.display(step, self.ctx.lang, self.ctx.scripts));
                    lines.push(format!("{}. {}：{}", number + 1, say(&step.label()), value.unwrap_or_default()));
                    buttons.push(Button::new(
                        say(&self.phrase(keys::EDIT_FIELD, &[arg("number", number + 1), arg("label", step.label())])),
                        format!("edit:{}", number + 1),
                    ));
                }
                if let Some((tier, _)) = self.best_tier_item(&state.answers) {
                    lines.push(say(&self.computed_tier(tier)));
                }
                lines.push(say(&self.phrase(keys::SUMMARY_HINT, &[])));
                buttons.insert(0, Button::new(say(&self.phrase(keys::CONFIRM, &[])), "confirm"));
                buttons.push(Button::new(say(&self.phrase(keys::CANCEL, &[])), "cancel"));
            }
            Stage::Consent(step) => return self.ask_consent(state.clone(), step.clone()),
        }
        Outcome {
            state: Some(state),
            replies: vec![Reply::with_buttons(lines.join("\n"), buttons)],
            effects: Vec::new(),
        }
    }

    /// The step's position among the steps that apply, and how many apply.
    pub(super) fn progress(&self, state: &DialogState, current: &Step) -> (usize, usize) {
        let applicable: Vec<&Step> = self
            .flow
            .steps
            .iter()
            .filter(|step| step.applies(&state.answers))
            .filter(|step| state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key)))
            .collect();
        let position = applicable.iter().position(|step| step.key == current.key).map_or(1, |i| i + 1);
        (position, applicable.len())
    }
}
