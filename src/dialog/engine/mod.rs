//! The form engine: a pure function from (flow, state, input) to (new state, replies, effects).
//! No I/O: the bot core loads the state, calls the engine, applies the effects (record consent,
//! file the application) and saves the new state before it sends the replies.
//!
//! Here: the engine's types and entry points, and the words users may type instead of a button.
//! `steps` moves through a form, `answer` reads an answer, `ask` asks a question, `phrase` puts
//! the composed messages together.

mod answer;
mod ask;
mod phrase;
mod steps;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Consent;
use super::flow::Flow;
use super::holidays::Calendar;
use super::value::{FileRef, Value};
use crate::lang::{Bilingual, Lang, Scripts};
use crate::messages::{Arg, Key, Messages, arg, keys};
use crate::policy::TierTable;
use crate::reply::Reply;

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
    /// The bot's own words.
    pub messages: &'a Messages,
    /// The public holidays, for questions that take working days only.
    pub holidays: &'a Calendar,
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
        ctx.messages.get(keys::HOW_TO, &[]).render(ctx.lang, ctx.scripts)
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
    let intro =
        Reply::text(ctx.messages.get(keys::AMEND_INTRO, &[arg("reference", reference)]).render(ctx.lang, ctx.scripts));
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

/// One input, or the start of a form, being handled.
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

    /// The bot's message `key`, filled.
    fn phrase(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> Bilingual {
        self.ctx.messages.get(key, args)
    }
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

/// The answer as the word readers compare: trimmed, without a closing full stop or exclamation
/// mark, lowercase.
fn bare_word(text: &str) -> String {
    text.trim().trim_end_matches(['。', '.', '!', '！']).to_lowercase()
}

/// Whether the answer says there is nothing to give: 无, 没有, 不需要, none, n/a, -.
fn says_none(text: &str) -> bool {
    let word = bare_word(&crate::text::fold_width(text));
    matches!(
        word.as_str(),
        "无" | "無"
            | "没有"
            | "沒有"
            | "没"
            | "沒"
            | "不需要"
            | "暂无"
            | "暫無"
            | "none"
            | "n/a"
            | "na"
            | "nil"
            | "-"
            | "—"
            | "/"
    )
}

fn read_yes_no(text: &str) -> Option<bool> {
    match bare_word(text).as_str() {
        "yes" | "y" | "是" | "是的" | "对" | "對" | "有" | "需要" | "要" | "同意" | "agree" => Some(true),
        "no" | "n" | "否" | "不是" | "不" | "没有" | "沒有" | "无" | "無" | "不要" | "不同意" | "disagree" => {
            Some(false)
        }
        _ => None,
    }
}
