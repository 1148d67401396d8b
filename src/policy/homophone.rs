//! Words that voice input and pinyin typing turn into homophones (人才工寓 for 人才公寓, 落互 for
//! 落户, 获将 for 获奖): a question's runs of characters are compared with the policy's own words by
//! their pinyin, and a run that is no word but sounds like a policy word is read as that word.

use rustc_hash::{FxHashMap, FxHashSet};

use pinyin::{Pinyin, ToPinyin};

use crate::lang::is_han;

/// The longest policy word looked for, in characters.
const LONGEST: usize = 6;
/// Runs shorter than this must sound exactly like the policy word; longer ones may also differ by
/// the sounds southern speakers and speech recognisers confuse (zh/z, in/ing, l/n …).
const FUZZY_FROM: usize = 3;
/// Runs this long that sound exactly like a policy word may start or end inside a word of the
/// question: the segmenter cuts a slip as it cuts any text (一是双正是啥 as 一/是/双/正是/啥), and
/// four syllables matching a policy word are no accident.
const UNALIGNED_FROM: usize = 4;

/// The policy's words by how they sound.
#[derive(Debug, Default)]
pub struct Homophones {
    words: FxHashSet<String>,
    exact: FxHashMap<String, Vec<String>>,
    fuzzy: FxHashMap<String, Vec<String>>,
    function: FxHashSet<char>,
}

/// A run of a question read as a policy word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// The characters as written.
    pub written: String,
    /// The policy word they sound like.
    pub word: String,
}

impl Homophones {
    /// The sound table of `words` (the policy's words of two or more characters; others are
    /// ignored). Where two words sound alike, a slip is read as the one that shares most
    /// characters with it (技市 as 技师, not 及时), then as the first one given. `function` are
    /// common function characters (才, 等, 不): a two-character run with one of them is a phrase
    /// (才够, 等几个月), not a slip.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>, function: FxHashSet<char>) -> Self {
        let mut table = Self { function, ..Self::default() };
        for word in words {
            let length = word.chars().count();
            if !(2..=LONGEST).contains(&length) || !word.chars().all(is_han) || !table.words.insert(word.to_owned()) {
                continue;
            }
            let key = word.chars().map(reading).collect::<Vec<_>>().join(" ");
            if length >= FUZZY_FROM {
                table.fuzzy.entry(fuzzy(&key)).or_default().push(word.to_owned());
            }
            table.exact.entry(key).or_default().push(word.to_owned());
        }
        table
    }

    /// `text` read with every run that sounds like a policy word but is no word of its own read as
    /// that word, longest runs first, and the repairs made. `tokens` is `text` cut into words
    /// (they join to `text`): a run must start and end where words do, so 给多 in 给多少钱 is not
    /// a run, and a run that is one word of two or more characters (时间, not 实践) is meant as
    /// written. A repair never cuts through a policy word written correctly.
    pub fn repair(&self, text: &str, tokens: &[&str]) -> (String, Vec<Repair>) {
        let chars: Vec<char> = text.chars().collect();
        let readings: Vec<&'static str> = chars.iter().map(|&c| reading(c)).collect();
        let mut starts = vec![false; chars.len() + 1];
        let mut whole_words = FxHashSet::default();
        let mut at = 0;
        for token in tokens {
            let length = token.chars().count();
            starts[at] = true;
            if length >= 2 {
                whole_words.insert((at, at + length));
            }
            at += length;
        }
        starts[at.min(chars.len())] = true;
        let run = |start: usize, end: usize| chars[start..end].iter().collect::<String>();
        let written = self.written_words(&chars);
        let mut found: Vec<(usize, usize, &String)> = Vec::new();
        for length in (2..=LONGEST.min(chars.len())).rev() {
            for start in 0..=chars.len() - length {
                let end = start + length;
                let overlaps = |&(s, e): &(usize, usize)| s < end && start < e;
                let cuts_through = |span: &(usize, usize)| overlaps(span) && !(start <= span.0 && span.1 <= end);
                let aligned = starts[start] && starts[end];
                if (!aligned && length < UNALIGNED_FROM)
                    || whole_words.contains(&(start, end))
                    || (length < FUZZY_FROM && chars[start..end].iter().any(|c| self.function.contains(c)))
                    || readings[start..end].iter().any(|r| r.is_empty())
                    || found.iter().any(|&(s, e, _)| overlaps(&(s, e)))
                    || written.iter().any(|span| cuts_through(span) || *span == (start, end))
                {
                    continue;
                }
                if let Some(word) = self.sounding_like(&chars[start..end], &readings[start..end], aligned) {
                    found.push((start, end, word));
                }
            }
        }
        found.sort_unstable_by_key(|&(start, ..)| start);
        let mut out = String::with_capacity(text.len());
        let mut repairs = Vec::with_capacity(found.len());
        let mut at = 0;
        for (start, end, word) in found {
            out.extend(&chars[at..start]);
            out.push_str(word);
            repairs.push(Repair { written: run(start, end), word: word.clone() });
            at = end;
        }
        out.extend(&chars[at..]);
        (out, repairs)
    }

    /// The spans of `chars` that are policy words as written, longest first from the left.
    fn written_words(&self, chars: &[char]) -> Vec<(usize, usize)> {
        let mut written = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            let longest = (2..=LONGEST).rev().find(|&length| {
                at + length <= chars.len() && self.words.contains(&chars[at..at + length].iter().collect::<String>())
            });
            match longest {
                Some(length) => {
                    written.push((at, at + length));
                    at += length;
                }
                None => at += 1,
            }
        }
        written
    }

    /// The policy word that the run `chars`, read `readings`, sounds like; only exactly alike
    /// unless the run is `aligned` with the question's words.
    fn sounding_like(&self, chars: &[char], readings: &[&'static str], aligned: bool) -> Option<&String> {
        let key = readings.join(" ");
        let alike = self
            .exact
            .get(&key)
            .or_else(|| (aligned && chars.len() >= FUZZY_FROM).then(|| self.fuzzy.get(&fuzzy(&key))).flatten())?;
        let shared = |word: &String| word.chars().filter(|c| chars.contains(c)).count();
        alike.iter().rev().max_by_key(|word| shared(word))
    }
}

/// The common toneless reading of a character; empty for anything but a Chinese character. Only
/// the common reading: a speech recogniser writes the character whose usual sound it heard, and
/// rarer readings (度 as duó) would make 给多 sound like 季度.
fn reading(c: char) -> &'static str {
    if is_han(c) { c.to_pinyin().map_or("", Pinyin::plain) } else { "" }
}

/// A reading with the distinctions that southern Mandarin and speech recognisers blur removed.
fn fuzzy(key: &str) -> String {
    key.split(' ')
        .map(|syllable| {
            let mut syllable = syllable.to_owned();
            for (from, to) in [("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n")] {
                if let Some(rest) = syllable.strip_prefix(from) {
                    syllable = format!("{to}{rest}");
                    break;
                }
            }
            for (from, to) in [("ing", "in"), ("eng", "en"), ("ang", "an")] {
                if let Some(rest) = syllable.strip_suffix(from) {
                    syllable = format!("{rest}{to}");
                    break;
                }
            }
            syllable
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Homophones {
        Homophones::new(
            [
                "人才公寓",
                "落户",
                "获奖",
                "技师",
                "带头人",
                "企业年金",
                "实践",
                "税前扣除",
                "季度",
                "等级",
                "薪酬",
                "一试双证",
            ],
            ['等', '不'].into_iter().collect(),
        )
    }

    /// `text` cut into the given words ("/"-separated) and repaired.
    fn repair(cut: &str) -> String {
        let tokens: Vec<&str> = cut.split('/').collect();
        table().repair(&tokens.concat(), &tokens).0
    }

    #[test]
    fn runs_that_sound_like_policy_words_are_read_as_them() {
        assert_eq!(repair("人才/工/寓/怎么/申请"), "人才公寓怎么申请");
        assert_eq!(repair("技/市/能/落/互/吗"), "技师能落户吗");
        assert_eq!(repair("大赛/获/将/了"), "大赛获奖了");
        assert_eq!(repair("工作室/代/头人"), "工作室带头人");
    }

    #[test]
    fn longer_runs_may_differ_by_the_sounds_people_blur() {
        assert_eq!(repair("企业/年/经"), "企业年金");
        assert_eq!(repair("能/在/睡前/扣除/吗"), "能在税前扣除吗");
    }

    #[test]
    fn real_words_and_policy_words_stay_as_written() {
        assert_eq!(repair("我们/什么/时间/能/办"), "我们什么时间能办");
        assert_eq!(repair("人才公寓/和/落户"), "人才公寓和落户");
        assert_eq!(repair("apply/ /人才公寓/ /now"), "apply 人才公寓 now");
    }

    #[test]
    fn two_characters_need_not_share_one_but_a_function_character_is_no_slip() {
        assert_eq!(repair("心/愁/分配"), "薪酬分配");
        assert_eq!(repair("要/等/几/个月"), "要等几个月");
    }

    #[test]
    fn a_run_does_not_cut_through_a_word() {
        assert_eq!(repair("政府/给/多少钱"), "政府给多少钱");
        assert_eq!(repair("我/是/技师"), "我是技师");
    }

    #[test]
    fn a_long_run_that_sounds_exactly_alike_may_end_inside_a_word() {
        assert_eq!(repair("一/是/双/正是/啥/意思"), "一试双证是啥意思");
        assert_eq!(repair("政府/给/多少钱"), "政府给多少钱");
    }

    #[test]
    fn repairs_are_reported() {
        let (_, repairs) = table().repair("落互", &["落", "互"]);
        assert_eq!(repairs, [Repair { written: "落互".into(), word: "落户".into() }]);
    }

    #[test]
    fn fuzzy_readings_fold_retroflex_and_nasal_endings() {
        assert_eq!(fuzzy("zhi ying"), "zi yin");
        assert_eq!(fuzzy("lao shang"), "nao san");
    }
}
