//! Answering a question: tier questions from the tier table; everything else by ranking passages
//! on how much of the question they cover, choosing the 1–3 sentences that answer it, citing
//! their clause, in the asker's language — or saying plainly that the policy does not cover it.

use serde::Serialize;

use super::decision::{self, Decision, Match};
use super::numeral;
use super::question::{Question, Weighing};
use super::ranking::{self, Ranking};
use super::selection;
use super::{Policy, PolicyError};
use crate::lang::Lang;
use crate::messages::Message;
use crate::smalltalk::SmallTalk;
use crate::text;

/// Longest question the bot reads, in characters.
pub const MAX_QUESTION_CHARS: usize = 500;
/// How many of the best ranked passages a question asking for a kind of fact looks through for one
/// that states it.
const TYPED_CANDIDATES: usize = 5;
/// ...and covers at least this share of what the best passage covers.
const TYPED_COVERAGE: f32 = 0.7;

/// The bot's answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// The language of the question, and of the answer.
    pub lang: Lang,
    /// Whether the policy covers the question.
    pub found: bool,
    /// The answer text, with its citation; or the refusal.
    pub answer: String,
    /// The policy text the answer rests on.
    pub sources: Vec<Source>,
    /// How the answer came about (for the bot and its question log; not part of the JSON).
    #[serde(skip)]
    pub basis: Basis,
}

/// How an answer came about.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Basis {
    /// Quoted passages the decision trusted this much (its threshold or more).
    Passages {
        /// The decision's confidence.
        confidence: f32,
    },
    /// The tier table.
    Tiers,
    /// Refused: the policy does not cover the question, as far as the bot can tell.
    Refused {
        /// The decision's confidence in the best passage, where there was one.
        confidence: Option<f32>,
    },
    /// A reply to small talk.
    SmallTalk(SmallTalk),
    /// A prompt to write a question (nothing readable, too long).
    #[default]
    Prompt,
}

/// A clause an answer quotes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// The clause numeral (十七), or 序言 for the preamble.
    pub clause: String,
    /// The clause title (the document title for the preamble).
    pub title: String,
    /// The quoted sentences, as in the policy.
    pub text: String,
}

/// A question considered, before the answer-or-refuse decision.
#[derive(Debug, Clone)]
pub enum Considered {
    /// Nothing to decide: a tier answer, or a message that cannot be a question.
    Settled(Answer),
    /// The best passages found, with what the decision looks at.
    Candidate {
        /// The answer quoting them.
        answer: Answer,
        /// What the decision knows of the match.
        found: Match,
        /// What the bot says if it does not answer.
        refusal: Answer,
    },
}

impl Considered {
    /// Whether `decision` answers (rather than refuses).
    pub fn answers(&self, decision: &Decision) -> bool {
        match self {
            Self::Settled(answer) => answer.found,
            Self::Candidate { found, .. } => decision.answers(found),
        }
    }

    /// The answer, or the refusal if `decision` does not trust the match.
    pub fn decide(self, decision: &Decision) -> Answer {
        match self {
            Self::Settled(answer) => answer,
            Self::Candidate { answer, found, refusal } => {
                let confidence = decision.confidence(&found.features);
                match decision.answers(&found) {
                    true => Answer { basis: Basis::Passages { confidence }, ..answer },
                    false => Answer { basis: Basis::Refused { confidence: Some(confidence) }, ..refusal },
                }
            }
        }
    }
}

impl Policy {
    /// Answers a question. `preferred` is the user's language, used when the question itself
    /// does not tell (emoji, script-neutral Chinese).
    pub fn answer(&self, question: &str, preferred: Lang) -> Result<Answer, PolicyError> {
        self.answer_after(question, None, preferred)
    }

    /// Answers a question asked shortly after `previous`. A follow-up that does not stand on its
    /// own ("那我老婆孩子呢？", "And my kids?") is read with the previous question as its context;
    /// a question that does stand on its own is answered as it is.
    pub fn answer_after(&self, question: &str, previous: Option<&str>, preferred: Lang) -> Result<Answer, PolicyError> {
        let alone = self.consider_after(question, None, preferred)?;
        let Some(previous) = previous else { return Ok(alone.decide(&self.decision)) };
        // A tier answer, small talk or a prompt stands; only a refusal may be a follow-up.
        let open = matches!(&alone, Considered::Settled(answer) if !matches!(answer.basis, Basis::Refused { .. }));
        if open || (alone.answers(&self.decision) && !self.asks.follows_up(&self.normalize(question).0)) {
            return Ok(alone.decide(&self.decision));
        }
        let together = self.consider_after(question, Some(previous), preferred)?;
        Ok(if together.answers(&self.decision) { together } else { alone }.decide(&self.decision))
    }

    /// Finds what would answer a question and how good a match it is, without deciding whether
    /// it is good enough (the calibration of that decision needs both).
    pub fn consider(&self, question: &str, preferred: Lang) -> Result<Considered, PolicyError> {
        self.consider_after(question, None, preferred)
    }

    /// [`Policy::consider`] for a question read after `context`.
    fn consider_after(
        &self,
        question: &str,
        context: Option<&str>,
        preferred: Lang,
    ) -> Result<Considered, PolicyError> {
        let cleaned = text::clean(question);
        let lang = self.scripts.detect(&cleaned, preferred);
        // Folded once: small talk and the search read the same text.
        let folded = self.fold(&cleaned);
        let refusal = |message: Message| Answer {
            question: question.to_owned(),
            lang,
            found: false,
            answer: message.render(lang, self),
            sources: Vec::new(),
            basis: match message {
                Message::SmallTalk(kind) => Basis::SmallTalk(kind),
                Message::NotCovered => Basis::Refused { confidence: None },
                _ => Basis::Prompt,
            },
        };
        if cleaned.is_empty() {
            return Ok(Considered::Settled(refusal(Message::Empty)));
        }
        if cleaned.chars().count() > MAX_QUESTION_CHARS {
            return Ok(Considered::Settled(refusal(Message::TooLong { max: MAX_QUESTION_CHARS })));
        }
        if !cleaned.chars().any(|c| c.is_alphanumeric()) {
            return Ok(Considered::Settled(refusal(Message::NoWords)));
        }
        if let Some(kind) = self.smalltalk.detect(&folded) {
            return Ok(Considered::Settled(refusal(Message::SmallTalk(kind))));
        }
        let read = self.read(&folded, context);
        let importance = read.importance(&self.index);
        let weighing = read.weighing(&self.index, &importance);
        let ranking = ranking::rank(&self.index, &self.anticipated, &read, &weighing)?;
        if let Some(tier_question) = self.tier_question(&read) {
            let answer = self.tier_answer(question, lang, &tier_question);
            // "A类人才安家费多少" names a tier but asks for an amount the tier clause does not state.
            let sources: Vec<&str> = answer.sources.iter().map(|source| source.text.as_str()).collect();
            if read.states_asked_facts(&sources) && !self.answered_better_elsewhere(&weighing, &ranking) {
                return Ok(Considered::Settled(answer));
            }
        }
        let refusal = refusal(Message::NotCovered);
        Ok(match self.find_passages(&read, &importance, &weighing, ranking) {
            Some((passages, found)) => {
                Considered::Candidate { answer: self.quote(question, lang, &passages), found, refusal }
            }
            None => Considered::Settled(refusal),
        })
    }

    /// The passages that would answer the question (document order) and the features of the
    /// match; `None` when no passage shares anything with it.
    fn find_passages(
        &self,
        question: &Question<'_>,
        importance: &[f32],
        weighing: &Weighing<'_>,
        mut ranking: Ranking,
    ) -> Option<(Vec<usize>, Match)> {
        // A question asking for a kind of fact ("签证最长批几耐") is answered by the best of the
        // leading passages that states one, if one does and covers the question nearly as well.
        let states = |passage: usize| question.states_asked_facts(&[&self.document.passages[passage].text]);
        let best_coverage = ranking.ranked.first().map_or(0.0, |r| r.coverage.all);
        let stating = ranking
            .ranked
            .iter()
            .take(TYPED_CANDIDATES)
            .position(|r| states(r.passage) && r.coverage.all >= TYPED_COVERAGE * best_coverage);
        if let Some(stating) = stating {
            let chosen = ranking.ranked.remove(stating);
            ranking.ranked.insert(0, chosen);
        }
        let found = decision::features(
            &self.index,
            &self.anticipated,
            question,
            importance,
            weighing,
            &ranking,
            &self.document,
        )?;
        let best = ranking.ranked[0].passage;
        // Users type phone and ID numbers into questions too: never into the log.
        tracing::debug!(
            query = crate::text::redact_identifiers(&question.text),
            repairs = ?question.repairs.iter().map(|r| format!("{}→{}", r.written, r.word)).collect::<Vec<_>>(),
            asks = ?question.asks.iter().map(|asked| asked.ask.kind.as_str()).collect::<Vec<_>>(),
            concepts = ?question
                .concepts
                .iter()
                .zip(importance)
                .map(|(c, i)| format!("{}:{i:.1}", crate::text::redact_identifiers(&c.label)))
                .collect::<Vec<_>>(),
            passage = best,
            clause = self.document.passages[best].clause,
            starts = self.document.passages[best].text.chars().take(16).collect::<String>(),
            features = ?found.features,
            unstated = found.unstated,
            confidence = self.decision.confidence(&found.features),
            "ranked"
        );
        Some((selection::complete(&self.document, &self.index, &ranking, question, weighing), found))
    }

    /// An answer quoting `passages` (document order), clause by clause, each with its citation.
    fn quote(&self, question: &str, lang: Lang, passages: &[usize]) -> Answer {
        let mut sections = Vec::new();
        let mut sources = Vec::new();
        for group in passages.chunk_by(|&a, &b| self.document.passages[a].clause == self.document.passages[b].clause) {
            let clause = self.document.passages[group[0]].clause;
            let chinese: String = group.iter().map(|&i| self.document.passages[i].text.as_str()).collect();
            sections.push(match lang {
                Lang::En => {
                    let english: Vec<&str> = group
                        .iter()
                        .filter_map(|&i| {
                            let passage = &self.document.passages[i];
                            self.translation.sentence(passage.clause, passage.ordinal)
                        })
                        .collect();
                    format!(
                        "{}\n— {}\n\n{}",
                        english.join(" "),
                        self.citation(clause, Lang::En),
                        self.original(&chinese, clause)
                    )
                }
                Lang::Zh | Lang::ZhHant => {
                    self.scripts.localize(lang, &format!("{chinese}\n——{}", self.citation(clause, Lang::Zh)))
                }
            });
            sources.push(self.source(clause, chinese));
        }
        let answer = sections.join("\n\n");
        // The decision sets the confidence when it trusts the passages.
        Answer {
            question: question.to_owned(),
            lang,
            found: true,
            answer,
            sources,
            basis: Basis::Passages { confidence: 0.0 },
        }
    }

    /// The Chinese original under an English answer.
    pub(super) fn original(&self, chinese: &str, clause: u8) -> String {
        format!("原文 (original): {chinese}\n——{}", self.citation(clause, Lang::Zh))
    }

    /// How an answer names its clause: 第十七条 完善… / Clause 17: Improve….
    pub(super) fn citation(&self, clause: u8, lang: Lang) -> String {
        match (lang, self.document.clause(clause)) {
            (Lang::En, Some(c)) => {
                format!(
                    "Clause {}: {}",
                    c.number,
                    self.translation.clause(c.number).unwrap_or_default().trim_end_matches('.')
                )
            }
            (Lang::En, None) => "Preamble".to_owned(),
            (_, Some(c)) => format!("第{}条 {}", numeral::format(c.number), c.title),
            (_, None) => "序言".to_owned(),
        }
    }

    pub(super) fn source(&self, clause: u8, text: String) -> Source {
        match self.document.clause(clause) {
            Some(c) => Source { clause: numeral::format(c.number), title: c.title.clone(), text },
            None => Source { clause: "序言".to_owned(), title: self.document.title.clone(), text },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tests::policy;

    fn ask(question: &str) -> Answer {
        policy().answer(question, Lang::Zh).unwrap()
    }

    #[test]
    fn an_answer_quotes_the_policy_and_cites_its_clause() {
        let answer = ask("高级技师能不能落户啊");
        assert!(answer.found);
        assert!(answer.answer.contains("落户"), "{}", answer.answer);
        assert!(answer.answer.contains("——第十七条 完善高技能人才引进交流机制"), "{}", answer.answer);
        assert_eq!(answer.sources[0].clause, "十七");
        assert_eq!(answer.sources[0].title, "完善高技能人才引进交流机制");
        assert!(answer.answer.starts_with(&answer.sources[0].text));
    }

    #[test]
    fn a_question_the_policy_does_not_cover_is_refused_with_the_way_to_staff() {
        let answer = ask("湛江明天会下雨吗？");
        assert!(!answer.found);
        assert!(answer.sources.is_empty());
        assert!(
            answer.answer.contains("没有与您的问题相关的规定") && answer.answer.contains("12333"),
            "{}",
            answer.answer
        );
    }

    #[test]
    fn english_questions_get_the_translation_with_the_chinese_original() {
        let answer = ask("How long can a visa for a foreign talent team be valid?");
        assert_eq!(answer.lang, Lang::En);
        assert!(answer.answer.contains("2 to 5 years"), "{}", answer.answer);
        assert!(answer.answer.contains("Clause 17"), "{}", answer.answer);
        assert!(answer.answer.contains("2-5年有效的签证或居留许可"), "{}", answer.answer);
    }

    #[test]
    fn traditional_questions_are_answered_in_traditional() {
        let answer = ask("人才公寓點樣申請？");
        assert_eq!(answer.lang, Lang::ZhHant);
        assert!(answer.answer.contains("常態化申請"), "{}", answer.answer);
        assert!(!answer.answer.contains("常态化"), "{}", answer.answer);
    }

    fn after(previous: &str, question: &str) -> Answer {
        policy().answer_after(question, Some(previous), Lang::Zh).unwrap()
    }

    #[test]
    fn a_follow_up_is_read_with_the_previous_question() {
        let answer = after("高级技师能落户吗？", "那我老婆孩子呢？");
        assert!(answer.found && answer.answer.contains("配偶、子女"), "{}", answer.answer);
        let answer = after("Can a senior technician get hukou in Zhanjiang?", "And my kids?");
        assert!(answer.found && answer.answer.contains("children"), "{}", answer.answer);
        let answer = after("省级技能大师工作室带头人算几类？", "那全国技术能手呢？");
        assert!(answer.answer.starts_with("全国技术能手荣誉称号获得者属于湛江市高层次人才A类"), "{}", answer.answer);
    }

    #[test]
    fn a_question_that_stands_on_its_own_is_answered_as_it_is() {
        let answer = after("人才公寓怎么申请？", "世界技能大赛获奖者属于哪一类人才？");
        assert!(answer.answer.starts_with("世界技能大赛获奖者属于湛江市高层次人才A类"), "{}", answer.answer);
        let answer = after("世界技能大赛获奖者属于哪一类人才？", "人才公寓怎么申请？");
        assert!(answer.answer.contains("常态化申请") && !answer.answer.contains("A类"), "{}", answer.answer);
    }

    #[test]
    fn a_follow_up_asking_what_the_policy_does_not_state_is_still_refused() {
        let answer = after("人才公寓怎么申请？", "需要什么材料？");
        assert!(!answer.found, "{}", answer.answer);
    }

    #[test]
    fn a_bare_question_asks_about_what_the_part_before_it_names() {
        let asked = |question: &str| {
            let policy = policy();
            policy
                .read(&policy.fold(question), None)
                .asks
                .iter()
                .map(|asked| asked.ask.kind.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(asked("世界技能大赛得奖，会唔会俾奖金？几多？"), ["amount of money"]);
        assert!(asked("世界技能大赛得奖，会唔会俾奖金？").is_empty());
    }

    #[test]
    fn a_list_holds_only_what_the_policy_names_on_it() {
        for unnamed in [
            "28项公共服务优惠有冇包括睇医生优先？",
            "is pastry chef on the list of skills they urgently need?",
            "电焊工算不算紧缺的技能人才？在不在那个引进目录里？",
        ] {
            let answer = ask(unnamed);
            assert!(!answer.found, "{unnamed}: {}", answer.answer);
        }
        let answer = ask("28项公共服务优惠包不包括子女入学？");
        assert!(answer.found && answer.answer.contains("子女入学"), "{}", answer.answer);
    }

    #[test]
    fn a_passage_covering_twice_as_much_leads_when_the_signals_nearly_agree() {
        let answer = ask("一事双证是啥意思 考一次拿两个证吗");
        assert!(answer.found && answer.answer.contains("一试双证"), "{}", answer.answer);
    }

    #[test]
    fn a_fragment_is_completed_by_its_neighbour() {
        let answer = ask("有没有人才落户绿色通道？");
        assert!(answer.answer.contains("设立人才落户绿色通道；"), "{}", answer.answer);
        assert!(answer.sources[0].text.chars().count() > "设立人才落户绿色通道；".chars().count(), "{answer:?}");
    }

    fn refused_kindly(question: &str, lang: Lang, expected: &str) {
        let answer = policy().answer(question, lang).unwrap();
        assert!(!answer.found, "{question:?} was answered: {}", answer.answer);
        assert_eq!(answer.lang, lang);
        assert!(answer.answer.contains(expected), "{question:?} got {}", answer.answer);
    }

    #[test]
    fn an_empty_or_blank_message_gets_a_prompt() {
        refused_kindly("", Lang::Zh, "请直接输入");
        refused_kindly("  \t \n ", Lang::En, "Please type your question");
    }

    #[test]
    fn a_very_long_message_is_bounded() {
        refused_kindly(&"人才公寓".repeat(2_600), Lang::Zh, "太长");
        refused_kindly(&"apartment ".repeat(1_100), Lang::En, "too long");
    }

    #[test]
    fn emoji_only_asks_for_words_in_the_users_language() {
        refused_kindly("😀🙏🏻🎉", Lang::Zh, "文字");
        refused_kindly("😀🙏🏻🎉", Lang::ZhHant, "文字");
        refused_kindly("？？？!!!", Lang::En, "words");
    }

    #[test]
    fn control_characters_are_ignored() {
        let answer = ask("人才公寓\u{0}怎么\u{7}申请\u{1b}[31m？");
        assert!(answer.found && answer.answer.contains("常态化申请"), "{}", answer.answer);
    }

    #[test]
    fn mixed_scripts_are_understood() {
        let answer = ask("请问 talent apartment 怎么申请？");
        assert!(answer.found && answer.answer.contains("人才公寓"), "{}", answer.answer);
        let answer = ask("How do I apply for 人才公寓?");
        assert_eq!(answer.lang, Lang::En);
        assert!(answer.found && answer.answer.contains("talent apartment"), "{}", answer.answer);
    }

    #[test]
    fn sql_and_html_are_just_text() {
        let answer = ask("'; DROP TABLE applications; --");
        assert!(!answer.found && answer.lang == Lang::En, "{answer:?}");
        let answer = ask("<script>alert('人才公寓')</script>");
        assert!(!answer.answer.contains("<script>"), "{}", answer.answer);
    }
}
