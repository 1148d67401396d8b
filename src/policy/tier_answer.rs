//! Answering tier questions from the tier table: which tier named honours put a person in, or
//! what a tier named by its letter includes, then what recognition brings — quoting clause 十七.

use super::answer::{Answer, Basis};
use super::question::{Question, Weighing};
use super::ranking::Ranking;
use super::{Policy, Tier, TierItem, TierMatch};
use crate::lang::Lang;

/// A tier question is answered from the ranking instead when its best passage, outside the tier
/// clause, covers this many times as much of the question as the tier clause's best sentence.
const TIER_YIELD: f32 = 1.5;

/// What a tier question asks.
pub(super) enum TierQuestion<'a> {
    /// The tier of these honours and qualifications.
    Items(Vec<TierMatch<'a>>),
    /// What these tiers include.
    Tiers(Vec<&'a Tier>),
}

impl Policy {
    /// What a tier question asks about: the tier of named honours, or the contents of tiers
    /// named by letter. `None` for any other question. A follow-up ("那全国技术能手呢？") names
    /// its own honours and may take the asking about tiers from its context.
    pub(super) fn tier_question(&self, question: &Question<'_>) -> Option<TierQuestion<'_>> {
        let matches = self.tiers.find(&question.asked);
        if !matches.is_empty() && self.tiers.asks_about_tier(&question.text) {
            return Some(TierQuestion::Items(matches));
        }
        let tiers = self.tiers.find_tiers(&question.asked);
        (!tiers.is_empty()).then_some(TierQuestion::Tiers(tiers))
    }

    /// Whether the best passage of `ranking` lies outside the tier clause and covers the question
    /// far better than any sentence of it: "我是高级技师，进修的待遇跟评职称的技术人员一样吗"
    /// names a tier item but asks what clause 十六 answers.
    pub(super) fn answered_better_elsewhere(&self, weighing: &Weighing<'_>, ranking: &Ranking) -> bool {
        let Some(best) = ranking.ranked.first() else { return false };
        let clause = self.tiers.clause;
        if self.document.passages[best.passage].clause == clause {
            return false;
        }
        let tier_coverage = (0..self.document.passages.len())
            .filter(|&p| self.document.passages[p].clause == clause)
            .map(|p| weighing.coverage(&self.index, p).all)
            .fold(0.0, f32::max);
        best.coverage.all > TIER_YIELD * tier_coverage
    }

    /// An answer from the tier table: each item's tier, or each tier's items, then what
    /// recognition brings.
    pub(super) fn tier_answer(&self, question: &str, lang: Lang, asked: &TierQuestion<'_>) -> Answer {
        let tiers = &self.tiers;
        let english = lang == Lang::En;
        let (mut lines, items): (Vec<String>, Vec<&TierItem>) = match asked {
            TierQuestion::Items(matches) => (
                matches
                    .iter()
                    .map(|m| match english {
                        true => format!(
                            "{} are in Category {} of {} (the Category {} list).",
                            capitalize(&m.item.en),
                            m.tier.id,
                            tiers.scheme.en,
                            m.tier.id
                        ),
                        false => {
                            format!("{}属于{}{}类（列入{}类清单）。", m.item.zh, tiers.scheme.zh, m.tier.id, m.tier.id)
                        }
                    })
                    .collect(),
                matches.iter().map(|m| m.item).collect(),
            ),
            TierQuestion::Tiers(named) => (
                named
                    .iter()
                    .map(|tier| match english {
                        true => format!(
                            "Category {} of {} covers: {}.",
                            tier.id,
                            tiers.scheme.en,
                            tier.items.iter().map(|i| i.en.as_str()).collect::<Vec<_>>().join("; ")
                        ),
                        false => format!(
                            "{}{}类清单包括：{}。",
                            tiers.scheme.zh,
                            tier.id,
                            tier.items.iter().map(|i| i.zh.as_str()).collect::<Vec<_>>().join("、")
                        ),
                    })
                    .collect(),
                named.iter().flat_map(|tier| &tier.items).collect(),
            ),
        };
        lines.push(if english { tiers.benefits.en.clone() } else { tiers.benefits.zh.clone() });
        // The policy sentences that name each item, and the benefits.
        let quoted: Vec<usize> = self
            .document
            .passages
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.clause == tiers.clause
                    && (p.text.contains(&tiers.benefits.zh) || items.iter().any(|item| p.text.contains(&item.zh)))
            })
            .map(|(i, _)| i)
            .collect();
        let chinese: String = quoted.iter().map(|&i| self.document.passages[i].text.as_str()).collect();
        let answer = match lang {
            Lang::En => format!(
                "{}\n— {}\n\n{}",
                lines.join(" "),
                self.citation(tiers.clause, Lang::En),
                self.original(&chinese, tiers.clause)
            ),
            Lang::Zh | Lang::ZhHant => self.scripts.localize(
                lang,
                &format!("{}\n原文：{chinese}\n——{}", lines.concat(), self.citation(tiers.clause, Lang::Zh)),
            ),
        };
        Answer {
            question: question.to_owned(),
            lang,
            found: true,
            answer,
            sources: vec![self.source(tiers.clause, chinese)],
            basis: Basis::Tiers,
        }
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::policy::tests::policy;

    fn ask(question: &str) -> crate::policy::Answer {
        policy().answer(question, Lang::Zh).unwrap()
    }

    #[test]
    fn tier_questions_are_answered_from_the_tier_table() {
        let answer = ask("省级技能大师工作室带头人算几类人才？");
        assert!(answer.answer.starts_with("省级技能大师工作室带头人属于湛江市高层次人才B类"), "{}", answer.answer);
        assert!(answer.answer.contains("28项"), "{}", answer.answer);
        let answer = ask("Which tier is a WorldSkills Competition winner in?");
        assert!(answer.answer.contains("Category A"), "{}", answer.answer);
    }

    #[test]
    fn a_question_naming_a_tier_item_but_asking_what_another_clause_answers_gets_that_clause() {
        let answer = ask("我是高级技师，进修学习的待遇跟评了职称的技术人员是不是一样的？");
        assert!(answer.answer.contains("同等待遇") && answer.answer.contains("第十六条"), "{}", answer.answer);
        let answer = ask("我是高级技师，有什么待遇？");
        assert!(
            answer.answer.starts_with("具有高级技师（一级）任职资格人员属于湛江市高层次人才C类"),
            "{}",
            answer.answer
        );
    }
}
