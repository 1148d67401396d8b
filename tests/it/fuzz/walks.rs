//! The pure engine (section 3): walks through every shipped form with random inputs, checking
//! after each step that the state is one the engine can reach honestly.

use super::*;

/// A tiny deterministic generator, for choosing an answer from a seed at run time (what is valid
/// depends on where the walk is, which the strategy cannot know).
pub(super) struct Pick(pub(super) u64);

impl Pick {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    pub(super) fn chance(&mut self, in_ten: u64) -> bool {
        self.below(10) < in_ten
    }

    pub(super) fn of<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One thing a user does in a form.
#[derive(Debug, Clone)]
pub(super) enum Action {
    /// A valid-looking answer to what is asked, chosen at run time from the seed.
    Valid(u64),
    /// A command word or button: back, skip, cancel, help, edit N, confirm.
    Command(&'static str, Option<u64>),
    /// A pressed button with this data.
    Button(String),
    /// A file.
    File { name: String, mime: String, size: u64 },
    /// Typed text.
    Text(String),
}

pub(super) const COMMANDS: &[&str] = &[
    "返回",
    "back",
    "/back",
    "上一步",
    "跳过",
    "skip",
    "/skip",
    "跳過",
    "帮助",
    "help",
    "?",
    "修改",
    "edit",
    "修改N",
    "button:back",
    "button:skip",
    "button:confirm",
    "button:edit",
    "确认",
    "confirm",
    "/frobnicate",
    "/",
    "cancel",
    "取消",
    "button:cancel",
];

pub(super) const MIMES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/octet-stream",
    "application/x-msdownload",
    "",
    "IMAGE/JPEG",
    "text/html",
];

pub(super) fn edit_number() -> BoxedStrategy<u64> {
    prop_oneof![4 => 0u64..20, 1 => Just(u64::MAX), 1 => Just(usize::MAX as u64), 1 => any::<u64>()].boxed()
}

pub(super) fn file_size() -> BoxedStrategy<u64> {
    prop_oneof![4 => 0u64..5_000_000, 1 => 20u64 * 1024 * 1024 - 2..20 * 1024 * 1024 + 2, 1 => any::<u64>()].boxed()
}

pub(super) fn button_data() -> BoxedStrategy<String> {
    let value = prop_oneof![
        2 => select(&["A", "B", "C", "other", "none", "done", "morning", "worldskills-winner", "xiashan", "1", ""][..])
            .prop_map(str::to_owned),
        1 => piece(),
    ];
    (select(&["choose:", "tick:", "edit:", "", "yes", "no", "start:", "confirm", "back"][..]), value)
        .prop_map(|(prefix, value)| format!("{prefix}{value}"))
        .boxed()
}

/// A user's actions; `cancel_weight` tunes how often a walk leaves the form.
pub(super) fn action(cancel_weight: u32) -> BoxedStrategy<Action> {
    let commands = COMMANDS.iter().copied().filter(|c| !c.contains("cancel") && *c != "取消").collect::<Vec<_>>();
    let cancels = COMMANDS.iter().copied().filter(|c| c.contains("cancel") || *c == "取消").collect::<Vec<_>>();
    prop_oneof![
        14 => any::<u64>().prop_map(Action::Valid),
        4 => (select(commands), prop::option::of(edit_number())).prop_map(|(c, n)| Action::Command(c, n)),
        cancel_weight => select(cancels).prop_map(|c| Action::Command(c, None)),
        2 => button_data().prop_map(Action::Button),
        1 => (piece(), select(MIMES), file_size()).prop_map(|(name, mime, size)| Action::File {
            name,
            mime: mime.to_owned(),
            size
        }),
        3 => garbage(2).prop_map(Action::Text),
    ]
    .boxed()
}

pub(super) fn file_ref(name: &str, mime: &str, size: u64) -> FileRef {
    FileRef { location: String::new(), name: name.to_owned(), mime: mime.to_owned(), size, sha256: "0".repeat(64) }
}

/// The input an action stands for in the current state.
pub(super) fn input_for(action: &Action, flow: &Flow, state: &DialogState, ctx: &Context<'_>) -> Input {
    match action {
        Action::Valid(seed) => valid_input(flow, state, ctx, &mut Pick(*seed)),
        Action::Command(command, number) => {
            let number = number.unwrap_or(1);
            match *command {
                "修改" | "edit" => Input::Text(format!("{command} {number}")),
                "修改N" => Input::Text(format!("修改{number}")),
                "button:edit" => Input::Button(format!("edit:{number}")),
                button if button.starts_with("button:") => Input::Button(button["button:".len()..].to_owned()),
                text => Input::Text(text.to_owned()),
            }
        }
        Action::Button(data) => Input::Button(data.clone()),
        Action::File { name, mime, size } => Input::File(file_ref(name, mime, *size)),
        Action::Text(text) => Input::Text(text.clone()),
    }
}

/// A valid-looking answer to the current stage (now and then a near miss).
pub(super) fn valid_input(flow: &Flow, state: &DialogState, ctx: &Context<'_>, pick: &mut Pick) -> Input {
    let text = |t: String| Input::Text(t);
    match &state.stage {
        Stage::Consent(_) => match pick.below(10) {
            0 => text("不同意".to_owned()),
            1..=4 => Input::Button("yes".to_owned()),
            5..=7 => text("同意".to_owned()),
            _ => text("I agree".to_owned()),
        },
        Stage::Summary => {
            let answered = state.answers.len() as u64 + 2;
            match pick.below(10) {
                0..=3 => Input::Button("confirm".to_owned()),
                4 => text("确认".to_owned()),
                5 => text(pick.of(&["返回", "back"]).to_string()),
                6 => text(format!("修改{}", pick.below(answered))),
                7 => text(format!("修改 {}", pick.below(answered))),
                8 => Input::Button(format!("edit:{}", pick.below(answered))),
                _ => text(format!("edit {}", pick.below(answered))),
            }
        }
        Stage::Ask(key) => match flow.step(key) {
            Some(step) if step.optional && pick.chance(2) => text(pick.of(&["跳过", "skip", "跳過"]).to_string()),
            Some(step) => valid_answer(step, state, ctx, pick),
            None => text("?".to_owned()),
        },
    }
}

pub(super) const TEXT_CANDIDATES: &[&str] = &[
    "张三",
    "Maria Garcia",
    "GD-2020-123",
    "WS-2023-01",
    "湛江港集团有限公司",
    "年终奖怎么申报才对",
    "O'Neil Smith-Jones",
    "510000",
    "广东省茂名市",
    "第（2021）12号",
    "李",
];

/// The first of [`TEXT_CANDIDATES`] from a random start that `accepts` takes.
fn text_candidate(pick: &mut Pick, accepts: impl Fn(&str) -> bool) -> Option<String> {
    let start = pick.below(TEXT_CANDIDATES.len() as u64) as usize;
    (0..TEXT_CANDIDATES.len())
        .map(|i| TEXT_CANDIDATES[(start + i) % TEXT_CANDIDATES.len()])
        .find(|candidate| accepts(candidate))
        .map(str::to_owned)
}

pub(super) fn valid_answer(step: &Step, state: &DialogState, ctx: &Context<'_>, pick: &mut Pick) -> Input {
    let text = |t: String| Input::Text(t);
    let today = ctx.today;
    match &step.kind {
        Kind::Text { min, max, pattern, .. } => text(
            text_candidate(pick, |candidate| parse_text(candidate, *min, *max, pattern.as_ref()).is_ok())
                .unwrap_or_else(|| "a".repeat((*min).max(1))),
        ),
        Kind::Name { min, max } => text(
            text_candidate(pick, |candidate| FullName::parse(candidate, *min, *max).is_ok())
                .unwrap_or_else(|| "李".repeat((*min).max(1))),
        ),
        Kind::Choice { options } => {
            let index = pick.below(options.len() as u64) as usize;
            let option = &options[index];
            match pick.below(6) {
                0 | 1 => Input::Button(format!("choose:{}", option.value)),
                2 => text((index + 1).to_string()),
                3 => text(option.label.zh.clone()),
                4 => text(scripts().traditionalize(&option.label.zh)),
                _ => text(option.label.en.to_uppercase()),
            }
        }
        Kind::MultiChoice { options, .. } => {
            let index = pick.below(options.len() as u64) as usize;
            match pick.below(6) {
                0 | 1 => Input::Button(format!("tick:{}", options[index].value)),
                2 if !state.ticked.is_empty() => Input::Button("choose:done".to_owned()),
                2 | 3 => {
                    let count = 1 + pick.below(3);
                    let numbers: Vec<String> =
                        (0..count).map(|_| (1 + pick.below(options.len() as u64)).to_string()).collect();
                    text(numbers.join(*pick.of(&[" ", ",", "、", "，"])))
                }
                4 => text(options[index].value.clone()),
                _ => text((index + 1).to_string()),
            }
        }
        Kind::YesNo => match pick.below(8) {
            0 => Input::Button("yes".to_owned()),
            1 => Input::Button("no".to_owned()),
            2 => text("是的。".to_owned()),
            3 => text("否".to_owned()),
            4 => text("Y".to_owned()),
            5 => text("没有".to_owned()),
            6 => text("yes!".to_owned()),
            _ => text("No".to_owned()),
        },
        Kind::Integer { min, max } => {
            let span = (*max as i128 - *min as i128 + 1).clamp(1, 1_000) as u64;
            let n = min.saturating_add(pick.below(span) as i64);
            match pick.below(5) {
                0 if (0..=99).contains(&n) => text(chinese_numeral(n)),
                1 => text(format!("{n}人")),
                2 => text(full_width(&n.to_string())),
                _ => text(n.to_string()),
            }
        }
        Kind::Date { earliest, latest, working_days_only, month_only } => {
            let low = earliest
                .map_or_else(|| today.checked_sub_days(Days::new(365 * 40)).unwrap_or(today), |b| b.resolve(today));
            let high = latest
                .map_or_else(|| today.checked_add_days(Days::new(365 * 5)).unwrap_or(today), |b| b.resolve(today));
            let span = (high - low).num_days().clamp(0, 365 * 60) as u64;
            let mut date = low.checked_add_days(Days::new(pick.below(span + 1))).unwrap_or(low);
            if *working_days_only {
                // The longest run of days off is a holiday of nine days with its weekends.
                for _ in 0..14 {
                    if ctx.holidays.day_off(date).is_some() {
                        date = date.succ_opt().unwrap_or(date);
                    }
                }
            }
            if *month_only {
                {
                    let format: &&str = pick.of(&["%Y-%m", "%Y年%-m月", "%Y/%m"]);
                    text(date.format(format).to_string())
                }
            } else {
                {
                    let format: &&str = pick.of(&["%Y-%m-%d", "%Y年%-m月%-d日", "%Y%m%d", "%Y.%-m.%-d"]);
                    text(date.format(format).to_string())
                }
            }
        }
        Kind::Phone => {
            let prefixes = (130..200).filter(|&p| is_mobile_prefix(p)).collect::<Vec<u32>>();
            let national = format!("{}{:08}", pick.of(&prefixes), pick.below(100_000_000));
            text(match pick.below(4) {
                0 => format!("+86 {national}"),
                1 => decorate_phone(&national, 2).0,
                2 => full_width(&national),
                _ => national,
            })
        }
        Kind::IdCard => {
            let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
            let latest = today.max(earliest);
            let span = (latest - earliest).num_days() as u64;
            let birth = earliest + Days::new(pick.below(span + 1));
            let body = format!(
                "{:02}{:04}{}{:03}",
                pick.of(&REGIONS),
                pick.below(10_000),
                birth.format("%Y%m%d"),
                pick.below(1000)
            );
            let number = format!("{body}{}", check_character(&body));
            let near_miss = pick.chance(1);
            text(if near_miss {
                format!("{body}{}", (check_character(&body) as u8 % 10 + b'1') as char)
            } else {
                number
            })
        }
        Kind::Passport => text(format!("{}{:08}", pick.of(&["E", "G", "e", "EA", "TK"]), pick.below(100_000_000))),
        Kind::Email => text(format!(
            "{}{}@{}",
            pick.of(&["name", "Zhang.San", "a+b", "张三"]),
            pick.below(1000),
            pick.of(&["example.com", "QQ.COM", "例子.中国", "mail.example.org"])
        )),
        Kind::File { accept, max_bytes } => {
            let mime = match accept.first() {
                Some(kind) if kind.accepts("application/pdf") => "application/pdf",
                _ => *pick.of(&["image/jpeg", "image/png", "image/webp", "image/heic"]),
            };
            Input::File(file_ref("证书.pdf", mime, pick.below(*max_bytes + 1)))
        }
    }
}

/// The tier the answers give: the first tier with an item chosen in the flow's `tier_from` step.
pub(super) fn expected_tier(flow: &Flow, answers: &BTreeMap<String, Value>) -> Option<String> {
    let chosen = match answers.get(flow.tier_from.as_deref()?)? {
        Value::Choice(value) => vec![value.clone()],
        Value::Choices(values) => values.clone(),
        _ => return None,
    };
    tiers().tiers.iter().find(|tier| tier.items.iter().any(|item| chosen.contains(&item.id))).map(|t| t.id.clone())
}

/// Checks that an answer is one the step's kind accepts and that its masked display hides a
/// personal identifier.
pub(super) fn check_value(step: &Step, value: &Value, today: NaiveDate) -> Result<(), TestCaseError> {
    let key = &step.key;
    match (value, &step.kind) {
        (Value::Skipped, _) => prop_assert!(step.optional, "{key}: a required step was skipped"),
        (Value::Text(text), Kind::Text { min, max, pattern, .. }) => {
            prop_assert_eq!(parse_text(text, *min, *max, pattern.as_ref()), Ok(text.clone()), "{}", key);
        }
        (Value::Text(name), Kind::Name { min, max }) => {
            prop_assert_eq!(FullName::parse(name, *min, *max).map(FullName::into_string), Ok(name.clone()), "{}", key);
        }
        (Value::Choice(choice), Kind::Choice { options }) => {
            prop_assert!(options.iter().any(|o| &o.value == choice), "{key} = {choice:?} is not an option");
        }
        (Value::Choices(chosen), Kind::MultiChoice { options, min }) => {
            prop_assert!(chosen.iter().all(|c| options.iter().any(|o| &o.value == c)), "{key}: {chosen:?}");
            prop_assert!(!chosen.is_empty() && chosen.len() >= *min, "{key}: {chosen:?}");
            let unique: BTreeSet<&String> = chosen.iter().collect();
            prop_assert_eq!(unique.len(), chosen.len(), "{}: duplicates in {:?}", key, chosen);
            prop_assert!(chosen.len() == 1 || !chosen.iter().any(|c| c == NONE), "{key}: none with others");
        }
        (Value::YesNo(_), Kind::YesNo) => {}
        (Value::Integer(n), Kind::Integer { min, max }) => prop_assert!((min..=max).contains(&n), "{key}: {n}"),
        (Value::Date(date), Kind::Date { earliest, latest, working_days_only, month_only }) => {
            let rules = DateRules {
                earliest: earliest.map(|b| b.resolve(today)),
                latest: latest.map(|b| b.resolve(today)),
                working_days: working_days_only.then(|| flows().holidays()),
                month_only: *month_only,
            };
            check_date(*date, &rules, today)?;
        }
        (Value::Phone(phone), Kind::Phone) => check_phone(phone)?,
        (Value::IdCard(id), Kind::IdCard) => check_id_card(id, today)?,
        (Value::Passport(passport), Kind::Passport) => check_passport(passport)?,
        (Value::Email(email), Kind::Email) => check_email(email)?,
        (Value::File(file), Kind::File { accept, max_bytes }) => {
            prop_assert!(accept.iter().any(|kind| kind.accepts(&file.mime)), "{key}: {}", file.mime);
            prop_assert!(file.size <= *max_bytes, "{key}: {} bytes", file.size);
        }
        (value, kind) => return Err(TestCaseError::fail(format!("{key}: {value:?} is not an answer of {kind:?}"))),
    }
    for lang in LANGS {
        let masked = value.display_masked(step, lang, scripts());
        let full = match value {
            Value::Phone(phone) => Some(phone.to_string()),
            Value::IdCard(id) => Some(id.to_string()),
            Value::Passport(passport) => Some(passport.to_string()),
            _ => None,
        };
        if let Some(full) = full {
            prop_assert!(!masked.contains(&full), "{key}: the masked display {masked} shows {full}");
        }
    }
    Ok(())
}

/// What must hold of a form's state, whoever saved it.
pub(super) fn check_state(
    flow: &Flow,
    state: &DialogState,
    consented: bool,
    today: NaiveDate,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(&state.flow, &flow.id);
    let keys: BTreeSet<&str> = flow.steps.iter().map(|s| s.key.as_str()).collect();
    for (key, value) in &state.answers {
        let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("answer to unknown step {key}")))?;
        check_value(step, value, today)?;
    }
    for key in &state.trail {
        prop_assert!(keys.contains(key.as_str()), "trail has unknown step {key}");
        prop_assert!(state.answers.contains_key(key), "trail has unanswered step {key}");
    }
    let unique: BTreeSet<&String> = state.trail.iter().collect();
    prop_assert_eq!(unique.len(), state.trail.len(), "a step twice in the trail: {:?}", state.trail);
    let wanted = |step: &Step| state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key));
    match &state.stage {
        Stage::Ask(key) => {
            let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("asking unknown step {key}")))?;
            prop_assert!(wanted(step), "asking {key}, which the amendment does not ask");
            prop_assert!(step.applies(&state.answers), "asking {key} in {}, whose condition no longer holds", flow.id);
        }
        Stage::Consent(key) => {
            let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("consent for unknown step {key}")))?;
            prop_assert!(step.personal, "consent asked before {key}, which is not personal");
            prop_assert!(!consented, "consent asked again of a user who consented");
        }
        Stage::Summary => {
            let missing = flow
                .steps
                .iter()
                .find(|s| wanted(s) && s.applies(&state.answers) && !state.answers.contains_key(&s.key));
            prop_assert!(missing.is_none(), "the summary is shown with {:?} unanswered", missing.map(|s| &s.key));
            prop_assert!(flow.files || state.amend.is_some(), "a form that files nothing rests on its summary");
        }
    }
    if !state.ticked.is_empty() {
        let Stage::Ask(key) = &state.stage else {
            return Err(TestCaseError::fail("ticked options outside a question"));
        };
        let step = flow.step(key).unwrap();
        prop_assert!(matches!(step.kind, Kind::MultiChoice { .. }), "ticked options at {key}");
        prop_assert!(state.ticked.iter().all(|t| step.options().iter().any(|o| &o.value == t)), "{:?}", state.ticked);
        let unique: BTreeSet<&String> = state.ticked.iter().collect();
        prop_assert_eq!(unique.len(), state.ticked.len(), "ticked twice: {:?}", state.ticked);
    }
    let json = serde_json::to_string(state).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: DialogState = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
    prop_assert_eq!(&back, state, "the state survives serialisation");
    Ok(())
}

pub(super) fn check_replies(replies: &[Reply]) -> Result<(), TestCaseError> {
    for reply in replies {
        prop_assert!(!reply.text.trim().is_empty(), "an empty reply");
        for apology in apologies() {
            prop_assert!(!reply.text.contains(apology.as_str()), "an internal error: {}", reply.text);
        }
        for button in &reply.buttons {
            prop_assert!(!button.label.trim().is_empty(), "a button without a label: {:?}", button);
            prop_assert!(!button.data.is_empty() && button.data.len() <= 64, "button data {:?}", button.data);
        }
    }
    Ok(())
}

/// What must hold of one step of the engine: `before` and `input` led to `outcome`.
pub(super) fn check_step(
    flow: &Flow,
    before: &DialogState,
    outcome: &Outcome,
    ctx: &Context<'_>,
    findings: &Findings,
) -> Result<(), TestCaseError> {
    check_replies(&outcome.replies)?;
    let submitted = outcome.effects.iter().any(|e| matches!(e, Effect::Submit { .. }));
    prop_assert!(!outcome.replies.is_empty() || submitted, "no reply (effects {:?})", outcome.effects);
    let ends =
        outcome.effects.iter().any(|e| matches!(e, Effect::Submit { .. } | Effect::Amend { .. } | Effect::Cancelled));
    if outcome.effects.contains(&Effect::Consented) {
        prop_assert!(!ctx.consented, "consent recorded twice");
        prop_assert!(matches!(before.stage, Stage::Consent(_)), "consent recorded outside the consent question");
    }
    for effect in &outcome.effects {
        match effect {
            Effect::Submit { answers, tier } => {
                prop_assert!(before.stage == Stage::Summary && before.amend.is_none(), "filed from {:?}", before.stage);
                prop_assert!(flow.files, "a form that files nothing filed");
                for step in &flow.steps {
                    let applicable = step.applies(&before.answers);
                    prop_assert_eq!(
                        answers.contains_key(&step.key),
                        applicable,
                        "filed {} (applies: {})",
                        step.key,
                        applicable
                    );
                }
                for (key, value) in answers {
                    check_value(flow.step(key).unwrap(), value, ctx.today)?;
                    if let Some(condition) = &flow.step(key).unwrap().when
                        && !answers.contains_key(&condition.step)
                    {
                        findings.note("a filed answer whose condition rests on a step that was not filed", || {
                            format!("{key} needs {}", condition.step)
                        });
                    }
                }
                prop_assert_eq!(tier, &expected_tier(flow, answers));
            }
            Effect::Amend { reference, answers, .. } => {
                let amend = before.amend.as_ref().expect("an amendment");
                prop_assert_eq!(reference, &amend.reference);
                prop_assert_eq!(&before.stage, &Stage::Summary);
                for key in answers.keys() {
                    prop_assert!(amend.fields.contains(key), "amended {key}, which was not asked");
                }
                for step in flow.steps.iter().filter(|s| amend.fields.contains(&s.key)) {
                    if step.applies(&before.answers) {
                        prop_assert!(answers.contains_key(&step.key), "the correction lacks {}", step.key);
                    }
                }
            }
            Effect::Consented | Effect::Cancelled => {}
        }
    }
    match &outcome.state {
        Some(state) => {
            prop_assert!(!ends, "the form goes on after {:?}", outcome.effects);
            let consented = ctx.consented || outcome.effects.contains(&Effect::Consented);
            check_state(flow, state, consented, ctx.today)?;
            prop_assert_eq!(&state.amend, &before.amend, "the amendment changed");
            let changed: Vec<&String> = state
                .answers
                .iter()
                .filter(|(key, value)| before.answers.get(*key) != Some(*value))
                .map(|(key, _)| key)
                .collect();
            for key in before.answers.keys() {
                prop_assert!(state.answers.contains_key(key), "the answer to {key} was lost");
            }
            match &before.stage {
                Stage::Ask(asked) => {
                    prop_assert!(changed.iter().all(|k| *k == asked), "{changed:?} changed at {asked}")
                }
                _ => prop_assert!(changed.is_empty(), "{changed:?} changed at {:?}", before.stage),
            }
        }
        None => prop_assert!(ends || !flow.files, "the form ended without a reason: {:?}", outcome.effects),
    }
    Ok(())
}

/// One simulated user in one form: the state between messages goes through JSON, as the bot
/// stores it, and a form that ends is started again (or corrected after filing).
pub(super) struct Walk<'a> {
    pub(super) flow: &'a Flow,
    pub(super) lang: Lang,
    pub(super) today: NaiveDate,
    pub(super) consented: bool,
    pub(super) state: Option<DialogState>,
    pub(super) last_filed: Option<BTreeMap<String, Value>>,
    pub(super) next_prefill: Option<(String, String)>,
}

impl<'a> Walk<'a> {
    pub(super) fn ctx(&self) -> Context<'static> {
        context(self.lang, self.today, self.consented)
    }

    /// Opens the form again: a correction of the last filing, the next form of an eligibility
    /// result, or a fresh start.
    pub(super) fn reopen(&mut self, flows: &'a [&'a Flow], pick: &mut Pick) -> Result<(), TestCaseError> {
        let ctx = self.ctx();
        let outcome = match (self.last_filed.take(), self.next_prefill.take()) {
            (Some(answers), _) if pick.chance(6) => {
                let mut fields: Vec<String> =
                    self.flow.steps.iter().filter(|_| pick.chance(3)).map(|s| s.key.clone()).collect();
                if fields.is_empty() {
                    fields.push(pick.of(&self.flow.steps).key.clone());
                }
                reached("correction started");
                engine::amend(self.flow, &ctx, "ZJ-TEST-2026-000001", answers, fields)
            }
            (_, Some((next, item))) if pick.chance(7) => match flows.iter().find(|f| f.id == next) {
                Some(&next_flow) => {
                    self.flow = next_flow;
                    let key = next_flow.tier_from.clone().expect("next has tier_from");
                    reached("next form prefilled");
                    engine::start(next_flow, &ctx, BTreeMap::from([(key, Value::Choice(item))]))
                }
                None => return Err(TestCaseError::fail(format!("next flow {next} does not exist"))),
            },
            _ => {
                if pick.chance(3) {
                    self.flow = *pick.of(flows);
                }
                engine::start(self.flow, &ctx, BTreeMap::new())
            }
        };
        check_replies(&outcome.replies)?;
        prop_assert!(outcome.effects.is_empty() || !self.flow.files, "effects on start: {:?}", outcome.effects);
        self.settle(outcome)
    }

    /// Takes an outcome: remembers consent, filings and offered next forms; keeps the state.
    pub(super) fn settle(&mut self, outcome: Outcome) -> Result<(), TestCaseError> {
        if outcome.effects.contains(&Effect::Consented) {
            self.consented = true;
        }
        for effect in &outcome.effects {
            reached(match effect {
                Effect::Consented => "consent",
                Effect::Submit { .. } => "filing",
                Effect::Amend { .. } => "correction filed",
                Effect::Cancelled => "cancel",
            });
        }
        match &outcome.state {
            Some(state) if state.stage == Stage::Summary => reached("summary"),
            None if outcome.effects.is_empty() => reached("eligibility result"),
            _ => {}
        }
        for effect in &outcome.effects {
            if let Effect::Submit { answers, .. } = effect {
                self.last_filed = Some(answers.clone());
            }
        }
        for button in outcome.replies.iter().flat_map(|r| &r.buttons) {
            if let Some(rest) = button.data.strip_prefix("start:")
                && let Some((next, item)) = rest.split_once(':')
            {
                self.next_prefill = Some((next.to_owned(), item.to_owned()));
            }
        }
        self.state = match outcome.state {
            Some(state) => {
                check_state(self.flow, &state, self.consented, self.today)?;
                let json = serde_json::to_string(&state).unwrap();
                Some(serde_json::from_str(&json).unwrap())
            }
            None => None,
        };
        Ok(())
    }

    /// Applies one action (opening the form again first if it has ended), checking the step.
    pub(super) fn act(
        &mut self,
        action: &Action,
        flows: &'a [&'a Flow],
        pick: &mut Pick,
        findings: &Findings,
    ) -> Result<(), TestCaseError> {
        if self.state.is_none() {
            self.reopen(flows, pick)?;
        }
        let Some(state) = self.state.clone() else { return Ok(()) };
        let ctx = self.ctx();
        if pick.chance(2) {
            let resumed = engine::resume(self.flow, state.clone(), &ctx);
            check_replies(&resumed.replies)?;
            prop_assert!(!resumed.replies.is_empty(), "resume says nothing");
            prop_assert_eq!(resumed.state.as_ref(), Some(&state), "resume changed the state");
        }
        let input = input_for(action, self.flow, &state, &ctx);
        let outcome = engine::advance(self.flow, state.clone(), &input, &ctx);
        check_step(self.flow, &state, &outcome, &ctx, findings).map_err(|e| {
            TestCaseError::fail(format!("{e}\n  flow {}, input {input:?}\n  state {state:?}", self.flow.id))
        })?;
        self.settle(outcome)
    }
}

/// A walk through the shipped forms.
pub(super) fn walk_strategy(max_actions: usize) -> impl Strategy<Value = (usize, Lang, i64, bool, u64, Vec<Action>)> {
    (
        0usize..16,
        select(&LANGS[..]),
        prop_oneof![6 => -300i64..300, 2 => -40_000i64..40_000, 1 => Just(-45_000i64)],
        any::<bool>(),
        any::<u64>(),
        vec(action(1), 1..max_actions),
    )
}

#[test]
fn engine_walks_through_every_shipped_form_keep_the_state_consistent() {
    let findings = Findings::default();
    let shipped: Vec<&Flow> = flows().iter().collect();
    let shipped: &[&Flow] = &shipped;
    check(
        "dialog engine: shipped forms",
        ProptestConfig { cases: 780, ..base() },
        walk_strategy(60),
        |(flow, lang, shift, consented, seed, actions)| {
            let today = helpers::clock().today().checked_add_signed(chrono::TimeDelta::days(shift)).unwrap();
            let mut walk = Walk {
                flow: shipped[flow % shipped.len()],
                lang,
                today,
                consented,
                state: None,
                last_filed: None,
                next_prefill: None,
            };
            let mut pick = Pick(seed);
            for action in &actions {
                walk.act(action, shipped, &mut pick, &findings)?;
            }
            Ok(actions.len())
        },
    );
    findings.print("dialog engine");
}
