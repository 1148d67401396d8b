//! The bot core on SQLite (section 4): several users sending random messages, staff deciding;
//! the stored state and filings stay consistent.

use super::*;

/// Who sends a message in the bot test.
pub(super) const USERS: [(&str, Option<Lang>); 4] =
    [("fz1", None), ("fz2", Some(Lang::En)), ("fz3", Some(Lang::ZhHant)), ("fz4", None)];

/// A message to the bot.
#[derive(Debug, Clone)]
pub(super) enum BotAction {
    /// The user acts in or out of a form.
    Form(Action),
    /// A command with an argument.
    Command(&'static str, String),
    /// A bot-level button.
    Button(&'static str, String),
    /// Free text meant as a question or a wish to apply.
    Say(String),
    /// A staff member in the staff chat.
    Staff(&'static str, u64, String),
}

pub(super) const BOT_COMMANDS: &[&str] = &[
    "/start",
    "/help",
    "/ask",
    "/apply",
    "/eligibility",
    "/status",
    "/cancel",
    "/lang",
    "/mydata",
    "/forget",
    "/START@policybot",
    "/nothing",
];
pub(super) const BOT_BUTTONS: &[&str] =
    &["menu:", "lang:", "forget:", "start:", "start:talent-recognition:", "amend:", "staff:approve:"];
pub(super) const SAYINGS: &[&str] = &[
    "我要申请人才公寓",
    "apply for a visa",
    "我能认定为哪类人才？",
    "我要申请",
    "我要办理落户",
    "预约个税汇算辅导",
    "人才公寓怎么申请？",
    "How long is a visa valid?",
    "世界技能大賽獲獎者屬於哪一類人才？",
    "全国技术能手可以认定为哪类人才？",
];
pub(super) const STAFF_ACTIONS: &[&str] = &[
    "/pending",
    "/show",
    "/approve",
    "/reject",
    "/needinfo",
    "/needinfo",
    "/needinfo",
    "/export",
    "staff:approve",
    "staff:reject",
    "staff:need_info",
    "text",
];

pub(super) fn bot_action() -> BoxedStrategy<BotAction> {
    let argument = || {
        prop_oneof![
            3 => select(&["", "talent-apartment", "settlement", "tax-guidance", "人才公寓", "zh", "en", "zh-Hant", "fr", "yes", "no", "ask", "status", "eligibility", "apply", "foreign-talent-visa:", "talent-recognition:national-technical-expert", "talent-recognition:bogus-item", "eligibility"][..])
                .prop_map(str::to_owned),
            1 => piece(),
        ]
    };
    prop_oneof![
        20 => action(1).prop_map(BotAction::Form),
        2 => (select(BOT_COMMANDS), argument()).prop_map(|(c, a)| BotAction::Command(c, a)),
        2 => (select(BOT_BUTTONS), argument()).prop_map(|(b, a)| BotAction::Button(b, a)),
        2 => prop_oneof![3 => select(SAYINGS).prop_map(str::to_owned), 1 => garbage(1)].prop_map(BotAction::Say),
        3 => (select(STAFF_ACTIONS), any::<u64>(), prop_oneof![4 => select(&["phone 请核对", "name,phone 号码不对", "id_card", "nosuch 说明", "材料不全", ""][..]).prop_map(str::to_owned), 1 => piece()])
            .prop_map(|(a, n, t)| BotAction::Staff(a, n, t)),
    ]
    .boxed()
}

/// The bot test's world: the app, and the references filed so far (with their applicants).
pub(super) struct World {
    app: TestApp,
    references: RefCell<Vec<(usize, String)>>,
    /// Applications staff sent back, with their applicants, not yet opened for correction.
    to_correct: RefCell<Vec<(usize, String)>>,
}

impl World {
    fn sender(user: usize) -> Sender {
        Sender::new("test", USERS[user].0, USERS[user].1)
    }

    fn staff() -> Sender {
        Sender::in_group(policybot::telegram::PROFILE.name, STAFF_CHAT, STAFF_MEMBER, None)
    }

    /// The user's form in progress as stored, whether they consented, and their id (0 if unknown).
    async fn stored(&self, user: usize) -> (Option<DialogState>, bool, i64) {
        let mut conn = self.app.app.bot.store().read().await.expect("a connection");
        match users::with_session(&mut conn, "test", USERS[user].0).await.expect("the user") {
            Some((user, session)) => {
                let consented = user.consent_version.as_deref() == Some(flows().consent().version.as_str());
                let state = session.map(|s| s.state);
                (state, consented, user.id)
            }
            None => (None, false, 0),
        }
    }

    fn reference(&self, n: u64, user: Option<usize>) -> String {
        let references = self.references.borrow();
        let own: Vec<&String> =
            references.iter().filter(|(owner, _)| user.is_none_or(|u| u == *owner)).map(|(_, r)| r).collect();
        if own.is_empty() || n.is_multiple_of(7) {
            format!("ZJ-APARTMENT-2026-{:06}", n % 1000)
        } else {
            own[(n as usize / 7) % own.len()].clone()
        }
    }

    /// Sends one message; checks the replies and the stored state after it.
    async fn send(&self, who: usize, action: &BotAction) -> Result<(), TestCaseError> {
        let (state, consented, _) = self.stored(who).await;
        let ctx = context(USERS[who].1.unwrap_or_default(), today(), consented);
        let (sender, input, staff) = match action {
            BotAction::Form(action) => {
                let input = match (&state, action) {
                    (Some(state), _) => input_for(action, flows().get(&state.flow).expect("a flow"), state, &ctx),
                    (None, Action::Valid(_)) if self.to_correct.borrow().iter().any(|(u, _)| *u == who) => {
                        let mut to_correct = self.to_correct.borrow_mut();
                        let position = to_correct.iter().position(|(u, _)| *u == who).expect("one");
                        Input::Button(format!("amend:{}", to_correct.remove(position).1))
                    }
                    (None, Action::Valid(seed))
                        if seed % 4 == 0 && self.references.borrow().iter().any(|(u, _)| *u == who) =>
                    {
                        Input::Button(format!("amend:{}", self.reference(seed / 28 * 7 + 1, Some(who))))
                    }
                    (None, Action::Valid(seed)) => {
                        let flow = flows().iter().nth(*seed as usize % flows().iter().count()).expect("a form");
                        Input::Button(format!("start:{}", flow.id))
                    }
                    (None, Action::File { name, mime, size }) => {
                        let file = self.app.app.files.keep(&format!("{name}.pdf"), &size.to_le_bytes()).expect("kept");
                        Input::File(FileRef { mime: mime.clone(), ..file })
                    }
                    (None, action) => input_for(action, flows().iter().next().unwrap(), &placeholder_state(), &ctx),
                };
                let input = match input {
                    Input::File(file) if state.is_some() && !file.location.is_empty() => Input::File(file),
                    Input::File(file) => {
                        let kept = self.app.app.files.keep("upload.pdf", b"%PDF-1.4 fuzz").expect("kept");
                        Input::File(FileRef { location: kept.location, sha256: kept.sha256, ..file })
                    }
                    other => other,
                };
                (Self::sender(who), input, false)
            }
            BotAction::Command(command, argument) => {
                (Self::sender(who), Input::Text(format!("{command} {argument}")), false)
            }
            BotAction::Button(button, argument) => {
                let data = match *button {
                    "amend:" => format!("amend:{}", self.reference(argument.len() as u64, Some(who))),
                    "staff:approve:" => format!("staff:approve:{}", self.reference(argument.len() as u64, None)),
                    _ => format!("{button}{argument}"),
                };
                (Self::sender(who), Input::Button(data), false)
            }
            BotAction::Say(text) => (Self::sender(who), Input::Text(text.clone()), false),
            BotAction::Staff(what, n, text) => {
                let reference = self.reference(*n, None);
                let input = match *what {
                    "/pending" | "/export" => {
                        Input::Text(format!("{what} {}", if n % 2 == 0 { "csv" } else { text.as_str() }))
                    }
                    // Most requests name a field every filing form has, so that corrections happen.
                    "/needinfo" if n % 3 != 0 => Input::Text(format!("{what} {reference} phone 请核对号码")),
                    "/needinfo" | "/reject" | "/approve" | "/show" => Input::Text(format!("{what} {reference} {text}")),
                    "text" => Input::Text(text.clone()),
                    button => Input::Button(format!("{button}:{reference}")),
                };
                (Self::staff(), input, true)
            }
        };
        let replies = self.app.app.bot.handle(&sender, input.clone()).await;
        let context = || format!("user {who}, input {input:?}, replies {replies:?}");
        check_replies(&replies).map_err(|e| TestCaseError::fail(format!("{e}\n  {}", context())))?;
        if !staff {
            prop_assert!(!replies.is_empty(), "no reply: {}", context());
        }
        for reply in &replies {
            let said = |words: &[&str]| words.iter().any(|w| reply.text.contains(w));
            if said(&["补正申请", "補正申請", "asked you to correct"]) {
                reached("correction started");
            }
            if said(&["已提交补正", "已提交補正", "correction was sent"]) {
                reached("correction filed");
            }
            if staff && reply.text.starts_with("✅") {
                reached("staff decision");
                let sent_back = ["待补正", "need_info"].iter().any(|w| reply.text.contains(w));
                if sent_back {
                    reached("staff asked for a correction");
                    let owner = self.references.borrow().iter().find(|(_, r)| reply.text.contains(r.as_str())).cloned();
                    self.to_correct.borrow_mut().extend(owner);
                }
            }
            if reply.document.is_some() {
                reached("export");
            }
            if let Some(start) = reply.text.find("ZJ-") {
                let reference: String =
                    reply.text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                // Only receipts: prompts quote an example reference.
                let receipt = reply.text.starts_with("✅");
                if receipt && !staff && !self.references.borrow().iter().any(|(_, r)| r == &reference) {
                    reached("filing");
                    self.references.borrow_mut().push((who, reference));
                }
            }
        }
        let (after, consented, _) = self.stored(who).await;
        if let Some(state) = &after {
            let flow = flows().get(&state.flow).ok_or_else(|| TestCaseError::fail("a session of an unknown form"))?;
            check_state(flow, state, consented, today())
                .map_err(|e| TestCaseError::fail(format!("{e}\n  {}", context())))?;
        }
        Ok(())
    }

    /// After the run: every user's next command answers normally and their filings are sound.
    async fn still_answers(&self) -> Result<usize, TestCaseError> {
        let mut inputs = 0;
        for (user, _) in USERS.iter().enumerate() {
            for command in ["/status", "/start", "/status"] {
                let replies = self.app.app.bot.handle(&Self::sender(user), Input::Text(command.to_owned())).await;
                inputs += 1;
                check_replies(&replies)?;
                prop_assert!(!replies.is_empty(), "{command} says nothing to user {user}");
            }
            let (_, _, id) = self.stored(user).await;
            let mut conn = self.app.app.bot.store().read().await.expect("a connection");
            for application in applications::of_user(&mut conn, id).await.expect("applications") {
                let flow = flows().get(&application.flow).expect("a filed form exists");
                let filing = &application.filing;
                prop_assert!(!filing.answers.is_empty(), "{} has no answers", application.reference);
                for (key, value) in &filing.answers {
                    let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("filed unknown {key}")))?;
                    check_value(step, value, today())?;
                }
            }
        }
        Ok(inputs)
    }
}

/// A state to read actions against when no form is open (only its shape matters).
pub(super) fn placeholder_state() -> DialogState {
    DialogState {
        flow: String::new(),
        stage: Stage::Summary,
        answers: BTreeMap::new(),
        trail: Vec::new(),
        ticked: Vec::new(),
        amend: None,
    }
}

#[test]
fn bot_core_on_sqlite_survives_random_messages_from_several_users() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let strategy = vec((0usize..USERS.len(), bot_action()), 350..450);
    check("bot core on SQLite", ProptestConfig { cases: 4, ..base() }, strategy, |script| {
        runtime.block_on(async {
            let world = World {
                app: spawn_app().await,
                references: RefCell::new(Vec::new()),
                to_correct: RefCell::new(Vec::new()),
            };
            for (who, action) in &script {
                world.send(*who, action).await?;
            }
            let after = world.still_answers().await?;
            Ok(script.len() + after)
        })
    });
}
