//! The talent tier table (`tiers.toml`): which honours and qualifications put a person in tier
//! A, B or C, what recognition brings, and how a question names them.

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Deserialize;

use super::PolicyError;
use super::document::Document;
use crate::lang::Bilingual;

/// File name of the tier table in the corpus directory.
pub const TIERS_FILE: &str = "tiers.toml";
/// The longest tier item id (it travels in button data with a flow id, within 64 bytes).
pub const MAX_ITEM_ID: usize = 32;
/// A denial covers a level cue that starts at most this many bytes after it (不是全国的: 0).
const DENIAL_REACH: usize = 4;

/// Cue words in Chinese and English, as written in `tiers.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCues {
    zh: Vec<String>,
    en: Vec<String>,
}

/// Cue words in Chinese and English, found in one pass over a question.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawCues")]
struct Cues(AhoCorasick);

impl TryFrom<RawCues> for Cues {
    type Error = aho_corasick::BuildError;

    fn try_from(raw: RawCues) -> Result<Self, Self::Error> {
        AhoCorasick::new(raw.zh.iter().chain(&raw.en)).map(Self)
    }
}

impl Cues {
    /// Whether any cue occurs in `text`.
    fn occur_in(&self, text: &str) -> bool {
        self.0.is_match(text)
    }

    /// Where the cues occur in `text`, as byte spans; where cues overlap the longest wins.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> =
            self.0.find_overlapping_iter(text).map(|found| (found.start(), found.end())).collect();
        found.sort_by_key(|&(start, end)| (std::cmp::Reverse(end - start), start));
        let mut kept: Vec<(usize, usize)> = Vec::new();
        for span in found {
            if !kept.iter().any(|k| k.0 < span.1 && span.0 < k.1) {
                kept.push(span);
            }
        }
        kept.sort_unstable();
        kept
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    clause: u8,
    scheme: Bilingual,
    benefits: Bilingual,
    cues: Cues,
    levels: BTreeMap<String, Cues>,
    kinds: BTreeMap<String, Cues>,
    denials: Cues,
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
    levels: BTreeMap<String, Cues>,
    kinds: BTreeMap<String, Cues>,
    denials: Cues,
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
    /// The level of the honour (a key of `[levels]`), if the kind has levels.
    #[serde(default)]
    pub level: Option<String>,
    /// The kind of honour or qualification (a key of `[kinds]`).
    pub kind: String,
}

/// An item found in a question, with its tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierMatch<'a> {
    /// The tier.
    pub tier: &'a Tier,
    /// The item.
    pub item: &'a TierItem,
}

/// A kind or level named in a question, where.
#[derive(Debug, Clone, PartialEq)]
struct Mention<'a> {
    key: &'a str,
    start: usize,
    end: usize,
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
            levels: raw.levels,
            kinds: raw.kinds,
            denials: raw.denials,
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

    /// The items a question names (`text` is Simplified and lowercased), in the order it names
    /// them. An item is named by its kind and, where the kind has levels, by the level nearest to
    /// it that the question does not deny; a kind named without a level stands for each of its
    /// items (能手 → the national and the provincial award) — unless it has only one: a skills
    /// contest is not the WorldSkills Competition unless the question says so.
    pub fn find(&self, text: &str) -> Vec<TierMatch<'_>> {
        let levels = self.mentions(&self.levels, text);
        let denied: Vec<(usize, usize)> = self.denials.spans(text);
        let levels: Vec<&Mention<'_>> = levels
            .iter()
            .filter(|level| !denied.iter().any(|&(_, end)| end <= level.start && level.start - end <= DENIAL_REACH))
            .collect();
        let mut found: Vec<TierMatch<'_>> = Vec::new();
        for kind in self.mentions(&self.kinds, text) {
            let items = || self.items().filter(|m| m.item.kind == kind.key);
            let leveled = items().any(|m| m.item.level.is_some());
            let level = leveled.then(|| nearest(&levels, &kind)).flatten();
            if leveled && level.is_none() && items().count() == 1 {
                continue;
            }
            for candidate in items() {
                let fits = match (&candidate.item.level, level) {
                    (Some(wanted), Some(level)) => wanted == level.key,
                    _ => true,
                };
                if fits && !found.iter().any(|known| known.item.id == candidate.item.id) {
                    found.push(candidate);
                }
            }
        }
        found
    }

    /// Every item with its tier, from the highest tier down.
    fn items(&self) -> impl Iterator<Item = TierMatch<'_>> {
        self.tiers.iter().flat_map(|tier| tier.items.iter().map(move |item| TierMatch { tier, item }))
    }

    /// Where the cues of `table` occur in `text`, in order; a cue inside a longer one of another
    /// key is not a mention of its own.
    fn mentions<'a>(&self, table: &'a BTreeMap<String, Cues>, text: &str) -> Vec<Mention<'a>> {
        let mut found: Vec<Mention<'a>> = table
            .iter()
            .flat_map(|(key, cues)| cues.spans(text).into_iter().map(move |(start, end)| Mention { key, start, end }))
            .collect();
        found.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
        let mut kept: Vec<Mention<'a>> = Vec::new();
        for mention in found {
            if !kept.iter().any(|k| k.start < mention.end && mention.start < k.end) {
                kept.push(mention);
            }
        }
        kept.sort_by_key(|m| m.start);
        kept
    }

    /// Whether the question asks about a tier or what it brings (`text` Simplified, lowercased).
    pub fn asks_about_tier(&self, text: &str) -> bool {
        self.cues.occur_in(text)
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
            if !self.kinds.contains_key(&item.kind) {
                problems.push(format!("{TIERS_FILE}: item {} has kind {:?}, which [kinds] lacks", item.id, item.kind));
            }
            if let Some(level) = item.level.as_ref().filter(|level| !self.levels.contains_key(*level)) {
                problems.push(format!("{TIERS_FILE}: item {} has level {level:?}, which [levels] lacks", item.id));
            }
            if !clause_text.contains(&item.zh) {
                problems
                    .push(format!("{TIERS_FILE}: item {} ({:?}) is not in clause {}", item.id, item.zh, self.clause));
            }
            if item.id.is_empty() || item.id.len() > MAX_ITEM_ID {
                problems.push(format!("{TIERS_FILE}: item id {:?} must be 1 to {MAX_ITEM_ID} characters", item.id));
            }
            if !ids.insert(item.id.as_str()) {
                problems.push(format!("{TIERS_FILE}: item id {} appears twice", item.id));
            }
        }
        problems
    }
}

/// The level mention nearest to `kind`: before it (省级技能大师工作室) counts as nearer than after
/// it at the same distance (技能大师工作室，省级的).
fn nearest<'a, 'b>(levels: &[&'b Mention<'a>], kind: &Mention<'_>) -> Option<&'b Mention<'a>> {
    levels.iter().copied().min_by_key(|level| {
        if level.end <= kind.start {
            2 * (kind.start - level.end)
        } else if level.start >= kind.end {
            2 * (level.start - kind.end) + 1
        } else {
            0
        }
    })
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
    fn a_kind_takes_the_nearest_level_the_question_does_not_deny() {
        assert_eq!(
            tiers_of("我拿的是省里的能手奖，不是全国的，算几类人才？"),
            [("B".into(), "provincial-expert-award".into())]
        );
        assert_eq!(
            tiers_of("国家级的技能大师工作室带头人算哪个类"),
            [("A".into(), "national-master-studio-leader".into())]
        );
        assert_eq!(
            tiers_of("my colleague won the national technical expert title, not a provincial one"),
            [("A".into(), "national-technical-expert".into())]
        );
    }

    #[test]
    fn a_kind_without_a_level_stands_for_each_of_its_items() {
        assert_eq!(
            tiers_of("技术能手算几类"),
            [("A".into(), "national-technical-expert".into()), ("B".into(), "provincial-expert-award".into())]
        );
    }

    #[test]
    fn a_level_the_kind_does_not_have_names_no_item() {
        assert!(tiers_of("省级技能大赛获奖算几类").is_empty());
    }

    #[test]
    fn a_kind_with_one_leveled_item_needs_its_level() {
        assert!(tiers_of("if i win a prize in a skills contest, what category am i").is_empty());
        assert_eq!(tiers_of("技能比赛拿了世界冠军算几类"), [("A".into(), "worldskills-winner".into())]);
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
        broken.tiers[0].items[1].kind = "medal".into();
        assert_eq!(
            broken.problems(&document),
            [
                "tiers.toml: item worldskills-winner (\"奥运会冠军\") is not in clause 17",
                "tiers.toml: item china-skills-award has kind \"medal\", which [kinds] lacks"
            ]
        );
    }
}
