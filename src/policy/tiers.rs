//! The talent tier table (`tiers.toml`): which honours and qualifications put a person in tier
//! A, B or C, what recognition brings, and how a question names them.

use regex::Regex;
use serde::Deserialize;

use super::PolicyError;
use super::document::Document;
use crate::lang::Bilingual;

/// File name of the tier table in the corpus directory.
pub const TIERS_FILE: &str = "tiers.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cues {
    zh: Vec<String>,
    en: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    clause: u8,
    scheme: Bilingual,
    benefits: Bilingual,
    cues: Cues,
    tier: Vec<Tier>,
}

/// The tier table of the policy.
#[derive(Debug, Clone)]
pub struct TierTable {
    /// The clause that defines the tiers.
    pub clause: u8,
    /// The name of the recognition scheme (湛江市高层次人才).
    pub scheme: Bilingual,
    /// What recognition brings, as the policy says it.
    pub benefits: Bilingual,
    cues: Cues,
    /// Tiers from the highest down.
    pub tiers: Vec<Tier>,
    /// Finds a tier named by its letter: A类, category B.
    letters: Regex,
}

/// One tier (A, B, C) and the items that qualify for it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The tier's letter.
    pub id: String,
    /// What qualifies, in the policy's words.
    #[serde(rename = "item")]
    pub items: Vec<TierItem>,
}

/// An honour or qualification that puts a person in a tier.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierItem {
    /// A stable identifier (used by the eligibility check and stored in applications).
    pub id: String,
    /// The policy's Chinese wording.
    pub zh: String,
    /// English wording.
    pub en: String,
    /// Other ways people name it (Simplified Chinese or lowercase English substrings).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// An item found in a question, with its tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierMatch<'a> {
    /// The tier.
    pub tier: &'a Tier,
    /// The item.
    pub item: &'a TierItem,
}

impl TierItem {
    fn names(&self) -> impl Iterator<Item = String> + '_ {
        [self.zh.clone(), self.en.to_lowercase()].into_iter().chain(self.aliases.iter().map(|a| a.to_lowercase()))
    }
}

impl TierTable {
    /// Reads `tiers.toml`.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let raw: RawTable = toml::from_str(text).map_err(|err| PolicyError::toml(TIERS_FILE, &err))?;
        let ids: Vec<String> = raw.tier.iter().map(|tier| regex::escape(&tier.id.to_lowercase())).collect();
        let ids = ids.join("|");
        let letters =
            Regex::new(&format!(r"(?:^|[^a-z])({ids})\s*(?:类|级|档)|\b(?:category|tier|class|list)\s+({ids})\b"))
                .map_err(|err| PolicyError::Lexicon { file: TIERS_FILE, message: format!("tier ids: {err}") })?;
        Ok(Self {
            clause: raw.clause,
            scheme: raw.scheme,
            benefits: raw.benefits,
            cues: raw.cues,
            tiers: raw.tier,
            letters,
        })
    }

    /// The tiers a question names by letter (A类, category B), in the table's order (`text`
    /// Simplified and lowercased).
    pub fn find_tiers(&self, text: &str) -> Vec<&Tier> {
        let named: Vec<String> = self
            .letters
            .captures_iter(text)
            .filter_map(|caps| caps.get(1).or_else(|| caps.get(2)))
            .map(|m| m.as_str().to_owned())
            .collect();
        self.tiers.iter().filter(|tier| named.contains(&tier.id.to_lowercase())).collect()
    }

    /// The items a question names (`text` is Simplified and lowercased). Where names overlap
    /// (技能大师工作室 inside 国家级技能大师工作室) the longest one wins.
    pub fn find(&self, text: &str) -> Vec<TierMatch<'_>> {
        let mut found: Vec<(usize, usize, TierMatch<'_>)> = Vec::new();
        for tier in &self.tiers {
            for item in &tier.items {
                let best = item
                    .names()
                    .filter_map(|name| text.find(&name).map(|start| (start, start + name.len())))
                    .max_by_key(|(start, end)| (end - start, std::cmp::Reverse(*start)));
                if let Some((start, end)) = best {
                    found.push((start, end, TierMatch { tier, item }));
                }
            }
        }
        let spans: Vec<(usize, usize)> = found.iter().map(|(s, e, _)| (*s, *e)).collect();
        let mut matches: Vec<(usize, TierMatch<'_>)> = found
            .into_iter()
            .filter(|(s, e, _)| !spans.iter().any(|(os, oe)| os <= s && e <= oe && (oe - os) > (e - s)))
            .map(|(s, _, m)| (s, m))
            .collect();
        matches.sort_by_key(|(start, _)| *start);
        matches.into_iter().map(|(_, m)| m).collect()
    }

    /// Whether the question asks about a tier or what it brings (`text` Simplified, lowercased).
    pub fn asks_about_tier(&self, text: &str) -> bool {
        self.cues.zh.iter().chain(&self.cues.en).any(|cue| text.contains(cue.as_str()))
    }

    /// The item with the given id and its tier.
    pub fn item(&self, id: &str) -> Option<TierMatch<'_>> {
        self.tiers
            .iter()
            .find_map(|tier| tier.items.iter().find(|item| item.id == id).map(|item| TierMatch { tier, item }))
    }

    /// The tier above `tier`, if any.
    pub fn above(&self, tier: &Tier) -> Option<&Tier> {
        let index = self.tiers.iter().position(|t| t.id == tier.id)?;
        index.checked_sub(1).map(|above| &self.tiers[above])
    }

    /// Every way the table disagrees with the policy text: a missing clause, an item or the
    /// benefits sentence not found in the clause, a duplicate id.
    pub fn problems(&self, document: &Document) -> Vec<String> {
        let mut problems = Vec::new();
        if document.clause(self.clause).is_none() {
            problems.push(format!("{TIERS_FILE}: clause {} does not exist", self.clause));
        }
        let clause_text: String =
            document.passages.iter().filter(|p| p.clause == self.clause).map(|p| p.text.as_str()).collect();
        if !clause_text.contains(&self.benefits.zh) {
            problems.push(format!("{TIERS_FILE}: benefits {:?} are not in clause {}", self.benefits.zh, self.clause));
        }
        let mut ids = std::collections::HashSet::new();
        for item in self.tiers.iter().flat_map(|tier| &tier.items) {
            if !clause_text.contains(&item.zh) {
                problems
                    .push(format!("{TIERS_FILE}: item {} ({:?}) is not in clause {}", item.id, item.zh, self.clause));
            }
            if !ids.insert(item.id.as_str()) {
                problems.push(format!("{TIERS_FILE}: item id {} appears twice", item.id));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::document::Document;

    fn table() -> TierTable {
        TierTable::parse(include_str!("../../corpus/tiers.toml")).unwrap()
    }

    fn tiers_of(text: &str) -> Vec<(String, String)> {
        table().find(text).iter().map(|m| (m.tier.id.clone(), m.item.id.clone())).collect()
    }

    #[test]
    fn finds_the_tier_of_each_honour() {
        assert_eq!(tiers_of("世界技能大赛获奖者属于哪一类人才"), [("A".into(), "worldskills-winner".into())]);
        assert_eq!(tiers_of("全国技术能手可以认定为哪类人才"), [("A".into(), "national-technical-expert".into())]);
        assert_eq!(tiers_of("具有高级技师（一级）资格的人"), [("C".into(), "senior-technician".into())]);
        assert_eq!(tiers_of("省部级能手奖获得者"), [("B".into(), "provincial-expert-award".into())]);
        assert_eq!(tiers_of("which category is a worldskills winner in?"), [("A".into(), "worldskills-winner".into())]);
    }

    #[test]
    fn the_longest_name_wins_where_names_overlap() {
        assert_eq!(
            tiers_of("省级技能大师工作室带头人算几类"),
            [("B".into(), "provincial-master-studio-leader".into())]
        );
        assert_eq!(tiers_of("国家级技能大师工作室带头人"), [("A".into(), "national-master-studio-leader".into())]);
    }

    #[test]
    fn several_items_are_found_in_order() {
        let found = tiers_of("我是高级技师，也是世赛获奖者");
        assert_eq!(found, [("C".into(), "senior-technician".into()), ("A".into(), "worldskills-winner".into())]);
    }

    #[test]
    fn nothing_is_found_in_an_unrelated_question() {
        assert!(tiers_of("人才公寓怎么申请").is_empty());
    }

    #[test]
    fn tiers_are_found_by_their_letter() {
        let table = table();
        let ids = |text: &str| table.find_tiers(text).iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids("a类人才有哪些"), ["A"]);
        assert_eq!(ids("b类和c类有什么区别"), ["B", "C"]);
        assert_eq!(ids("what is in category a?"), ["A"]);
        assert!(ids("cad类软件").is_empty());
        assert!(ids("人才公寓怎么申请").is_empty());
    }

    #[test]
    fn cues_tell_a_tier_question() {
        let table = table();
        assert!(table.asks_about_tier("世界技能大赛获奖者属于哪一类人才"));
        assert!(table.asks_about_tier("which tier is a senior technician"));
        assert!(!table.asks_about_tier("高级技师能不能落户"));
    }

    #[test]
    fn tiers_rank_from_a_down() {
        let table = table();
        let c = table.item("senior-technician").unwrap().tier;
        assert_eq!(table.above(c).unwrap().id, "B");
        assert!(table.above(&table.tiers[0]).is_none());
    }

    #[test]
    fn the_table_agrees_with_the_policy_text() {
        let document =
            Document::parse("zh", include_str!("../../corpus/zhanjiang-high-skill-talent-policy.zh.txt")).unwrap();
        assert_eq!(table().problems(&document), Vec::<String>::new());
        let mut broken = table();
        broken.tiers[0].items[0].zh = "奥运会冠军".into();
        assert_eq!(
            broken.problems(&document),
            ["tiers.toml: item worldskills-winner (\"奥运会冠军\") is not in clause 17"]
        );
    }
}
