//! The engine's tests: whole forms walked input by input.

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
            messages: self.policy.messages(),
            holidays: self.flows.holidays(),
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

/// A photo the adapter has stored.
fn photo() -> FileRef {
    FileRef { location: "f".into(), name: "a.jpg".into(), mime: "image/jpeg".into(), size: 10, sha256: "00".into() }
}

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

/// A form with one optional question of every kind.
fn optional_of_every_kind(fx: &Fixture) -> Flow {
    let kinds = [
        ("text", ""),
        ("name", ""),
        (
            "choice",
            "options = [{ value = \"a\", zh = \"甲\", en = \"A\" }, { value = \"b\", zh = \"乙\", en = \"B\" }]\n",
        ),
        (
            "multi_choice",
            "options = [{ value = \"a\", zh = \"甲\", en = \"A\" }, { value = \"b\", zh = \"乙\", en = \"B\" }]\n",
        ),
        ("integer", "min = 1\nmax = 9\n"),
        ("date", ""),
        ("month", ""),
        ("phone", ""),
        ("id_card", ""),
        ("passport", ""),
        ("email", ""),
        ("file", ""),
    ];
    let mut toml = "id = \"demo\"\ncode = \"DEMO\"\ntitle = { zh = \"演示\", en = \"Demo\" }\nintro = { zh = \"说明\", en = \"About\" }\n".to_owned();
    for (kind, settings) in kinds {
        toml.push_str(&format!(
            "[[step]]\nkey = \"{kind}\"\nkind = \"{kind}\"\noptional = true\npersonal = false\n{settings}prompt = {{ zh = \"问\", en = \"Q\" }}\n"
        ));
    }
    Flow::parse("demo.toml", &toml, fx.policy.tiers()).expect("the demo form loads")
}

#[test]
fn none_to_an_optional_question_of_any_kind_skips_it() {
    let fx = Fixture::new();
    let ctx = fx.ctx(true);
    let flow = optional_of_every_kind(&fx);
    let nones = ["无", "没有", "不需要", "none", "N/A", "-", "無。", "－"];
    let inputs: Vec<Input> = (0..flow.steps.len()).map(|i| text(nones[i % nones.len()])).collect();
    let outcome = feed(&flow, &ctx, start(&flow, &ctx, BTreeMap::new()), &inputs);
    assert_eq!(stage(&outcome), Stage::Summary, "{}", last_text(&outcome));
    let answers = &outcome.state.as_ref().unwrap().answers;
    assert!(flow.steps.iter().all(|step| answers[&step.key] == Value::Skipped), "{answers:?}");
}

#[test]
fn none_is_an_answer_where_the_question_takes_it() {
    let fx = Fixture::new();
    let ctx = fx.ctx(true);
    let flow = fx.flow("talent-apartment");
    let to_owns_home = [
        text("张三"),
        text(ID),
        text("13800138000"),
        text("湛江钢铁"),
        button("choose:high-skill"),
        Input::File(photo()),
        text("2"),
    ];
    let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &to_owns_home);
    assert_eq!(stage(&outcome), Stage::Ask("owns_home".into()));
    let outcome = feed(flow, &ctx, outcome, &[text("没有")]);
    assert_eq!(outcome.state.as_ref().unwrap().answers["owns_home"], Value::YesNo(false), "a yes/no question");
    let eligibility = fx.flow("eligibility");
    let outcome = feed(eligibility, &ctx, start(eligibility, &ctx, BTreeMap::new()), &[text("无")]);
    assert!(last_text(&outcome).contains("暂不在"), "the none-of-these option: {}", last_text(&outcome));
    let required = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("无")]);
    assert!(last_text(&required).contains("必填"), "{}", last_text(&required));
}

#[test]
fn a_name_needs_a_letter() {
    let fx = Fixture::new();
    let ctx = fx.ctx(true);
    let flow = fx.flow("talent-apartment");
    let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("12345")]);
    assert_eq!(stage(&outcome), Stage::Ask("name".into()));
    assert!(last_text(&outcome).contains("汉字或字母"), "{}", last_text(&outcome));
    for name in ["阿依古丽·买买提", "María-José O'Neil"] {
        let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text(name)]);
        assert_eq!(outcome.state.as_ref().unwrap().answers["name"], Value::Text(name.into()));
    }
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
    let outcome = feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[Input::File(photo())]);
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
    let program = FileRef { name: "c.exe".into(), mime: "application/x-msdownload".into(), ..photo() };
    let outcome = feed(flow, &ctx, outcome, &[Input::File(program)]);
    assert!(last_text(&outcome).contains("按文件内容判断"), "{}", last_text(&outcome));
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
    let by_number = feed(flow, &ctx, outcome, &[text("2")]);
    assert_eq!(stage(&by_number), Stage::Ask("phone".into()), "a bare number is the summary's item");
}

#[test]
fn working_days_and_date_bounds_are_enforced() {
    let fx = Fixture::new();
    let ctx = fx.ctx(true);
    let flow = fx.flow("tax-guidance");
    let start_outcome =
        feed(flow, &ctx, start(flow, &ctx, BTreeMap::new()), &[text("张三"), text("13800138000"), text("湛江港集团")]);
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
