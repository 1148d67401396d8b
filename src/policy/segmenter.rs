//! Word segmentation: jieba for Chinese (registered with tantivy through cang-jie), a stemming
//! analyzer for English, and a filter that keeps only tokens with letters or digits in them.
//!
//! The dictionary is jieba's own (MIT), pruned to the 136,547 words with a frequency of at least
//! 5 (`awk '$2 >= 5' jieba-rs/src/data/dict.txt`): the 212,000 rarest words cost three quarters
//! of the load time and most of the memory, and the policy's own terms are added back on top.

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

/// Splits Chinese text into words with the jieba dictionary plus the policy's own terms.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
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
        for word in words {
            jieba.add_word(word, None, None);
        }
        Self { jieba: Arc::new(jieba) }
    }

    /// The analyzer for the Chinese index field: jieba's search mode (a long word and its
    /// dictionary sub-words), lowercased, punctuation dropped.
    pub fn chinese_analyzer(&self) -> TextAnalyzer {
        let tokenizer =
            CangJieTokenizer { worker: Arc::clone(&self.jieba), option: TokenizerOption::ForSearch { hmm: true } };
        TextAnalyzer::builder(tokenizer).filter(LowerCaser).filter(ContentFilter).build()
    }

    /// The words of `text` in jieba's default (non-overlapping) mode, lowercased, without
    /// punctuation: the units a question is made of. Only dictionary words are formed (no HMM
    /// guessing), so an unknown run stays in characters rather than gluing 能 to a verb.
    pub fn words(&self, text: &str) -> Vec<Word> {
        self.jieba
            .tag(text, false)
            .into_iter()
            .filter(|tag| has_content(tag.word))
            .map(|tag| Word { text: tag.word.to_lowercase(), noun: tag.tag.starts_with('n') || tag.tag == "vn" })
            .collect()
    }
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

/// All token texts `analyzer` produces for `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        tokens.push(stream.token().text.clone());
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
    fn nouns_are_told_from_other_words() {
        let words = Segmenter::new([]).words("护照过期了");
        assert_eq!(words[0], Word { text: "护照".into(), noun: true });
        assert!(words.iter().skip(1).all(|w| !w.noun), "{words:?}");
    }

    #[test]
    fn english_is_lowercased_and_stemmed() {
        assert_eq!(tokens(&mut english_analyzer(), "Talent Apartments, applied!"), ["talent", "apart", "appli"]);
    }
}
