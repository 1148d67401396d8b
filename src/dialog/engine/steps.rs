//! Moving through a form: an answer taken, back, skip, edit, cancel, consent, and the summary
//! confirmed — each giving the new state, the replies and the effects.

use std::collections::BTreeMap;

use super::{Command, DialogState, Effect, Engine, Input, Outcome, Stage, button_command, read_yes_no, says_none};
use crate::dialog::flow::{Kind, Step};
use crate::dialog::value::Value;
use crate::lang::Bilingual;
use crate::messages::{arg, keys};
use crate::policy::{Tier, TierItem};
use crate::reply::{Button, Reply};

impl Engine<'_> {
    pub(super) fn advance(&self, mut state: DialogState, input: &Input) -> Outcome {
        let command = match input {
            Input::Text(text) if text.trim_start().starts_with('/') => {
                Some(Command::read(text).unwrap_or(Command::Unknown))
            }
            Input::Text(text) => Command::read(text),
            Input::Button(data) => button_command(data),
            Input::File(_) => None,
        };
        let command = command.or_else(|| self.none_as_skip(&state, input));
        match (command, state.stage.clone()) {
            (Some(Command::Cancel), _) => self.cancel(),
            (Some(Command::Back), _) => self.back(state),
            (Some(Command::Unknown), _) => self.reask(state, self.phrase(keys::UNKNOWN_COMMAND, &[])),
            (_, Stage::Consent(step)) => self.consent(state, input, step),
            (_, Stage::Summary) => match (command, input) {
                (Some(Command::Confirm), _) => self.finish(state),
                (Some(Command::Edit(number)), _) => self.edit(state, number),
                (_, Input::Button(data)) if data.starts_with("edit:") => {
                    let number = data.trim_start_matches("edit:").parse().unwrap_or(0);
                    self.edit(state, number)
                }
                // A number on the summary names one of its numbered items.
                (_, Input::Text(text)) if let Ok(number) = crate::text::fold_width(text.trim()).parse() => {
                    self.edit(state, number)
                }
                _ => self.reask(state, self.phrase(keys::SUMMARY_HINT, &[])),
            },
            (Some(Command::Help), Stage::Ask(key)) => {
                let help = self
                    .flow
                    .step(&key)
                    .and_then(|step| step.help.clone())
                    .unwrap_or_else(|| self.phrase(keys::NO_HELP, &[]));
                self.reask(state, help)
            }
            (Some(Command::Skip), Stage::Ask(key)) => match self.flow.step(&key) {
                Some(step) if step.optional => {
                    state.answers.insert(key.clone(), Value::Skipped);
                    state.trail.retain(|earlier| earlier != &key);
                    state.trail.push(key);
                    state.ticked.clear();
                    self.proceed(state)
                }
                _ => self.reask(state, self.phrase(keys::REQUIRED, &[])),
            },
            (_, Stage::Ask(key)) => match self.flow.step(&key) {
                Some(step) => self.answer(state, step, input),
                None => self.proceed(state),
            },
        }
    }

    /// "无", "none", "-" and the like to the current question: a skip of an optional question (of
    /// any kind), and for a required one the reason it cannot be left out — unless the question
    /// takes the word as its answer (a no, an option so named, a text such as an employer 无).
    fn none_as_skip(&self, state: &DialogState, input: &Input) -> Option<Command> {
        let (Stage::Ask(key), Input::Text(text)) = (&state.stage, input) else { return None };
        let step = self.flow.step(key)?;
        let taken = || match &step.kind {
            Kind::YesNo => read_yes_no(text).is_some(),
            Kind::Choice { options } | Kind::MultiChoice { options, .. } => self.find_option(options, text).is_some(),
            _ => !step.optional && self.parse(step, input, &state.ticked).is_ok(),
        };
        (says_none(text) && !taken()).then_some(Command::Skip)
    }

    /// Takes an answer to `step`: stores it and moves on, or explains what is wrong and asks
    /// again.
    pub(super) fn answer(&self, mut state: DialogState, step: &Step, input: &Input) -> Outcome {
        if let (Kind::MultiChoice { .. }, Input::Button(data)) = (&step.kind, input)
            && let Some(value) = data.strip_prefix("tick:")
        {
            if let Some(position) = state.ticked.iter().position(|v| v == value) {
                state.ticked.remove(position);
            } else if step.options().iter().any(|o| o.value == value) {
                state.ticked.push(value.to_owned());
            }
            return self.ask(state, None);
        }
        match self.parse(step, input, &state.ticked) {
            Ok(value) => {
                state.answers.insert(step.key.clone(), value);
                state.trail.retain(|key| key != &step.key);
                state.trail.push(step.key.clone());
                state.ticked.clear();
                self.proceed(state)
            }
            Err(reason) => {
                let mut explanation = reason;
                if let Some(help) = &step.help {
                    explanation = Bilingual::new(
                        format!("{}\n{}", explanation.zh, help.zh),
                        format!("{}\n{}", explanation.en, help.en),
                    );
                }
                self.reask(state, explanation)
            }
        }
    }

    pub(super) fn consent(&self, mut state: DialogState, input: &Input, step: String) -> Outcome {
        let answer = match input {
            Input::Button(data) => read_yes_no(data),
            Input::Text(text) => {
                read_yes_no(text).or_else(|| matches!(text.trim(), "同意" | "agree" | "i agree").then_some(true))
            }
            Input::File(_) => None,
        };
        match answer {
            Some(true) => {
                state.stage = Stage::Ask(step);
                let mut outcome = self.ask(state, None);
                outcome.effects.insert(0, Effect::Consented);
                outcome
            }
            Some(false) => Outcome {
                state: None,
                replies: vec![Reply::text(
                    self.phrase(keys::CONSENT_DECLINED, &[]).render(self.ctx.lang, self.ctx.scripts),
                )],
                effects: vec![Effect::Cancelled],
            },
            None => self.ask_consent(state, step),
        }
    }

    pub(super) fn cancel(&self) -> Outcome {
        Outcome {
            state: None,
            replies: vec![Reply::text(
                self.phrase(keys::CANCELLED, &[arg("title", &self.flow.title)]).render(self.ctx.lang, self.ctx.scripts),
            )],
            effects: vec![Effect::Cancelled],
        }
    }

    pub(super) fn back(&self, mut state: DialogState) -> Outcome {
        state.ticked.clear();
        if let Stage::Ask(current) | Stage::Consent(current) = &state.stage {
            state.trail.retain(|key| key != current);
        }
        // An edit may have changed an answer a step depends on: steps that no longer apply are
        // passed over.
        while let Some(previous) = state.trail.pop() {
            if self.flow.step(&previous).is_some_and(|step| step.applies(&state.answers)) {
                state.stage = Stage::Ask(previous);
                return self.ask(state, None);
            }
        }
        self.reask(state, self.phrase(keys::AT_FIRST_STEP, &[]))
    }

    pub(super) fn edit(&self, mut state: DialogState, number: usize) -> Outcome {
        let listed = self.listed(&state);
        match number.checked_sub(1).and_then(|index| listed.get(index)) {
            Some(step) => {
                state.stage = Stage::Ask(step.key.clone());
                self.ask(state, None)
            }
            None => self.reask(state, self.phrase(keys::NO_SUCH_FIELD, &[arg("count", listed.len())])),
        }
    }

    /// Goes to the first step that applies and has no answer yet — or to the summary.
    pub(super) fn proceed(&self, mut state: DialogState) -> Outcome {
        match self.next_step(&state) {
            Some(step) if step.personal && !self.ctx.consented => self.ask_consent(state, step.key.clone()),
            Some(step) => {
                state.stage = Stage::Ask(step.key.clone());
                self.ask(state, None)
            }
            None => {
                state.stage = Stage::Summary;
                if self.flow.files || state.amend.is_some() { self.ask(state, None) } else { self.finish(state) }
            }
        }
    }

    pub(super) fn next_step(&self, state: &DialogState) -> Option<&Step> {
        self.flow.steps.iter().find(|step| {
            let wanted = state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key));
            wanted && !state.answers.contains_key(&step.key) && step.applies(&state.answers)
        })
    }

    /// The answered steps that apply, in order: what the summary lists and what is filed.
    pub(super) fn listed(&self, state: &DialogState) -> Vec<&Step> {
        self.flow
            .steps
            .iter()
            .filter(|step| state.answers.contains_key(&step.key) && step.applies(&state.answers))
            .filter(|step| state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key)))
            .collect()
    }

    pub(super) fn finish(&self, state: DialogState) -> Outcome {
        let answers: BTreeMap<String, Value> = self
            .listed(&state)
            .into_iter()
            .filter_map(|step| state.answers.get(&step.key).map(|value| (step.key.clone(), value.clone())))
            .collect();
        let say = |phrase: Bilingual| phrase.render(self.ctx.lang, self.ctx.scripts);
        if let Some(amend) = state.amend.clone() {
            let tier = self.best_tier_item(&state.answers).map(|(tier, _)| tier.id.clone());
            return Outcome {
                state: None,
                replies: vec![Reply::text(say(self.phrase(keys::AMEND_SENT, &[arg("reference", &amend.reference)])))],
                effects: vec![Effect::Amend { reference: amend.reference, answers, tier }],
            };
        }
        let best = self.best_tier_item(&answers);
        if self.flow.files {
            // The bot core replies with the reference number once the application is stored.
            let tier = best.map(|(tier, _)| tier.id.clone());
            return Outcome { state: None, replies: Vec::new(), effects: vec![Effect::Submit { answers, tier }] };
        }
        let mut buttons = Vec::new();
        let text = match best {
            Some((tier, item)) => {
                if let Some(next) = &self.flow.next {
                    buttons
                        .push(Button::new(say(self.phrase(keys::APPLY_NOW, &[])), format!("start:{next}:{}", item.id)));
                }
                let above = self.ctx.tiers.above(tier);
                say(self.eligible(tier, item, above))
            }
            None => say(self.not_eligible()),
        };
        Outcome { state: None, replies: vec![Reply::with_buttons(text, buttons)], effects: Vec::new() }
    }

    /// The highest tier among the tier items answered to the flow's `tier_from` step.
    pub(super) fn best_tier_item(&self, answers: &BTreeMap<String, Value>) -> Option<(&Tier, &TierItem)> {
        let chosen = match answers.get(self.flow.tier_from.as_deref()?)? {
            Value::Choice(value) => vec![value.clone()],
            Value::Choices(values) => values.clone(),
            _ => return None,
        };
        self.ctx
            .tiers
            .tiers
            .iter()
            .flat_map(|tier| tier.items.iter().map(move |item| (tier, item)))
            .find(|(_, item)| chosen.contains(&item.id))
    }
}
