//! The form engine: a pure function from (flow, state, input) to (new state, replies, effects).
//! No I/O: the bot core loads the state, calls the engine, applies the effects (record consent,
//! file the application) and saves the new state before it sends the replies.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Consent;
use super::fields::{
    DateRules, Email, IdCardNumber, PassportNumber, PhoneNumber, Reason, parse_date, parse_integer, parse_text,
};
use super::flow::{Choice, Flow, Kind, NONE, Step};
use super::value::{FileRef, Value, yes_no};
use crate::lang::{Bilingual, Lang, Scripts};
use crate::policy::{Tier, TierItem, TierTable};
use crate::reply::{Button, Reply};

/// What the engine needs to know besides the flow and the state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The user's language.
    pub lang: Lang,
    /// Today, for date bounds and ID card birth dates.
    pub today: NaiveDate,
    /// Whether the user has agreed to the current consent text.
    pub consented: bool,
    /// The consent text.
    pub consent: &'a Consent,
    /// The tier table (tier answers, the eligibility result).
    pub tiers: &'a TierTable,
    /// Script conversion for Traditional Chinese.
    pub scripts: &'a Scripts,
}

/// One message from the user, as the engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Typed text.
    Text(String),
    /// A pressed button's data.
    Button(String),
    /// A file sent (already stored by the adapter).
    File(FileRef),
}

/// Where a user is in a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogState {
    /// The flow's id.
    pub flow: String,
    /// What the user is being asked.
    pub stage: Stage,
    /// Answers so far, by step key.
    pub answers: BTreeMap<String, Value>,
    /// Steps answered, in order, for going back.
    pub trail: Vec<String>,
    /// Options ticked so far in a multi-choice step.
    #[serde(default)]
    pub ticked: Vec<String>,
    /// Set when the form corrects a filed application: only these steps are asked.
    #[serde(default)]
    pub amend: Option<Amendment>,
}

/// A correction of a filed application that staff asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// The application's reference.
    pub reference: String,
    /// The steps to answer again.
    pub fields: Vec<String>,
}

/// The current question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", content = "step", rename_all = "snake_case")]
pub enum Stage {
    /// Asking for consent before the (personal) step.
    Consent(String),
    /// Asking the step.
    Ask(String),
    /// Showing the summary for confirmation.
    Summary,
}

/// What the bot core must do besides replying.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record that the user agreed to the consent text.
    Consented,
    /// File the form: the answers of the steps that apply, and the tier they give.
    Submit { answers: BTreeMap<String, Value>, tier: Option<String> },
    /// Store corrected answers of a filed application (and the tier all its answers now give).
    Amend { reference: String, answers: BTreeMap<String, Value>, tier: Option<String> },
    /// The user left the form.
    Cancelled,
}

/// The result of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The new state; `None` when the form is over.
    pub state: Option<DialogState>,
    /// What to say.
    pub replies: Vec<Reply>,
    /// What to do.
    pub effects: Vec<Effect>,
}

/// Starts `flow`, with some answers already known (from the eligibility check).
pub fn start(flow: &Flow, ctx: &Context<'_>, prefill: BTreeMap<String, Value>) -> Outcome {
    let state = DialogState {
        flow: flow.id.clone(),
        stage: Stage::Summary,
        answers: prefill,
        trail: Vec::new(),
        ticked: Vec::new(),
        amend: None,
    };
    let engine = Engine { flow, ctx };
    let intro = Reply::text(format!(
        "{}\n{}\n{}",
        engine.flow_text(&flow.title),
        engine.flow_text(&flow.intro),
        phrase::how_to(ctx)
    ));
    let mut outcome = engine.proceed(state);
    outcome.replies.insert(0, intro);
    outcome
}

/// Starts the correction of a filed application: `fields` are asked again, the other answers
/// kept.
pub fn amend(
    flow: &Flow,
    ctx: &Context<'_>,
    reference: &str,
    mut answers: BTreeMap<String, Value>,
    fields: Vec<String>,
) -> Outcome {
    fields.iter().for_each(|field| {
        answers.remove(field);
    });
    let state = DialogState {
        flow: flow.id.clone(),
        stage: Stage::Summary,
        answers,
        trail: Vec::new(),
        ticked: Vec::new(),
        amend: Some(Amendment { reference: reference.to_owned(), fields }),
    };
    let intro = Reply::text(phrase::amend_intro(reference).render(ctx.lang, ctx.scripts));
    let mut outcome = Engine { flow, ctx }.proceed(state);
    outcome.replies.insert(0, intro);
    outcome
}

/// Asks again what the form is asking (the user came back, or did something else meanwhile).
pub fn resume(flow: &Flow, state: DialogState, ctx: &Context<'_>) -> Outcome {
    Engine { flow, ctx }.ask(state, None)
}

/// Moves the user one input further.
pub fn advance(flow: &Flow, state: DialogState, input: &Input, ctx: &Context<'_>) -> Outcome {
    Engine { flow, ctx }.advance(state, input)
}

/// A word the user can type instead of pressing a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Cancel,
    Back,
    Skip,
    Help,
    Confirm,
    Edit(usize),
    Unknown,
}

impl Command {
    fn read(text: &str) -> Option<Self> {
        let text = text.trim().trim_start_matches('/').to_lowercase();
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["取消" | "cancel" | "退出" | "quit" | "不办了" | "取消申请"] => Some(Self::Cancel),
            ["返回" | "back" | "上一步" | "返回上一步"] => Some(Self::Back),
            ["跳过" | "skip" | "跳過"] => Some(Self::Skip),
            ["帮助" | "help" | "幫助" | "?" | "？"] => Some(Self::Help),
            ["确认" | "確認" | "提交" | "确认提交" | "confirm" | "submit"] => Some(Self::Confirm),
            [edit, number] if matches!(*edit, "修改" | "edit") => number.parse().ok().map(Self::Edit),
            [word] if word.starts_with("修改") => word.trim_start_matches("修改").parse().ok().map(Self::Edit),
            _ => None,
        }
    }
}

struct Engine<'a> {
    flow: &'a Flow,
    ctx: &'a Context<'a>,
}

impl Engine<'_> {
    /// A text of the flow's own (prompt, option, help) in the user's language — for a form asked
    /// English first (the foreign talent visa), English with the Chinese below it.
    fn flow_text(&self, text: &Bilingual) -> String {
        match (self.flow.lang, self.ctx.lang) {
            (Some(Lang::En), Lang::Zh | Lang::ZhHant) => {
                format!("{}\n{}", text.en, text.render(self.ctx.lang, self.ctx.scripts))
            }
            _ => text.render(self.ctx.lang, self.ctx.scripts),
        }
    }

    fn advance(&self, mut state: DialogState, input: &Input) -> Outcome {
        let command = match input {
            Input::Text(text) if text.trim_start().starts_with('/') => {
                Some(Command::read(text).unwrap_or(Command::Unknown))
            }
            Input::Text(text) => Command::read(text),
            Input::Button(data) => button_command(data),
            Input::File(_) => None,
        };
        match (command, state.stage.clone()) {
            (Some(Command::Cancel), _) => self.cancel(),
            (Some(Command::Back), _) => self.back(state),
            (Some(Command::Unknown), _) => self.reask(state, phrase::unknown_command()),
            (_, Stage::Consent(step)) => self.consent(state, input, step),
            (_, Stage::Summary) => match (command, input) {
                (Some(Command::Confirm), _) => self.finish(state),
                (Some(Command::Edit(number)), _) => self.edit(state, number),
                (_, Input::Button(data)) if data.starts_with("edit:") => {
                    let number = data.trim_start_matches("edit:").parse().unwrap_or(0);
                    self.edit(state, number)
                }
                _ => self.reask(state, phrase::summary_hint()),
            },
            (Some(Command::Help), Stage::Ask(key)) => {
                let help = self.flow.step(&key).and_then(|step| step.help.clone()).unwrap_or_else(phrase::no_help);
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
                _ => self.reask(state, phrase::required()),
            },
            (_, Stage::Ask(key)) => match self.flow.step(&key) {
                Some(step) => self.answer(state, step, input),
                None => self.proceed(state),
            },
        }
    }

    /// Takes an answer to `step`: stores it and moves on, or explains what is wrong and asks
    /// again.
    fn answer(&self, mut state: DialogState, step: &Step, input: &Input) -> Outcome {
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

    fn parse(&self, step: &Step, input: &Input, ticked: &[String]) -> Result<Value, Bilingual> {
        let today = self.ctx.today;
        let text = match (input, &step.kind) {
            (Input::File(file), Kind::File { accept, max_bytes }) => {
                if !accept.iter().any(|kind| kind.accepts(&file.mime)) {
                    return Err(phrase::wrong_file_type(accept));
                }
                if file.size > *max_bytes {
                    return Err(phrase::file_too_large(*max_bytes));
                }
                return Ok(Value::File(file.clone()));
            }
            (Input::File(_), _) => return Err(phrase::file_not_expected()),
            (_, Kind::File { .. }) => return Err(phrase::file_expected()),
            (Input::Text(text), _) => text.as_str(),
            (Input::Button(data), _) => data.strip_prefix("choose:").unwrap_or(data),
        };
        if text.chars().count() > super::flow::MAX_TEXT_CHARS {
            return Err(phrase::too_long(super::flow::MAX_TEXT_CHARS));
        }
        match &step.kind {
            Kind::Text { min, max, pattern, hint } => {
                parse_text(text, *min, *max, pattern.as_ref()).map(Value::Text).map_err(|err| match (hint, err) {
                    (Some(hint), super::fields::TextError::NotMatching) => hint.clone(),
                    (_, err) => err.reason(),
                })
            }
            Kind::Choice { options } => self.choose(options, text).map(Value::Choice),
            Kind::MultiChoice { options, min } => {
                let chosen = if text == "done" && !ticked.is_empty() {
                    ticked.to_vec()
                } else {
                    self.choose_many(options, text)?
                };
                if chosen.len() < *min {
                    return Err(phrase::choose_at_least(*min));
                }
                if chosen.len() > 1 && chosen.iter().any(|value| value == NONE) {
                    return Err(phrase::none_with_others());
                }
                Ok(Value::Choices(chosen))
            }
            Kind::YesNo => read_yes_no(text).map(Value::YesNo).ok_or_else(phrase::yes_or_no),
            Kind::Integer { min, max } => parse_integer(text, *min, *max).map(Value::Integer).map_err(|e| e.reason()),
            Kind::Date { earliest, latest, working_days_only, month_only } => {
                let rules = DateRules {
                    earliest: earliest.map(|bound| bound.resolve(today)),
                    latest: latest.map(|bound| bound.resolve(today)),
                    working_days_only: *working_days_only,
                    month_only: *month_only,
                };
                parse_date(text, &rules, today).map(Value::Date).map_err(|e| e.reason())
            }
            Kind::Phone => PhoneNumber::parse(text).map(Value::Phone).map_err(|e| e.reason()),
            Kind::IdCard => IdCardNumber::parse(text, today).map(Value::IdCard).map_err(|e| e.reason()),
            Kind::Passport => PassportNumber::parse(text).map(Value::Passport).map_err(|e| e.reason()),
            Kind::Email => Email::parse(text).map(Value::Email).map_err(|e| e.reason()),
            Kind::File { .. } => Err(phrase::file_expected()),
        }
    }

    /// The option the user picked: by number, label (either language, either script) or value.
    fn choose(&self, options: &[Choice], text: &str) -> Result<String, Bilingual> {
        self.find_option(options, text)
            .map(|option| option.value.clone())
            .ok_or_else(|| phrase::pick_an_option(options.len()))
    }

    /// Several options, separated by spaces, commas or 、.
    fn choose_many(&self, options: &[Choice], text: &str) -> Result<Vec<String>, Bilingual> {
        if let Some(option) = self.find_option(options, text) {
            return Ok(vec![option.value.clone()]);
        }
        let mut chosen: Vec<String> = Vec::new();
        for part in text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .filter(|p| !p.is_empty())
        {
            let option = self.find_option(options, part).ok_or_else(|| phrase::pick_options(options.len()))?;
            if !chosen.contains(&option.value) {
                chosen.push(option.value.clone());
            }
        }
        if chosen.is_empty() { Err(phrase::pick_options(options.len())) } else { Ok(chosen) }
    }

    fn find_option<'o>(&self, options: &'o [Choice], text: &str) -> Option<&'o Choice> {
        let wanted = self.ctx.scripts.simplify(&crate::text::fold_width(text.trim())).to_lowercase();
        if let Ok(number) = wanted.parse::<usize>() {
            return number.checked_sub(1).and_then(|index| options.get(index));
        }
        options.iter().find(|option| {
            [option.value.as_str(), option.label.zh.as_str(), option.label.en.as_str()]
                .iter()
                .any(|name| name.to_lowercase() == wanted)
        })
    }

    fn consent(&self, mut state: DialogState, input: &Input, step: String) -> Outcome {
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
                replies: vec![Reply::text(phrase::consent_declined().render(self.ctx.lang, self.ctx.scripts))],
                effects: vec![Effect::Cancelled],
            },
            None => self.ask_consent(state, step),
        }
    }

    fn cancel(&self) -> Outcome {
        Outcome {
            state: None,
            replies: vec![Reply::text(phrase::cancelled(&self.flow.title).render(self.ctx.lang, self.ctx.scripts))],
            effects: vec![Effect::Cancelled],
        }
    }

    fn back(&self, mut state: DialogState) -> Outcome {
        state.ticked.clear();
        if let Stage::Ask(current) | Stage::Consent(current) = &state.stage {
            state.trail.retain(|key| key != current);
        }
        // An edit may have changed an answer a step depends on: steps that no longer apply are
        // passed over.
        while let Some(previous) = state.trail.pop() {
            if self.flow.step(&previous).is_some_and(|step| applies(step, &state.answers)) {
                state.stage = Stage::Ask(previous);
                return self.ask(state, None);
            }
        }
        self.reask(state, phrase::at_first_step())
    }

    fn edit(&self, mut state: DialogState, number: usize) -> Outcome {
        let listed = self.listed(&state);
        match number.checked_sub(1).and_then(|index| listed.get(index)) {
            Some(step) => {
                state.stage = Stage::Ask(step.key.clone());
                self.ask(state, None)
            }
            None => self.reask(state, phrase::no_such_field(listed.len())),
        }
    }

    /// Goes to the first step that applies and has no answer yet — or to the summary.
    fn proceed(&self, mut state: DialogState) -> Outcome {
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

    fn next_step(&self, state: &DialogState) -> Option<&Step> {
        self.flow.steps.iter().find(|step| {
            let wanted = state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key));
            wanted && !state.answers.contains_key(&step.key) && applies(step, &state.answers)
        })
    }

    /// The answered steps that apply, in order: what the summary lists and what is filed.
    fn listed(&self, state: &DialogState) -> Vec<&Step> {
        self.flow
            .steps
            .iter()
            .filter(|step| state.answers.contains_key(&step.key) && applies(step, &state.answers))
            .filter(|step| state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key)))
            .collect()
    }

    fn finish(&self, state: DialogState) -> Outcome {
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
                replies: vec![Reply::text(say(phrase::amend_sent(&amend.reference)))],
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
                    buttons.push(Button::new(say(phrase::apply_now()), format!("start:{next}:{}", item.id)));
                }
                let above = self.ctx.tiers.above(tier);
                say(phrase::eligible(self.ctx.tiers, tier, item, above))
            }
            None => say(phrase::not_eligible(self.ctx.tiers)),
        };
        Outcome { state: None, replies: vec![Reply::with_buttons(text, buttons)], effects: Vec::new() }
    }

    /// The highest tier among the tier items answered to the flow's `tier_from` step.
    fn best_tier_item(&self, answers: &BTreeMap<String, Value>) -> Option<(&Tier, &TierItem)> {
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

    /// Asks again what the current stage asks, after an explanation.
    fn reask(&self, state: DialogState, explanation: Bilingual) -> Outcome {
        match state.stage.clone() {
            Stage::Consent(step) => {
                let mut outcome = self.ask_consent(state, step);
                outcome.replies.insert(0, Reply::text(explanation.render(self.ctx.lang, self.ctx.scripts)));
                outcome
            }
            _ => self.ask(state, Some(explanation)),
        }
    }

    fn ask_consent(&self, mut state: DialogState, step: String) -> Outcome {
        state.stage = Stage::Consent(step);
        let say = |phrase: Bilingual| phrase.render(self.ctx.lang, self.ctx.scripts);
        let buttons = vec![Button::new(say(phrase::agree()), "yes"), Button::new(say(phrase::disagree()), "no")];
        let text = self.ctx.consent.text.render(self.ctx.lang, self.ctx.scripts);
        Outcome { state: Some(state), replies: vec![Reply::with_buttons(text, buttons)], effects: Vec::new() }
    }

    /// The question of the current stage (the step's prompt, or the summary).
    fn ask(&self, state: DialogState, explanation: Option<Bilingual>) -> Outcome {
        let say = |phrase: &Bilingual| phrase.render(self.ctx.lang, self.ctx.scripts);
        let mut lines: Vec<String> = explanation.iter().map(|e| format!("⚠️ {}", say(e))).collect();
        let mut buttons = Vec::new();
        match &state.stage {
            Stage::Ask(key) => {
                let Some(step) = self.flow.step(key) else { return self.proceed(state) };
                let (position, total) = self.progress(&state, step);
                lines.push(format!("({position}/{total}) {}", self.flow_text(&step.prompt)));
                if let Some(current) = state.answers.get(&step.key) {
                    lines.push(say(&phrase::current(&current.display(step, self.ctx.lang, self.ctx.scripts))));
                }
                if step.optional {
                    lines.push(say(&phrase::may_skip()));
                }
                match &step.kind {
                    Kind::Choice { options } => {
                        buttons =
                            options.iter().map(|o| Button::new(say(&o.label), format!("choose:{}", o.value))).collect();
                    }
                    Kind::MultiChoice { options, .. } => {
                        lines.push(say(&phrase::multi_choice_hint()));
                        buttons = options
                            .iter()
                            .map(|o| {
                                let mark = if state.ticked.contains(&o.value) { "✅ " } else { "" };
                                let label = self.flow_text(&o.label).replace('\n', " / ");
                                Button::new(format!("{mark}{label}"), format!("tick:{}", o.value))
                            })
                            .collect();
                        buttons.push(Button::new(say(&phrase::done()), "choose:done"));
                    }
                    Kind::YesNo => {
                        buttons = vec![Button::new(say(&yes_no(true)), "yes"), Button::new(say(&yes_no(false)), "no")];
                    }
                    _ => {}
                }
            }
            Stage::Summary => {
                lines.push(say(&phrase::summary_title(&self.flow.title)));
                for (number, step) in self.listed(&state).into_iter().enumerate() {
                    let value = state.answers.get(&step.key).map(|v| v.display(step, self.ctx.lang, self.ctx.scripts));
                    lines.push(format!("{}. {}：{}", number + 1, say(&step.label()), value.unwrap_or_default()));
                    buttons.push(Button::new(
                        say(&phrase::edit_field(number + 1, &step.label())),
                        format!("edit:{}", number + 1),
                    ));
                }
                if let Some((tier, _)) = self.best_tier_item(&state.answers) {
                    lines.push(say(&phrase::computed_tier(self.ctx.tiers, tier)));
                }
                lines.push(say(&phrase::summary_hint()));
                buttons.insert(0, Button::new(say(&phrase::confirm()), "confirm"));
                buttons.push(Button::new(say(&phrase::cancel()), "cancel"));
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
    fn progress(&self, state: &DialogState, current: &Step) -> (usize, usize) {
        let applicable: Vec<&Step> = self
            .flow
            .steps
            .iter()
            .filter(|step| applies(step, &state.answers))
            .filter(|step| state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key)))
            .collect();
        let position = applicable.iter().position(|step| step.key == current.key).map_or(1, |i| i + 1);
        (position, applicable.len())
    }
}

/// Whether a step applies given the answers so far (its condition, if any, holds).
fn applies(step: &Step, answers: &BTreeMap<String, Value>) -> bool {
    step.when
        .as_ref()
        .is_none_or(|condition| answers.get(&condition.step).is_some_and(|value| value.matches_any(&condition.any_of)))
}

fn button_command(data: &str) -> Option<Command> {
    match data {
        "cancel" => Some(Command::Cancel),
        "back" => Some(Command::Back),
        "skip" => Some(Command::Skip),
        "confirm" => Some(Command::Confirm),
        _ => None,
    }
}

fn read_yes_no(text: &str) -> Option<bool> {
    match text.trim().trim_end_matches(['。', '.', '!', '！']).to_lowercase().as_str() {
        "yes" | "y" | "是" | "是的" | "对" | "對" | "有" | "需要" | "要" | "同意" | "agree" => Some(true),
        "no" | "n" | "否" | "不是" | "不" | "没有" | "沒有" | "无" | "無" | "不要" | "不同意" | "disagree" => {
            Some(false)
        }
        _ => None,
    }
}

/// The engine's own words.
mod phrase {
    use super::Context;
    use crate::dialog::flow::FileType;
    use crate::lang::Bilingual;
    use crate::policy::{Tier, TierItem, TierTable};

    pub fn how_to(ctx: &Context<'_>) -> String {
        Bilingual::new(
            "随时可发送“返回”回到上一步，“取消”退出，“帮助”查看说明。",
            "Send \"back\" to go to the previous question, \"cancel\" to leave, \"help\" for an explanation.",
        )
        .render(ctx.lang, ctx.scripts)
    }

    pub fn amend_intro(reference: &str) -> Bilingual {
        Bilingual::new(
            format!("工作人员请您补正申请 {reference} 的以下信息："),
            format!("Staff asked you to correct the following in application {reference}:"),
        )
    }

    pub fn amend_sent(reference: &str) -> Bilingual {
        Bilingual::new(
            format!("已提交补正信息，申请 {reference} 将继续审核。"),
            format!("Your correction was sent; application {reference} is back in review."),
        )
    }

    pub fn unknown_command() -> Bilingual {
        Bilingual::new(
            "填写表单时可用的指令：返回、跳过（选填项）、取消、帮助；在确认页可用“修改 N”。",
            "While filling in a form you can send: back, skip (optional questions), cancel, help; on the summary: edit N.",
        )
    }

    pub fn summary_hint() -> Bilingual {
        Bilingual::new(
            "请核对以上信息：回复“确认”提交，“修改 N”修改第N项，或“取消”。",
            "Please check the above: send \"confirm\" to submit, \"edit N\" to change item N, or \"cancel\".",
        )
    }

    pub fn no_help() -> Bilingual {
        Bilingual::new(
            "这一项没有更多说明，请按提示填写。",
            "There is no more to say about this question; please answer as asked.",
        )
    }

    pub fn required() -> Bilingual {
        Bilingual::new("这一项是必填项，不能跳过。", "This question is required and cannot be skipped.")
    }

    pub fn wrong_file_type(accept: &[FileType]) -> Bilingual {
        let zh: Vec<&str> =
            accept.iter().map(|t| if *t == FileType::Image { "照片（JPG/PNG）" } else { "PDF 文件" }).collect();
        let en: Vec<&str> =
            accept.iter().map(|t| if *t == FileType::Image { "a photo (JPG/PNG)" } else { "a PDF" }).collect();
        Bilingual::new(
            format!("这种文件不支持，请发送{}。", zh.join("或")),
            format!("This type of file is not accepted; please send {}.", en.join(" or ")),
        )
    }

    pub fn file_too_large(max_bytes: u64) -> Bilingual {
        let mb = max_bytes / 1024 / 1024;
        Bilingual::new(format!("文件太大了，最大 {mb} MB。"), format!("The file is too large; the limit is {mb} MB."))
    }

    pub fn file_not_expected() -> Bilingual {
        Bilingual::new("这一项需要文字回答，不需要文件。", "This question needs a typed answer, not a file.")
    }

    pub fn file_expected() -> Bilingual {
        Bilingual::new(
            "这一项需要上传文件：请发送照片或 PDF（在命令行中输入文件路径）。",
            "This question needs a file: please send a photo or a PDF (in the terminal, type the file's path).",
        )
    }

    pub fn too_long(max: usize) -> Bilingual {
        Bilingual::new(
            format!("回答太长了（最多 {max} 字）。"),
            format!("That answer is too long (at most {max} characters)."),
        )
    }

    pub fn choose_at_least(min: usize) -> Bilingual {
        Bilingual::new(format!("请至少选择 {min} 项。"), format!("Please choose at least {min}."))
    }

    pub fn none_with_others() -> Bilingual {
        Bilingual::new(
            "“以上都没有”不能和其他选项同时选择。",
            "\"None of these\" cannot be chosen together with other options.",
        )
    }

    pub fn yes_or_no() -> Bilingual {
        Bilingual::new("请回答“是”或“否”。", "Please answer yes or no.")
    }

    pub fn pick_an_option(count: usize) -> Bilingual {
        Bilingual::new(
            format!("请从选项中选择一项（点按钮，或回复序号 1–{count}）。"),
            format!("Please pick one of the options (press a button, or send a number 1–{count})."),
        )
    }

    pub fn pick_options(count: usize) -> Bilingual {
        Bilingual::new(
            format!("请回复选项序号（1–{count}），多项用空格或逗号隔开，如“1 3”。"),
            format!("Please send the option numbers (1–{count}), separated by spaces or commas, e.g. \"1 3\"."),
        )
    }

    pub fn consent_declined() -> Bilingual {
        Bilingual::new(
            "好的，没有您的同意我们不会收集任何个人信息，本次申请已取消。您仍可以随时向我咨询政策问题。",
            "Understood: without your consent we collect no personal data, so this application was cancelled. You can still ask me about the policy at any time.",
        )
    }

    pub fn cancelled(title: &Bilingual) -> Bilingual {
        Bilingual::new(
            format!("已取消“{}”，已填写的内容不会保存。", title.zh),
            format!("\"{}\" was cancelled; nothing you entered was kept.", title.en),
        )
    }

    pub fn at_first_step() -> Bilingual {
        Bilingual::new("已经是第一项了。", "This is already the first question.")
    }

    pub fn no_such_field(count: usize) -> Bilingual {
        Bilingual::new(
            format!("没有这一项，请回复“修改 N”（N 为 1–{count}）。"),
            format!("There is no such item; send \"edit N\" with N from 1 to {count}."),
        )
    }

    pub fn apply_now() -> Bilingual {
        Bilingual::new("申请高层次人才认定", "Apply for recognition")
    }

    fn item_names(items: &[TierItem]) -> (String, String) {
        (
            items.iter().map(|i| i.zh.as_str()).collect::<Vec<_>>().join("、"),
            items.iter().map(|i| i.en.as_str()).collect::<Vec<_>>().join("; "),
        )
    }

    pub fn eligible(tiers: &TierTable, tier: &Tier, item: &TierItem, above: Option<&Tier>) -> Bilingual {
        let (scheme, id) = (&tiers.scheme, &tier.id);
        let clause = tiers.clause;
        let mut zh = format!(
            "根据您的回答（{}），您可认定为{}{id}类（第{}条）。{}",
            item.zh,
            scheme.zh,
            crate::policy::numeral::format(clause),
            tiers.benefits.zh
        );
        let mut en = format!(
            "From your answers ({}), you qualify for Category {id} of {} (Clause {clause}). {}",
            item.en, scheme.en, tiers.benefits.en
        );
        match above {
            Some(above) => {
                let (names_zh, names_en) = item_names(&above.items);
                zh.push_str(&format!("\n要进入{}类，需要具备以下之一：{names_zh}。", above.id));
                en.push_str(&format!("\nTo reach Category {}, you would need one of: {names_en}.", above.id));
            }
            None => {
                zh.push_str("\n这是最高一类。");
                en.push_str("\nThis is the highest category.");
            }
        }
        zh.push_str("\n认定时需提交相应证书，可点击下方按钮开始申请，您的回答会自动填入。");
        en.push_str("\nRecognition needs the certificate as proof; press the button below to apply with your answers filled in.");
        Bilingual::new(zh, en)
    }

    pub fn not_eligible(tiers: &TierTable) -> Bilingual {
        let lowest = tiers.tiers.last();
        let (names_zh, names_en) = lowest.map(|tier| item_names(&tier.items)).unwrap_or_default();
        let id = lowest.map(|tier| tier.id.as_str()).unwrap_or_default();
        Bilingual::new(
            format!(
                "根据您的回答，您暂不在{}清单内。最基本的{id}类需要：{names_zh}。高技能人才仍可享受直接落户、人才公寓等政策，欢迎继续咨询。",
                tiers.scheme.zh
            ),
            format!(
                "From your answers, you are not yet on the {} lists. The entry Category {id} needs: {names_en}. Skilled talents can still settle directly and apply for talent apartments; feel free to ask.",
                tiers.scheme.en
            ),
        )
    }

    pub fn computed_tier(tiers: &TierTable, tier: &Tier) -> Bilingual {
        Bilingual::new(
            format!("认定层次：{}{}类", tiers.scheme.zh, tier.id),
            format!("Tier: Category {} of {}", tier.id, tiers.scheme.en),
        )
    }

    pub fn current(value: &str) -> Bilingual {
        Bilingual::new(format!("（当前答案：{value}）"), format!("(current answer: {value})"))
    }

    pub fn may_skip() -> Bilingual {
        Bilingual::new("（选填，可发送“跳过”）", "(optional: send \"skip\" to leave it out)")
    }

    pub fn multi_choice_hint() -> Bilingual {
        Bilingual::new(
            "（可多选：逐个点选后点“完成”，或回复序号，如“1 3”）",
            "(choose several: tap each then \"Done\", or send the numbers, e.g. \"1 3\")",
        )
    }

    pub fn done() -> Bilingual {
        Bilingual::new("完成", "Done")
    }

    pub fn summary_title(title: &Bilingual) -> Bilingual {
        Bilingual::new(format!("请确认“{}”的信息：", title.zh), format!("Please check your \"{}\":", title.en))
    }

    pub fn edit_field(number: usize, label: &Bilingual) -> Bilingual {
        Bilingual::new(format!("修改 {number}. {}", label.zh), format!("Edit {number}. {}", label.en))
    }

    pub fn confirm() -> Bilingual {
        Bilingual::new("确认提交", "Confirm and submit")
    }

    pub fn cancel() -> Bilingual {
        Bilingual::new("取消", "Cancel")
    }

    pub fn agree() -> Bilingual {
        Bilingual::new("同意", "I agree")
    }

    pub fn disagree() -> Bilingual {
        Bilingual::new("不同意", "I do not agree")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialog::Flows;
    use crate::dialog::tests::flows;
    use crate::policy::Policy;
    use crate::policy::tests::policy;

    struct Fixture {
        policy: Policy,
        flows: Flows,
    }

    impl Fixture {
        fn new() -> Self {
            Self { policy: policy(), flows: flows() }
        }

        fn ctx(&self, consented: bool) -> Context<'_> {
            Context {
                lang: Lang::Zh,
                today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                consented,
                consent: self.flows.consent(),
                tiers: self.policy.tiers(),
                scripts: self.policy.scripts(),
            }
        }

        fn flow(&self, id: &str) -> &Flow {
            self.flows.get(id).unwrap()
        }
    }

    fn text(t: &str) -> Input {
        Input::Text(t.to_owned())
    }

    fn button(b: &str) -> Input {
        Input::Button(b.to_owned())
    }

    /// Feeds inputs one by one, returning the last outcome.
    fn feed(flow: &Flow, ctx: &Context<'_>, mut outcome: Outcome, inputs: &[Input]) -> Outcome {
        for input in inputs {
            let state = outcome.state.clone().expect("the form is still open");
            outcome = advance(flow, state, input, ctx);
        }
        outcome
    }

    fn stage(outcome: &Outcome) -> Stage {
        outcome.state.as_ref().expect("open").stage.clone()
    }

    fn last_text(outcome: &Outcome) -> &str {
        &outcome.replies.last().expect("a reply").text
    }

    const ID: &str = "11010519491231002X";

    #[test]
    fn consent_is_asked_before_the_first_personal_question() {
        let fx = Fixture::new();
        let flow = fx.flow("tax-guidance");
        let outcome = start(flow, &fx.ctx(false), BTreeMap::new());
        assert_eq!(stage(&outcome), Stage::Consent("name".into()));
        assert!(last_text(&outcome).contains("个人信息"), "{}", last_text(&outcome));
        let outcome = feed(flow, &fx.ctx(false), outcome, &[button("yes")]);
        assert_eq!(outcome.effects, vec![Effect::Consented]);
        assert_eq!(stage(&outcome), Stage::Ask("name".into()));
    }

    #[test]
    fn declining_consent_ends_the_form_without_keeping_anything() {
        let fx = Fixture::new();
        let flow = fx.flow("tax-guidance");
        let outcome = feed(flow, &fx.ctx(false), start(flow, &fx.ctx(false), BTreeMap::new()), &[text("不同意")]);
        assert!(outcome.state.is_none());
        assert_eq!(outcome.effects, vec![Effect::Cancelled]);
    }

    #[test]
    fn a_user_who_consented_before_is_not_asked_again() {
        let fx = Fixture::new();
        let flow = fx.flow("tax-guidance");
        assert_eq!(stage(&start(flow, &fx.ctx(true), BTreeMap::new())), Stage::Ask("name".into()));
    }

    #[test]
    fn an_invalid_answer_is_explained_and_asked_again() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("talent-apartment");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("张三"), text("110105194912310021")]);
        assert_eq!(stage(&outcome), Stage::Ask("id_card".into()));
        assert!(last_text(&outcome).starts_with("⚠️ "), "{}", last_text(&outcome));
        assert!(last_text(&outcome).contains("身份证"), "{}", last_text(&outcome));
        let outcome = feed(flow, &ctx, outcome, &[text(ID)]);
        assert_eq!(stage(&outcome), Stage::Ask("phone".into()));
    }

    #[test]
    fn back_returns_to_the_previous_question_and_keeps_the_answer() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("张三"), text("返回")]);
        assert_eq!(stage(&outcome), Stage::Ask("name".into()));
        assert!(last_text(&outcome).contains("当前答案：张三"), "{}", last_text(&outcome));
        let outcome = feed(flow, &ctx, outcome, &[text("李四")]);
        assert_eq!(stage(&outcome), Stage::Ask("phone".into()));
        assert_eq!(outcome.state.unwrap().answers["name"], Value::Text("李四".into()));
    }

    #[test]
    fn back_at_the_first_question_says_so() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[button("back")]);
        assert_eq!(stage(&outcome), Stage::Ask("name".into()));
        assert!(last_text(&outcome).contains("已经是第一项"));
    }

    #[test]
    fn only_optional_questions_can_be_skipped() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("foreign-talent-visa");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("skip")]);
        assert_eq!(stage(&outcome), Stage::Ask("full_name".into()));
        assert!(last_text(&outcome).contains("不能跳过"));
    }

    #[test]
    fn cancel_ends_the_form_at_any_point() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("talent-apartment");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("张三"), text("/cancel")]);
        assert!(outcome.state.is_none());
        assert_eq!(outcome.effects, vec![Effect::Cancelled]);
        assert!(last_text(&outcome).contains("已取消"));
    }

    #[test]
    fn an_unknown_command_mid_form_gets_help_and_the_question_again() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("/frobnicate")]);
        assert_eq!(stage(&outcome), Stage::Ask("name".into()));
        assert!(last_text(&outcome).contains("可用的指令"));
    }

    #[test]
    fn a_file_where_text_is_expected_and_text_where_a_file_is_expected_are_explained() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let file = FileRef {
            location: "f".into(),
            name: "a.jpg".into(),
            mime: "image/jpeg".into(),
            size: 10,
            sha256: "00".into(),
        };
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[Input::File(file)]);
        assert!(last_text(&outcome).contains("需要文字回答"), "{}", last_text(&outcome));
        let prefill = BTreeMap::from([
            ("name".to_owned(), Value::Text("张三".into())),
            ("id_card".to_owned(), Value::Text(ID.into())),
            ("phone".to_owned(), Value::Text("13800138000".into())),
            ("employer".to_owned(), Value::Text("湛江钢铁".into())),
            ("qualification".to_owned(), Value::Choice("worldskills-winner".into())),
            ("certificate_no".to_owned(), Value::Text("WS-2023-01".into())),
            ("certificate_date".to_owned(), Value::Date(NaiveDate::from_ymd_opt(2023, 6, 30).unwrap())),
        ]);
        let flow = fx.flow("talent-recognition");
        let outcome = start(flow, &ctx, prefill);
        assert_eq!(stage(&outcome), Stage::Ask("certificate_photo".into()));
        let outcome = feed(flow, &ctx, outcome, &[text("证书在这里")]);
        assert!(last_text(&outcome).contains("需要上传文件"), "{}", last_text(&outcome));
        let pdf = FileRef {
            location: "f".into(),
            name: "c.exe".into(),
            mime: "application/x-msdownload".into(),
            size: 10,
            sha256: "00".into(),
        };
        let outcome = feed(flow, &ctx, outcome, &[Input::File(pdf)]);
        assert!(last_text(&outcome).contains("不支持"), "{}", last_text(&outcome));
    }

    #[test]
    fn conditional_questions_follow_earlier_answers() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("settlement");
        let answers = [
            text("张三"),
            text(ID),
            text("13800138000"),
            text("广东省茂名市"),
            button("choose:senior-technician"),
            text("GD-2020-123"),
            text("湛江钢铁"),
        ];
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &answers);
        assert_eq!(stage(&outcome), Stage::Ask("spouse_moving".into()));
        let without_spouse = feed(flow, &ctx, outcome.clone(), &[button("no")]);
        assert_eq!(stage(&without_spouse), Stage::Ask("children_moving".into()));
        let with_spouse = feed(flow, &ctx, outcome, &[text("是")]);
        assert_eq!(stage(&with_spouse), Stage::Ask("spouse_name".into()));
    }

    fn tax_summary(fx: &Fixture) -> Outcome {
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let answers = [
            text("张三"),
            text("138 0013 8000"),
            text("湛江港集团"),
            text("2026-12-01"),
            text("1"),
            text("年终奖怎么申报"),
        ];
        feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &answers)
    }

    #[test]
    fn the_summary_lists_every_answer_and_confirming_submits_them() {
        let fx = Fixture::new();
        let outcome = tax_summary(&fx);
        assert_eq!(stage(&outcome), Stage::Summary);
        let summary = last_text(&outcome);
        assert!(
            summary.contains("1. 您的姓名：张三") && summary.contains("13800138000") && summary.contains("上午"),
            "{summary}"
        );
        assert_eq!(outcome.replies[0].buttons[0].data, "confirm");
        let outcome = feed(fx.flow("tax-guidance"), &fx.ctx(true), outcome, &[button("confirm")]);
        assert!(outcome.state.is_none());
        let Effect::Submit { answers, tier } = &outcome.effects[0] else { panic!("{:?}", outcome.effects) };
        assert_eq!(answers.len(), 6);
        assert_eq!(answers["time_slot"], Value::Choice("morning".into()));
        assert_eq!(*tier, None);
    }

    #[test]
    fn editing_from_the_summary_returns_to_the_summary() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let outcome = feed(flow, &ctx, tax_summary(&fx), &[text("修改 3")]);
        assert_eq!(stage(&outcome), Stage::Ask("employer".into()));
        let outcome = feed(flow, &ctx, outcome, &[text("宝钢湛江钢铁")]);
        assert_eq!(stage(&outcome), Stage::Summary);
        assert!(last_text(&outcome).contains("3. 您的工作单位：宝钢湛江钢铁"), "{}", last_text(&outcome));
        let outcome = feed(flow, &ctx, outcome, &[button("edit:9")]);
        assert!(last_text(&outcome).contains("没有这一项"));
    }

    #[test]
    fn working_days_and_date_bounds_are_enforced() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let start_outcome = feed(
            flow,
            &ctx,
            start(flow, &ctx, BTreeMap::new()),
            &[text("张三"), text("13800138000"), text("湛江港集团")],
        );
        let weekend = feed(flow, &ctx, start_outcome.clone(), &[text("2026-11-28")]);
        assert_eq!(stage(&weekend), Stage::Ask("preferred_date".into()));
        let past = feed(flow, &ctx, start_outcome, &[text("2026-11-20")]);
        assert_eq!(stage(&past), Stage::Ask("preferred_date".into()));
    }

    #[test]
    fn the_eligibility_check_gives_the_tier_what_is_missing_and_the_next_form() {
        let fx = Fixture::new();
        let ctx = fx.ctx(false);
        let flow = fx.flow("eligibility");
        let outcome = start(flow, &ctx, BTreeMap::new());
        assert_eq!(stage(&outcome), Stage::Ask("honours".into()), "no consent needed without personal data");
        let provincial = feed(
            flow,
            &ctx,
            outcome.clone(),
            &[button("tick:provincial-expert-award"), button("tick:senior-technician"), button("choose:done")],
        );
        assert!(provincial.state.is_none());
        let result = last_text(&provincial);
        assert!(result.contains("B类") && result.contains("28项") && result.contains("要进入A类"), "{result}");
        assert_eq!(provincial.replies[0].buttons[0].data, "start:talent-recognition:provincial-expert-award");
        let none = feed(flow, &ctx, outcome.clone(), &[text("8")]);
        assert!(last_text(&none).contains("暂不在"), "{}", last_text(&none));
        let contradictory = feed(flow, &ctx, outcome, &[text("1 8")]);
        assert!(last_text(&contradictory).contains("不能和其他选项同时选择"));
    }

    #[test]
    fn ticking_a_multi_choice_option_twice_unticks_it() {
        let fx = Fixture::new();
        let ctx = fx.ctx(false);
        let flow = fx.flow("eligibility");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[button("tick:worldskills-winner")]);
        assert!(outcome.replies[0].buttons[0].label.starts_with("✅"));
        let outcome = feed(flow, &ctx, outcome, &[button("tick:worldskills-winner")]);
        assert!(!outcome.replies[0].buttons[0].label.starts_with("✅"));
    }

    #[test]
    fn a_prefilled_recognition_form_computes_the_tier() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("talent-recognition");
        let prefill = BTreeMap::from([("qualification".to_owned(), Value::Choice("national-technical-expert".into()))]);
        let file = FileRef {
            location: "f".into(),
            name: "c.pdf".into(),
            mime: "application/pdf".into(),
            size: 2048,
            sha256: "ab".into(),
        };
        let answers = [
            text("王五"),
            text(ID),
            text("13900139000"),
            text("湛江港"),
            text("GZ-001"),
            text("2024年5月1日"),
            Input::File(file),
        ];
        let outcome = feed(flow, &ctx, start(flow, &ctx, prefill), &answers);
        assert_eq!(stage(&outcome), Stage::Summary);
        assert!(last_text(&outcome).contains("认定层次：湛江市高层次人才A类"), "{}", last_text(&outcome));
        let outcome = feed(flow, &ctx, outcome, &[text("确认")]);
        let Effect::Submit { tier, answers } = &outcome.effects[0] else { panic!() };
        assert_eq!(tier.as_deref(), Some("A"));
        assert!(matches!(answers["certificate_photo"], Value::File(_)));
    }

    #[test]
    fn an_amendment_asks_only_the_named_fields() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let Some(Effect::Submit { answers, .. }) =
            feed(flow, &ctx, tax_summary(&fx), &[button("confirm")]).effects.first().cloned()
        else {
            panic!()
        };
        let outcome = amend(flow, &ctx, "ZJ-TAX-2026-000001", answers, vec!["phone".into()]);
        assert_eq!(stage(&outcome), Stage::Ask("phone".into()));
        assert!(last_text(&outcome).contains("(1/1)"), "{}", last_text(&outcome));
        let outcome = feed(flow, &ctx, outcome, &[text("13911112222"), text("确认")]);
        let Effect::Amend { reference, answers, tier } = &outcome.effects[0] else { panic!("{:?}", outcome.effects) };
        assert_eq!(*tier, None);
        assert_eq!(reference, "ZJ-TAX-2026-000001");
        assert_eq!(answers.keys().collect::<Vec<_>>(), ["phone"]);
    }

    #[test]
    fn ten_thousand_characters_are_refused_without_advancing() {
        let fx = Fixture::new();
        let ctx = fx.ctx(true);
        let flow = fx.flow("tax-guidance");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text(&"长".repeat(10_000))]);
        assert_eq!(stage(&outcome), Stage::Ask("name".into()));
        assert!(last_text(&outcome).contains("太长"), "{}", last_text(&outcome));
    }

    #[test]
    fn english_users_are_asked_in_english() {
        let fx = Fixture::new();
        let ctx = Context { lang: Lang::En, ..fx.ctx(true) };
        let flow = fx.flow("foreign-talent-visa");
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("maría 3")]);
        assert!(last_text(&outcome).contains("Latin letters"), "{}", last_text(&outcome));
    }

    #[test]
    fn the_state_survives_serialisation() {
        let fx = Fixture::new();
        let state = tax_summary(&fx).state.unwrap();
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<DialogState>(&json).unwrap(), state);
    }
}
