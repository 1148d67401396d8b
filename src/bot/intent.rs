//! What free text wants when no form is open: to start a form ("我要申请人才公寓", "apply for a
//! visa"), to check eligibility ("我能认定为哪类人才？"), or an answer from the policy.

use crate::dialog::{Flow, Flows};
use crate::policy::TierTable;

/// What a message asks for.
#[derive(Debug, Clone, Copy)]
pub enum Intent<'a> {
    /// Start this form.
    Apply(&'a Flow),
    /// Wants to apply, but for what is unclear: offer the forms.
    ApplyUnclear,
    /// A question for the policy.
    Question,
}

/// Words that show the user wants to do something now rather than learn about it.
const APPLY: [&str; 12] =
    ["申请", "办理", "预约", "我要", "我想办", "想办", "apply", "book", "register", "sign up", "start", "file"];
/// Words that make a message a question (answered from the policy, with a button to apply).
const QUESTION: [&str; 22] = [
    "?",
    "？",
    "怎么",
    "怎样",
    "如何",
    "吗",
    "什么",
    "哪些",
    "多少",
    "能否",
    "是否",
    "可不可以",
    "能不能",
    "有没有",
    "how",
    "what",
    "which",
    "can ",
    "is there",
    "are there",
    "do i",
    "does",
];
/// Words by which a user speaks of themselves (an eligibility check is about the asker).
const SELF: [&str; 5] = ["我", "本人", "i ", "my ", "me "];

/// Reads the intent of `text` (Simplified, lowercased).
pub fn detect<'a>(text: &str, flows: &'a Flows, tiers: &TierTable) -> Intent<'a> {
    let padded = format!(" {text} ");
    let has = |words: &[&str]| words.iter().any(|word| padded.contains(word));
    let is_question = has(&QUESTION);
    let best = best_trigger(text, flows.iter());
    // "我能认定为哪类人才？" starts the check; "全国技术能手算哪类人才？" names an honour, which the
    // tier table answers directly.
    if let Some(flow) = best.filter(|flow| !flow.files)
        && has(&SELF)
        && tiers.find(text).is_empty()
    {
        return Intent::Apply(flow);
    }
    if is_question || !has(&APPLY) {
        return Intent::Question;
    }
    match best_trigger(text, flows.iter().filter(|flow| flow.files)) {
        Some(flow) => Intent::Apply(flow),
        None => Intent::ApplyUnclear,
    }
}

/// Forms whose trigger words occur in `text`, best first (the longest trigger wins).
pub fn matching<'a>(text: &str, flows: impl Iterator<Item = &'a Flow>) -> Vec<&'a Flow> {
    let mut scored: Vec<(usize, &Flow)> = flows
        .filter_map(|flow| {
            let longest =
                flow.triggers.iter().filter(|t| text.contains(t.as_str())).map(|t| t.chars().count()).max()?;
            Some((longest, flow))
        })
        .collect();
    scored.sort_by_key(|(length, _)| std::cmp::Reverse(*length));
    scored.into_iter().map(|(_, flow)| flow).collect()
}

fn best_trigger<'a>(text: &str, flows: impl Iterator<Item = &'a Flow>) -> Option<&'a Flow> {
    matching(text, flows).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialog::tests::flows;
    use crate::policy::tests::policy;

    fn intent(text: &str) -> String {
        let (flows, policy) = (flows(), policy());
        match detect(text, &flows, policy.tiers()) {
            Intent::Apply(flow) => flow.id.clone(),
            Intent::ApplyUnclear => "unclear".to_owned(),
            Intent::Question => "question".to_owned(),
        }
    }

    #[test]
    fn a_wish_to_apply_starts_the_form() {
        assert_eq!(intent("我要申请人才公寓"), "talent-apartment");
        assert_eq!(intent("apply for a visa"), "foreign-talent-visa");
        assert_eq!(intent("预约个税汇算辅导"), "tax-guidance");
        assert_eq!(intent("我要办理落户"), "settlement");
    }

    #[test]
    fn a_question_about_applying_is_answered() {
        assert_eq!(intent("人才公寓怎么申请？"), "question");
        assert_eq!(intent("how do i apply for a talent apartment?"), "question");
        assert_eq!(intent("高级技师能不能落户啊"), "question");
    }

    #[test]
    fn asking_about_ones_own_tier_starts_the_check() {
        assert_eq!(intent("我能认定为哪类人才？"), "eligibility");
        assert_eq!(intent("全国技术能手可以认定为哪类人才？"), "question");
    }

    #[test]
    fn applying_without_saying_for_what_offers_the_forms() {
        assert_eq!(intent("我要申请"), "unclear");
    }
}
