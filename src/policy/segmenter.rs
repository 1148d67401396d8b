//! Word segmentation: jieba for Chinese (registered with tantivy through cang-jie), a stemming
//! analyzer for English, and a filter that keeps only tokens with letters or digits in them.
//!
//! The dictionary is jieba's own (MIT), pruned to the 136,547 words with a frequency of at least
//! 5 (`awk '$2 >= 5' jieba-rs/src/data/dict.txt`): the 212,000 rarest words cost three quarters
//! of the load time and most of the memory, and the policy's own terms are added back on top.

use rustc_hash::FxHashSet;
use std::sync::Arc;

use cang_jie::{CangJieTokenizer, TokenizerOption};
use jieba_rs::Jieba;
use tantivy::tokenizer::{
    Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

use crate::lang::is_han;

/// jieba's dictionary without its rarest words (`word frequency tag` per line).
const DICTIONARY: &str = include_str!("jieba-common.dict.txt");

/// Name of the Chinese analyzer in the index's tokenizer manager.
pub const CHINESE: &str = "policy_zh";
/// Name of the English analyzer in the index's tokenizer manager.
pub const ENGLISH: &str = "policy_en";
/// Name of the character-bigram analyzer in the index's tokenizer manager.
pub const BIGRAMS: &str = "policy_bigrams";

/// Splits Chinese text into words with the jieba dictionary plus the policy's own terms.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
    /// The added words, which a modifier and its noun joined by 的 may spell (特别嘅职位).
    terms: Arc<FxHashSet<String>>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Segmenter")
    }
}

impl Segmenter {
    /// Loads jieba's dictionary and adds `words` (policy terms that must stay whole, such as
    /// 人才公寓) so they are found both as themselves and through their parts.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = Jieba::empty();
        jieba.load_dict(&mut DICTIONARY.as_bytes()).expect("the embedded dictionary is well-formed");
        let mut terms = FxHashSet::default();
        for word in words {
            jieba.add_word(word, None, None);
            terms.insert(word.to_lowercase());
        }
        Self { jieba: Arc::new(jieba), terms: Arc::new(terms) }
    }

    /// The analyzer for the Chinese index field: jieba's search mode (a long word and its
    /// dictionary sub-words), lowercased, punctuation dropped.
    pub fn chinese_analyzer(&self) -> TextAnalyzer {
        let tokenizer =
            CangJieTokenizer { worker: Arc::clone(&self.jieba), option: TokenizerOption::ForSearch { hmm: true } };
        TextAnalyzer::builder(tokenizer).filter(LowerCaser).filter(ContentFilter).build()
    }

    /// `text` cut into words (jieba's default mode, dictionary words only), every character kept.
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba.cut(text, false).into_iter().map(|token| token.word).collect()
    }

    /// The words of `text` in jieba's default (non-overlapping) mode, lowercased, without
    /// punctuation: the units a question is made of. Only dictionary words are formed (no HMM
    /// guessing), so an unknown run stays in characters rather than gluing 能 to a verb.
    pub fn words(&self, text: &str) -> Vec<Word> {
        let words = self
            .jieba
            .tag(text, false)
            .into_iter()
            .filter(|tag| has_content(tag.word))
            .map(|tag| Word { text: tag.word.to_lowercase(), noun: tag.tag.starts_with('n') || tag.tag == "vn" })
            .collect();
        self.joined_across_de(without_a_not_a(words))
    }

    /// `words` with each modifier and noun joined by 的 (嘅, 之) read as one word where together
    /// they are an added word: 特别/嘅/职位 is 特别职位, which the lexicon maps to 特设岗位.
    fn joined_across_de(&self, mut words: Vec<Word>) -> Vec<Word> {
        let mut at = 0;
        while at + 2 < words.len() {
            if DE.contains(&words[at + 1].text.as_str()) {
                let joined = format!("{}{}", words[at].text, words[at + 2].text);
                if self.terms.contains(&joined) {
                    let noun = words[at + 2].noun;
                    words.splice(at..at + 3, [Word { text: joined, noun }]);
                }
            }
            at += 1;
        }
        words
    }
}

/// The particles that join a modifier to its noun, in Mandarin and Cantonese (既 is a common slip
/// for 嘅).
const DE: [&str; 4] = ["的", "嘅", "之", "既"];

/// `words` with the first half of each A-not-A question dropped: 支/不/支持 is 支持 asked about,
/// 算/不算 is 算, and the pieces 支, 不 and 不算, words the policy never uses, would weigh as
/// unknown.
fn without_a_not_a(mut words: Vec<Word>) -> Vec<Word> {
    let mut at = 0;
    while at + 1 < words.len() {
        let mut first_chars = words[at].text.chars();
        let Some(c) = first_chars.next().filter(|_| first_chars.next().is_none()) else {
            at += 1;
            continue;
        };
        let next = &words[at + 1].text;
        let mut negated = next.chars();
        if let (Some(not), Some(again), None) = (negated.next(), negated.next(), negated.next())
            && super::asking::is_negation(&not.to_string())
            && again == c
        {
            words.remove(at + 1);
        } else if super::asking::is_negation(next) && words.get(at + 2).is_some_and(|word| word.text.starts_with(c)) {
            words.drain(at..at + 2);
        }
        at += 1;
    }
    words
}

/// What jieba's dictionary says of a word: how often it occurs in general Chinese text, and its
/// part of speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Its frequency in jieba's corpus.
    pub frequency: u32,
    /// Whether it names something or is a verb of substance (jieba tags n…, v…, j, b, l, i), rather
    /// than a pronoun, adverb, conjunction or particle.
    pub content: bool,
}

/// A single character more common than this, used as an adverb, particle, preposition, pronoun,
/// numeral, conjunction or interjection, is a function character.
const FUNCTION_FREQUENCY: u32 = 5_000;

/// The common function characters of the dictionary (才, 等, 不, 我, 几).
pub fn function_characters() -> std::collections::HashSet<char> {
    DICTIONARY
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let mut chars = fields.next()?.chars();
            let (c, None) = (chars.next()?, chars.next()) else { return None };
            let frequency: u32 = fields.next()?.parse().ok()?;
            let tag = fields.next()?;
            (frequency >= FUNCTION_FREQUENCY && tag.starts_with(['d', 'u', 'p', 'r', 'm', 'c', 'y', 'e'])).then_some(c)
        })
        .collect()
}

/// The dictionary entries of `words` (those the dictionary has).
pub fn entries(words: &std::collections::HashSet<&str>) -> std::collections::HashMap<String, Entry> {
    DICTIONARY
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let word = fields.next()?;
            if !words.contains(word) {
                return None;
            }
            let frequency = fields.next()?.parse().ok()?;
            let content = fields.next().is_some_and(|tag| tag.starts_with(['n', 'v', 'j', 'b', 'l', 'i']));
            Some((word.to_owned(), Entry { frequency, content }))
        })
        .collect()
}

/// A word of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word, lowercased.
    pub text: String,
    /// Whether jieba tags it as a noun: a thing asked about, rather than how.
    pub noun: bool,
}

/// The analyzer for English text: words, lowercased, Snowball-stemmed.
pub fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).filter(Stemmer::new(Language::English)).build()
}

/// The analyzer for Chinese character bigrams: every pair of neighbouring Chinese characters (a
/// lone character stands as itself). The standard CJK analysis of Lucene and Elasticsearch: it
/// needs no dictionary, so it survives segmentation errors, unknown words and typos.
pub fn bigram_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(HanBigrams).build()
}

/// Splits text into overlapping bigrams of Chinese characters.
#[derive(Clone, Copy)]
struct HanBigrams;

impl Tokenizer for HanBigrams {
    type TokenStream<'a> = ListedTokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ListedTokens {
        let mut tokens = Vec::new();
        let mut run: Vec<(usize, char)> = Vec::new();
        let mut flush = |run: &mut Vec<(usize, char)>| {
            let pairs: Vec<&[(usize, char)]> = if run.len() == 1 { vec![&run[..]] } else { run.windows(2).collect() };
            for pair in pairs {
                let (from, last) = (pair[0].0, pair[pair.len() - 1]);
                tokens.push(Token {
                    offset_from: from,
                    offset_to: last.0 + last.1.len_utf8(),
                    position: tokens.len(),
                    text: pair.iter().map(|&(_, c)| c).collect(),
                    position_length: 1,
                });
            }
            run.clear();
        };
        for (offset, c) in text.char_indices() {
            if is_han(c) {
                run.push((offset, c));
            } else if !run.is_empty() {
                flush(&mut run);
            }
        }
        if !run.is_empty() {
            flush(&mut run);
        }
        ListedTokens { tokens, next: 0 }
    }
}

/// A token stream over tokens made in advance.
struct ListedTokens {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for ListedTokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// All token texts `analyzer` produces for `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        tokens.push(stream.token().text.clone());
    }
    tokens
}

/// The tokens of `text` with the (lowercased) words they were made from: ("allow",
/// "allowances").
pub fn tokens_and_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        let token = stream.token();
        let word = text.get(token.offset_from..token.offset_to).unwrap_or_default().to_lowercase();
        tokens.push((token.text.clone(), word));
    }
    tokens
}

/// Whether a token carries meaning: it has a Chinese character, a letter or a digit.
pub fn has_content(token: &str) -> bool {
    token.chars().any(|c| c.is_alphanumeric() || is_han(c))
}

/// A token filter that drops punctuation, symbols and emoji.
#[derive(Clone, Copy)]
struct ContentFilter;

impl TokenFilter for ContentFilter {
    type Tokenizer<T: Tokenizer> = ContentFiltered<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ContentFiltered<T> {
        ContentFiltered(tokenizer)
    }
}

#[derive(Clone)]
struct ContentFiltered<T>(T);

impl<T: Tokenizer> Tokenizer for ContentFiltered<T> {
    type TokenStream<'a> = ContentStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ContentStream(self.0.token_stream(text))
    }
}

struct ContentStream<S>(S);

impl<S: TokenStream> TokenStream for ContentStream<S> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if has_content(&self.0.token().text) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_terms_stay_whole_and_are_also_found_by_their_parts() {
        let segmenter = Segmenter::new(["人才公寓"]);
        let words: Vec<_> = segmenter.words("人才公寓怎么申请？").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["人才公寓", "怎么", "申请"]);
        let tokens = tokens(&mut segmenter.chinese_analyzer(), "人才公寓怎么申请？");
        assert_eq!(tokens, ["人才", "公寓", "人才公寓", "怎么", "申请"]);
    }

    #[test]
    fn segmentation_lowercases_and_drops_punctuation_and_emoji() {
        let segmenter = Segmenter::new([]);
        let words: Vec<_> = segmenter.words("WorldSkills 获奖者！！😀").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["worldskills", "获奖者"]);
        let tokens = tokens(&mut segmenter.chinese_analyzer(), "AB，（一）😀");
        assert_eq!(tokens, ["ab", "一"]);
    }

    #[test]
    fn an_a_not_a_question_keeps_only_its_word() {
        let words: Vec<_> = Segmenter::new([]).words("政策支不支持").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["政策", "支持"]);
        let words: Vec<_> = Segmenter::new([]).words("电焊工算不算").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["电焊工", "算"]);
        let words: Vec<_> = Segmenter::new([]).words("支持不支持").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["支持", "不", "支持"]);
    }

    #[test]
    fn a_modifier_and_its_noun_joined_by_de_are_the_added_word_they_spell() {
        let words: Vec<_> =
            Segmenter::new(["特别职位"]).words("有没有特别嘅职位").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["有没有", "特别职位"]);
        let words: Vec<_> = Segmenter::new([]).words("特别的职位").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["特别", "的", "职位"]);
    }

    #[test]
    fn nouns_are_told_from_other_words() {
        let words = Segmenter::new([]).words("护照过期了");
        assert_eq!(words[0], Word { text: "护照".into(), noun: true });
        assert!(words.iter().skip(1).all(|w| !w.noun), "{words:?}");
    }

    #[test]
    fn chinese_runs_become_overlapping_bigrams() {
        assert_eq!(tokens(&mut bigram_analyzer(), "人才工寓，A类 落户"), ["人才", "才工", "工寓", "类", "落户"]);
        assert_eq!(tokens(&mut bigram_analyzer(), "税 tax 税收"), ["税", "税收"]);
        assert!(tokens(&mut bigram_analyzer(), "only english").is_empty());
    }

    #[test]
    fn english_is_lowercased_and_stemmed() {
        assert_eq!(tokens(&mut english_analyzer(), "Talent Apartments, applied!"), ["talent", "apart", "appli"]);
        assert_eq!(
            tokens_and_words(&mut english_analyzer(), "Mentoring Allowances"),
            [("mentor".to_owned(), "mentoring".to_owned()), ("allow".to_owned(), "allowances".to_owned())]
        );
    }
}
