//! The question log for staff: the questions the bot could not answer, answered unsurely or
//! handed over, grouped by similarity with counts, most frequent first — so that staff see which
//! topics and words the corpus and lexicon lack (`policybot questions`, the web console).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use crate::lang::is_han;
use crate::store::questions::{Outcome, Question};

/// A question whose word-and-bigram set overlaps one of a group's this much (the share of the
/// smaller set found in the other) joins it.
const SAME_GROUP: f64 = 0.5;
/// A group is compared by this many of its questions at most (its first ones).
const COMPARED: usize = 20;
/// At most this many examples are shown of a group.
const EXAMPLES: usize = 3;

/// Questions that say much the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// How many questions.
    pub count: usize,
    /// A few of them, the most recent first.
    pub examples: Vec<String>,
    /// How many went each way.
    pub outcomes: BTreeMap<Outcome, usize>,
    /// How many were asked in each language.
    pub langs: BTreeMap<String, usize>,
    /// When the last one was asked (epoch ms).
    pub last_asked: i64,
    /// The best confidence the decision had in any of them, where it had one.
    pub best_confidence: Option<f64>,
}

/// Groups `questions` (as the store returns them, oldest first), most frequent first, the most
/// recently asked first among equals. `fold` reads a question as the comparison should see it
/// (Simplified, lowercased).
pub fn group(questions: &[Question], fold: impl Fn(&str) -> String) -> Vec<Group> {
    let mut groups: Vec<(Vec<HashSet<String>>, Group)> = Vec::new();
    for question in questions.iter().rev() {
        let features = features(&fold(&question.text));
        let likeness = |members: &Vec<HashSet<String>>| {
            members.iter().map(|member| overlap(member, &features)).fold(0.0, f64::max)
        };
        let found = groups
            .iter_mut()
            .map(|(members, group)| (likeness(members), members, group))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match found {
            Some((score, members, group)) if score >= SAME_GROUP => {
                group.count += 1;
                if group.examples.len() < EXAMPLES && !group.examples.contains(&question.text) {
                    group.examples.push(question.text.clone());
                }
                *group.outcomes.entry(question.outcome).or_default() += 1;
                *group.langs.entry(question.lang.clone()).or_default() += 1;
                group.best_confidence = max_option(group.best_confidence, question.confidence);
                if members.len() < COMPARED {
                    members.push(features);
                }
            }
            _ => groups.push((
                vec![features],
                Group {
                    count: 1,
                    examples: vec![question.text.clone()],
                    outcomes: BTreeMap::from([(question.outcome, 1)]),
                    langs: BTreeMap::from([(question.lang.clone(), 1)]),
                    last_asked: question.asked_at,
                    best_confidence: question.confidence,
                },
            )),
        }
    }
    let mut groups: Vec<Group> = groups.into_iter().map(|(_, group)| group).collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_asked.cmp(&a.last_asked)));
    groups
}

/// What a question is compared by: its Chinese character bigrams and its Latin words.
fn features(text: &str) -> HashSet<String> {
    let mut features = HashSet::new();
    let han: Vec<char> = text.chars().filter(|&c| is_han(c)).collect();
    features.extend(han.windows(2).map(|pair| pair.iter().collect::<String>()));
    if han.len() == 1 {
        features.insert(han[0].to_string());
    }
    let words: BTreeSet<&str> =
        text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| word.len() > 2).collect();
    features.extend(words.into_iter().map(str::to_owned));
    features
}

/// The share of the smaller set that is in the other (the overlap coefficient): a short question
/// and a longer one with context around the same words are alike.
fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 { 0.0 } else { a.intersection(b).count() as f64 / smaller as f64 }
}

fn max_option(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(text: &str, at: i64, outcome: Outcome, lang: &str) -> Question {
        Question { asked_at: at, lang: lang.into(), outcome, text: text.into(), confidence: None }
    }

    #[test]
    fn similar_questions_are_grouped_and_counted_most_frequent_first() {
        let questions = [
            question("人才公寓租金多少", 1, Outcome::Refused, "zh"),
            question("湛江明天下雨吗", 2, Outcome::Refused, "zh"),
            question("人才公寓的租金是多少", 3, Outcome::Refused, "zh"),
            question("人才公寓租金多少钱一个月", 4, Outcome::Uncertain, "zh-Hant"),
            question("talk to a person", 5, Outcome::Handover, "en"),
        ];
        let groups = group(&questions, |text| text.to_lowercase());
        assert_eq!(groups.len(), 3, "{groups:?}");
        assert_eq!(groups[0].count, 3);
        assert_eq!(groups[0].examples[0], "人才公寓租金多少钱一个月");
        assert_eq!(groups[0].outcomes, BTreeMap::from([(Outcome::Refused, 2), (Outcome::Uncertain, 1)]));
        assert_eq!(groups[0].langs.get("zh-Hant"), Some(&1));
        assert_eq!(groups[0].last_asked, 4);
        assert_eq!(groups[1].count, 1);
        assert_eq!(groups[1].examples, ["talk to a person"]);
    }

    #[test]
    fn nothing_gives_no_groups() {
        assert!(group(&[], |text| text.to_owned()).is_empty());
    }
}
