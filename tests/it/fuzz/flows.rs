//! Flow definitions: random TOML loads or fails cleanly, and what loads runs.

use super::*;

pub(super) const KINDS: &[&str] = &[
    "text",
    "choice",
    "yes_no",
    "name",
    "choice",
    "multi_choice",
    "yes_no",
    "integer",
    "date",
    "month",
    "phone",
    "id_card",
    "passport",
    "email",
    "file",
    "colour",
];
/// Date bounds: the first ones load (some resolve beyond the calendar), the rest are refused or,
/// the last, a known bug.
pub(super) const BOUNDS: &[&str] = &[
    "today",
    "+7d",
    "-7d",
    "+1d",
    "+90d",
    "-100y",
    "+20y",
    "+12m",
    "-6m",
    "+0m",
    "2020-01-01",
    "1950-01-01",
    "+2147483647m",
    "-2147483648y",
    "+99999y",
    "+9999999d",
    "2026-02-30",
    "next week",
    "d",
    "+",
    "",
    "+1x",
    "１d",
    "+١d",
    "+200000000000d",
];
/// Patterns: the first ones compile.
pub(super) const PATTERNS: &[&str] =
    &["^[0-9]+$", ".*", r"^[A-Za-z][A-Za-z .'-]*[A-Za-z.]$", "^x$", "(a|b)*c", "\\p{Han}", "[a-"];
pub(super) const VALUES: &[&str] =
    &["yes", "no", "other", "none", "a", "b", "A", "worldskills-winner", "senior-technician", ""];
pub(super) const KEYS: &[&str] = &["s0", "s1", "s2", "s3", "name", "Bad-Key", "", "s1"];

/// One `[[step]]` of a random flow: usually settings that fit its kind (so that the flow loads and
/// the engine runs it), sometimes any settings at all (so that the loader's checks are tried).
pub(super) fn toml_step(index: usize) -> BoxedStrategy<String> {
    use prop::option::weighted;
    let int = || weighted(0.6, prop_oneof![8 => 0i64..30, 1 => -5i64..0, 1 => any::<i64>(), 1 => Just(2001i64)]);
    let fitting = (
        (0i64..4, 1i64..60),
        weighted(0.3, select(&PATTERNS[..3])),
        (proptest::sample::subsequence(VALUES, 2..5), prop::bool::weighted(0.2)),
        (weighted(0.5, select(&BOUNDS[..16])), weighted(0.5, select(&BOUNDS[..16]))),
        (0usize..3, 1u64..=20),
        weighted(0.3, (0..index.max(1), proptest::sample::subsequence(VALUES, 1..3))),
    )
        .prop_map(|((low, span), pattern, (options, from_tiers), (earliest, latest), (accept, max_mb), when)| {
            Fitting { low, span, pattern, options, from_tiers, earliest, latest, accept, max_mb, when }
        });
    let any_settings = (
        (int(), int()),
        (weighted(0.3, select(PATTERNS)), prop::bool::weighted(0.9)),
        (weighted(0.85, vec(select(VALUES), 1..5)), weighted(0.2, select(&["tiers", "other"][..]))),
        (weighted(0.4, select(BOUNDS)), weighted(0.4, select(BOUNDS)), prop::bool::weighted(0.3)),
        (
            weighted(0.4, select(&["[\"image\"]", "[\"pdf\"]", "[]", "[\"image\", \"pdf\"]", "[\"exe\"]"][..])),
            weighted(0.3, prop_oneof![Just(0u64), Just(1), Just(20), Just(21), Just(u64::MAX)]),
        ),
        weighted(0.3, (select(KEYS), vec(select(VALUES), 0..3))),
    )
        .prop_map(
            |(
                (min, max),
                (pattern, hint),
                (options, options_from),
                (earliest, latest, working),
                (accept, max_mb),
                when,
            )| {
                let mut lines = Vec::new();
                lines.extend(min.map(|m| format!("min = {m}")));
                lines.extend(max.map(|m| format!("max = {m}")));
                lines.extend(pattern.map(|p| format!("pattern = {p:?}")));
                if hint {
                    lines.push("pattern_hint = { zh = \"格式\", en = \"Format\" }".to_owned());
                }
                if let Some(values) = options {
                    let options: Vec<String> = values
                        .iter()
                        .map(|v| format!("{{ value = {v:?}, zh = \"选项{v}\", en = \"Option {v}\" }}"))
                        .collect();
                    lines.push(format!("options = [{}]", options.join(", ")));
                }
                lines.extend(options_from.map(|f| format!("options_from = {f:?}")));
                lines.extend(earliest.map(|b| format!("earliest = {b:?}")));
                lines.extend(latest.map(|b| format!("latest = {b:?}")));
                if working {
                    lines.push("working_days_only = true".to_owned());
                }
                lines.extend(accept.map(|a| format!("accept = {a}")));
                lines.extend(max_mb.map(|m| format!("max_mb = {m}")));
                if let Some((step, values)) = when {
                    lines.push(format!("when = {{ step = {step:?}, any_of = {values:?} }}"));
                }
                lines
            },
        );
    (
        (prop_oneof![12 => Just(format!("s{index}")), 1 => select(KEYS).prop_map(str::to_owned)], select(KINDS)),
        (any::<bool>(), weighted(0.3, any::<bool>())),
        prop::bool::weighted(0.85),
        fitting,
        any_settings,
    )
        .prop_map(move |((key, kind), (optional, personal), fits, fitting, any_settings)| {
            let mut lines = vec![
                "[[step]]".to_owned(),
                format!("key = {key:?}"),
                format!("kind = {kind:?}"),
                format!("prompt = {{ zh = \"问题{index}\", en = \"Question {index}\" }}"),
            ];
            if optional {
                lines.push("optional = true".to_owned());
            }
            if let Some(personal) = personal {
                lines.push(format!("personal = {personal}"));
            }
            lines.extend(if fits { fitting.lines(kind, index) } else { any_settings });
            lines.join("\n")
        })
        .boxed()
}

/// Settings that fit a step's kind.
#[derive(Debug, Clone)]
pub(super) struct Fitting {
    low: i64,
    span: i64,
    pattern: Option<&'static str>,
    options: Vec<&'static str>,
    from_tiers: bool,
    earliest: Option<&'static str>,
    latest: Option<&'static str>,
    accept: usize,
    max_mb: u64,
    when: Option<(usize, Vec<&'static str>)>,
}

impl Fitting {
    fn lines(&self, kind: &str, index: usize) -> Vec<String> {
        let Self { low, span, pattern, options, from_tiers, earliest, latest, accept, max_mb, when } = self;
        let mut lines = Vec::new();
        match kind {
            "text" => {
                lines.push(format!("min = {low}\nmax = {}", low + span));
                if let Some(pattern) = pattern {
                    lines.push(format!("pattern = {pattern:?}\npattern_hint = {{ zh = \"格式\", en = \"Format\" }}"));
                }
            }
            "name" => lines.push(format!("min = {low}\nmax = {}", low + span)),
            "integer" => lines.push(format!("min = {}\nmax = {}", low - 2, low + span)),
            "choice" | "multi_choice" => {
                if *from_tiers {
                    lines.push("options_from = \"tiers\"".to_owned());
                } else {
                    let options: Vec<String> = options
                        .iter()
                        .map(|v| format!("{{ value = {v:?}, zh = \"选项{v}\", en = \"Option {v}\" }}"))
                        .collect();
                    lines.push(format!("options = [{}]", options.join(", ")));
                }
                if kind == "multi_choice" {
                    lines.push(format!("min = {}", low.min(&2)));
                }
            }
            "date" | "month" => {
                lines.extend(earliest.map(|b| format!("earliest = {b:?}")));
                lines.extend(latest.map(|b| format!("latest = {b:?}")));
                if span % 3 == 0 {
                    lines.push("working_days_only = true".to_owned());
                }
            }
            "file" => {
                let accept = ["[\"image\"]", "[\"pdf\"]", "[\"image\", \"pdf\"]"][*accept];
                lines.push(format!("accept = {accept}\nmax_mb = {max_mb}"));
            }
            _ => {}
        }
        if let Some((step, values)) = when
            && *step < index
        {
            lines.push(format!("when = {{ step = \"s{step}\", any_of = {values:?} }}"));
        }
        lines
    }
}

pub(super) fn toml_flow() -> BoxedStrategy<String> {
    (
        (1usize..6).prop_flat_map(|count| (0..count).map(toml_step).collect::<Vec<_>>()),
        prop::option::weighted(0.15, select(&["s0", "s1", "s2", "honours", "name"][..])),
        prop::option::weighted(0.2, select(&["talent-recognition", "demo", "nowhere"][..])),
        prop::option::weighted(0.3, select(&["en", "zh", "zh-Hant", "fr"][..])),
        any::<bool>(),
    )
        .prop_map(|(steps, tier_from, next, lang, files)| {
            let mut head = vec![
                "id = \"demo\"".to_owned(),
                "code = \"DEMO\"".to_owned(),
                "title = { zh = \"演示\", en = \"Demo\" }".to_owned(),
                "intro = { zh = \"说明\", en = \"About\" }".to_owned(),
                format!("files = {files}"),
                "triggers = [\"演示\", \"Demo\"]".to_owned(),
            ];
            head.extend(tier_from.map(|t| format!("tier_from = {t:?}")));
            head.extend(next.map(|n| format!("next = {n:?}")));
            head.extend(lang.map(|l| format!("lang = {l:?}")));
            format!("{}\n\n{}\n", head.join("\n"), steps.join("\n\n"))
        })
        .boxed()
}

/// A shipped flow file with a random edit: a range removed, a snippet inserted, lines swapped.
pub(super) fn mutated_shipped_flow() -> BoxedStrategy<String> {
    let files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/dialogs"))
        .expect("dialogs")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().is_some_and(|n| n != "consent.toml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    (select(files), vec((0u8..3, any::<usize>(), any::<usize>(), snippet()), 1..4))
        .prop_map(|(mut text, edits)| {
            for (kind, at, length, snippet) in edits {
                let chars: Vec<char> = text.chars().collect();
                let at = at % (chars.len() + 1);
                text = match kind {
                    0 => chars[..at].iter().chain(&chars[(at + length % 40).min(chars.len())..]).collect(),
                    1 => format!(
                        "{}{snippet}{}",
                        chars[..at].iter().collect::<String>(),
                        chars[at..].iter().collect::<String>()
                    ),
                    _ => {
                        let mut lines: Vec<&str> = text.lines().collect();
                        let (a, b) = (at % lines.len().max(1), length % lines.len().max(1));
                        if !lines.is_empty() {
                            lines.swap(a, b);
                        }
                        lines.join("\n")
                    }
                };
            }
            text
        })
        .boxed()
}

#[test]
fn flow_definitions_from_random_toml_load_or_fail_cleanly_and_run() {
    let findings = Findings::default();
    let loaded = Cell::new(0usize);
    let strategy = (
        prop_oneof![3 => toml_flow(), 1 => mutated_shipped_flow()],
        vec(action(1), 0..16),
        select(&LANGS[..]),
        any::<u64>(),
    );
    check("flow definitions", ProptestConfig { cases: 2_500, ..base() }, strategy, |(text, actions, lang, seed)| {
        let flow = match Flow::parse("demo.toml", &text, tiers()) {
            Ok(flow) => flow,
            Err(error) => {
                prop_assert!(error.to_string().starts_with("demo.toml"), "{error}");
                return Ok(1);
            }
        };
        loaded.set(loaded.get() + 1);
        prop_assert!(!flow.steps.is_empty());
        let shipped: Vec<&Flow> = vec![&flow];
        let shipped: &[&Flow] = &shipped;
        let mut walk = Walk {
            flow: &flow,
            lang,
            today: today(),
            consented: seed % 2 == 0,
            state: None,
            last_filed: None,
            next_prefill: None,
        };
        let mut pick = Pick(seed);
        for action in &actions {
            // An offered next form that is not in this one-flow world is simply not taken.
            walk.next_prefill = None;
            walk.act(action, shipped, &mut pick, &findings)?;
        }
        Ok(1 + actions.len())
    });
    eprintln!("fuzz: flow definitions: {} random flows loaded", loaded.get());
    findings.print("flow definitions");
}

/// A day bound beyond chrono's range (±1.07e11 days) once panicked at the first answer.
#[test]
fn a_huge_day_bound_does_not_panic_on_the_first_answer() {
    let text = "id = \"demo\"\ncode = \"DEMO\"\ntitle = { zh = \"演示\", en = \"Demo\" }\n\
                intro = { zh = \"说明\", en = \"About\" }\n[[step]]\nkey = \"when\"\nkind = \"date\"\n\
                earliest = \"+200000000000d\"\nprompt = { zh = \"日期\", en = \"Date\" }\n";
    let flow = match Flow::parse("demo.toml", text, tiers()) {
        Ok(flow) => flow,
        Err(_) => return, // refused at load: fixed
    };
    let ctx = context(Lang::Zh, today(), true);
    let state = engine::start(&flow, &ctx, BTreeMap::new()).state.expect("asks the date");
    engine::advance(&flow, state, &Input::Text("2026-12-01".to_owned()), &ctx);
}

/// After an answer is changed from the summary ("修改 8": 配偶是否随迁 是 → 否), going back never
/// asks 配偶的居民身份证号码 again, a step that no longer applies.
#[test]
fn back_after_an_edit_skips_steps_that_no_longer_apply() {
    let ctx = context(Lang::Zh, today(), true);
    let flow = flows().get("settlement").expect("the settlement form");
    let mut outcome = engine::start(flow, &ctx, BTreeMap::new());
    let answers = [
        "张三",
        "11010519491231002X",
        "13800138000",
        "广东省茂名市",
        "3",
        "GD-2020-123",
        "湛江钢铁",
        "是",
        "李四",
        "32010219921111001X",
        "0",
        "1",
        "修改 8",
        "否",
        "返回",
        "返回",
        "返回",
        "返回",
    ];
    for answer in answers {
        let state = outcome.state.clone().expect("the form is open");
        outcome = engine::advance(flow, state, &Input::Text(answer.to_owned()), &ctx);
        let state = outcome.state.as_ref().expect("the form is open");
        if let Stage::Ask(key) = &state.stage {
            let step = flow.step(key).expect("a step of the form");
            assert!(step.applies(&state.answers), "after {answer:?} the form asks {key}, which no longer applies");
        }
    }
}
