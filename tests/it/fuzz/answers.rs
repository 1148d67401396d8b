//! Language detection, cleaning and the policy answerer on arbitrary text (section 2).

use super::*;

pub(super) const WORDS: &[&str] = &[
    "人才公寓",
    "落户",
    "户口",
    "個人所得稅",
    "个税",
    "签证",
    "簽證",
    "高层次人才",
    "A类",
    "B類",
    "世界技能大赛",
    "全国技术能手",
    "补贴",
    "申请",
    "怎么",
    "吗",
    "？",
    "我",
    "多少钱",
    "的",
    "apartment",
    "visa",
    "tax",
    "how",
    "apply",
    "Category A",
    "subsidy",
    "what",
    "is",
    "the",
    " ",
    "?",
    "湛江",
    "Zhanjiang",
];

pub(super) fn question() -> BoxedStrategy<String> {
    prop_oneof![
        3 => vec(prop_oneof![4 => select(WORDS).prop_map(str::to_owned), 1 => piece()], 0..8).prop_map(|w| w.concat()),
        1 => garbage(2),
    ]
    .boxed()
}

#[test]
fn language_detection_and_cleaning_take_arbitrary_text() {
    let findings = Findings::default();
    let strategy = (question(), select(&LANGS[..]), 0usize..50);
    check(
        "language detection and text cleaning",
        ProptestConfig { cases: 16_000, ..base() },
        strategy,
        |(text, preferred, max)| {
            let scripts = scripts();
            let detected = scripts.detect(&text, preferred);
            prop_assert_eq!(scripts.detect(&text, preferred), detected, "deterministic");
            let han = text.chars().any(policybot::lang::is_han);
            let latin = text.split(|c: char| !c.is_ascii_alphabetic()).any(|word| word.len() >= 2);
            if !han {
                prop_assert_eq!(detected, if latin { Lang::En } else { preferred }, "{:?}", text);
            }
            if han && !latin {
                prop_assert!(detected.is_chinese(), "{:?} read as {:?}", text, detected);
            }
            let simplified = scripts.simplify(&text);
            let traditional = scripts.traditionalize(&text);
            if simplified.chars().count() != text.chars().count() || traditional.chars().count() != text.chars().count()
            {
                findings
                    .note("script conversion changes the character count (lang.rs count_changed assumes 1:1)", || {
                        format!("{text:?} -> {simplified:?} / {traditional:?}")
                    });
            }
            let cleaned = clean(&text);
            prop_assert_eq!(clean(&cleaned), cleaned.clone(), "clean is idempotent");
            prop_assert!(cleaned.trim() == cleaned && !cleaned.contains("  "), "{:?}", cleaned);
            prop_assert!(!cleaned.chars().any(char::is_control), "{:?}", cleaned);
            let folded = fold_width(&text);
            prop_assert_eq!(fold_width(&folded), folded.clone(), "fold_width is idempotent");
            let cut = truncate(&text, max);
            prop_assert!(text.starts_with(cut) && cut.chars().count() <= max);
            let _ = Lang::from_code(&text);
            for lang in LANGS {
                prop_assert_eq!(Lang::from_code(lang.code()), Some(lang));
            }
            Ok(1)
        },
    );
    findings.print("language detection");
}

#[test]
fn policy_answers_arbitrary_questions() {
    let strategy = (question(), select(&LANGS[..]));
    check("policy answers", ProptestConfig { cases: 2_000, ..base() }, strategy, |(question, preferred)| {
        let answer = policy().answer(&question, preferred).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!answer.answer.trim().is_empty(), "{:?}", question);
        prop_assert_eq!(answer.lang, scripts().detect(&clean(&question), preferred));
        prop_assert_eq!(&answer.question, &question);
        if !answer.found {
            prop_assert!(answer.sources.is_empty());
        }
        Ok(1)
    });
}
