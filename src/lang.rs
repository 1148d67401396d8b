//! The languages the bot speaks (Simplified and Traditional Chinese, English): detecting them in
//! free text and converting between the two Chinese scripts.

use std::fmt;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use serde::{Deserialize, Serialize};

/// A language a user can be answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    /// Simplified Chinese, the language of the policy.
    #[default]
    #[serde(rename = "zh")]
    Zh,
    /// Traditional Chinese (Hong Kong, Macau, Taiwan readers).
    #[serde(rename = "zh-Hant")]
    ZhHant,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The code used in JSON output, the CLI and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::ZhHant => "zh-Hant",
            Self::En => "en",
        }
    }

    /// Reads a language code or tag such as `zh`, `zh-hans`, `zh-TW`, `zh-Hant`, `en-US`
    /// (Telegram's `language_code`, the `--lang` flag). Unknown languages give `None`.
    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = code.split('-');
        match parts.next()? {
            "en" => Some(Self::En),
            "zh" => match parts.next() {
                Some("hant" | "tw" | "hk" | "mo") => Some(Self::ZhHant),
                _ => Some(Self::Zh),
            },
            _ => None,
        }
    }

    /// Whether answers are written in Chinese (either script).
    pub fn is_chinese(self) -> bool {
        !matches!(self, Self::En)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text in the two languages data and messages are written in; Traditional Chinese is derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// A text from its Chinese and English versions.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }

    /// The text in `lang` (Traditional converted from the Simplified version).
    pub fn render(&self, lang: Lang, scripts: &Scripts) -> String {
        match lang {
            Lang::En => self.en.clone(),
            Lang::Zh | Lang::ZhHant => scripts.localize(lang, &self.zh),
        }
    }
}

/// The OpenCC tables could not be loaded (a broken build, never bad input).
#[derive(Debug, thiserror::Error)]
#[error("cannot load the Chinese script converter: {0}")]
pub struct LangError(String);

/// Converts between Simplified and Traditional Chinese and tells which language a text is in.
pub struct Scripts {
    to_simplified: OpenCC,
    to_traditional: OpenCC,
}

impl fmt::Debug for Scripts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scripts")
    }
}

impl Scripts {
    /// Loads the conversion tables embedded in ferrous-opencc. Reading uses the Hong Kong table,
    /// which also folds Taiwan and OpenCC-standard variants (裡, 衞, 綫); writing uses the common
    /// Traditional forms (為, 裡, 戶, 稅) that readers in Hong Kong, Macau and Taiwan all type.
    pub fn new() -> Result<Self, LangError> {
        let load = |config| OpenCC::from_config(config).map_err(|err| LangError(err.to_string()));
        Ok(Self { to_simplified: load(BuiltinConfig::Hk2s)?, to_traditional: load(BuiltinConfig::S2tw)? })
    }

    /// The text with Traditional characters folded to Simplified (what the index holds).
    pub fn simplify(&self, text: &str) -> String {
        // Conversion walks the dictionary at every character; ASCII (an English question) has no
        // Traditional form.
        if text.is_ascii() { text.to_owned() } else { self.to_simplified.convert(text) }
    }

    /// The text in Traditional characters.
    pub fn traditionalize(&self, text: &str) -> String {
        self.to_traditional.convert(text)
    }

    /// The text in the script of `lang`: Traditional for `ZhHant`, unchanged otherwise.
    pub fn localize(&self, lang: Lang, text: &str) -> String {
        match lang {
            Lang::ZhHant => self.traditionalize(text),
            Lang::Zh | Lang::En => text.to_owned(),
        }
    }

    /// The language `text` is written in. Chinese that reads the same in both scripts, and text
    /// with no letters at all, keep the `preferred` language (the user's setting).
    pub fn detect(&self, text: &str, preferred: Lang) -> Lang {
        match written_in(text) {
            Written::English => Lang::En,
            Written::Neither => preferred,
            Written::Chinese => self.chinese_script(text, preferred),
        }
    }

    /// Simplified or Traditional, for Chinese `text`.
    fn chinese_script(&self, text: &str, preferred: Lang) -> Lang {
        let traditional = count_changed(text, &self.simplify(text));
        // Nothing Traditional: Simplified unless the user prefers Traditional, which only the
        // count of Simplified-only characters can overrule (the second conversion is skipped
        // where it could not change the outcome).
        if traditional == 0 && preferred != Lang::ZhHant {
            return Lang::Zh;
        }
        let simplified = count_changed(text, &self.traditionalize(text));
        match traditional.cmp(&simplified) {
            std::cmp::Ordering::Greater => Lang::ZhHant,
            std::cmp::Ordering::Less => Lang::Zh,
            // A Simplified keyboard rarely yields a Traditional-only character, while Hong Kong
            // Cantonese keeps a few Simplified-looking ones (多謝晒).
            std::cmp::Ordering::Equal if traditional > 0 => Lang::ZhHant,
            std::cmp::Ordering::Equal if preferred.is_chinese() => preferred,
            std::cmp::Ordering::Equal => Lang::Zh,
        }
    }
}

/// Whether `text` is English: it has Latin words and no Chinese, or more than twice as many Latin
/// words as Chinese characters. Unlike [`Scripts::detect`], needs no script conversion.
pub fn is_english(text: &str) -> bool {
    written_in(text) == Written::English
}

/// What a text is written in, before telling the Chinese scripts apart.
#[derive(Debug, PartialEq)]
enum Written {
    English,
    Chinese,
    /// No Chinese character and no Latin word (digits, emoji).
    Neither,
}

fn written_in(text: &str) -> Written {
    let han = text.chars().filter(|&c| is_han(c)).count();
    let latin_words = latin_words(text);
    // A Chinese question with an English term in it ("人才公寓 deposit?") is still Chinese;
    // an English question naming a Chinese term ("Can I get 人才公寓?") is English.
    match (han, latin_words) {
        (0, 0) => Written::Neither,
        (0, _) => Written::English,
        (han, latin) if latin * 2 > han => Written::English,
        _ => Written::Chinese,
    }
}

/// Whether `c` is a CJK ideograph.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn latin_words(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|word| word.len() >= 2).count()
}

/// How many characters differ between a text and its conversion (the conversions used here map
/// characters one to one, so a zip is exact).
fn count_changed(original: &str, converted: &str) -> usize {
    original.chars().zip(converted.chars()).filter(|(a, b)| a != b).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts() -> Scripts {
        Scripts::new().unwrap()
    }

    #[test]
    fn detects_simplified_traditional_and_english() {
        let s = scripts();
        assert_eq!(s.detect("高级技师能不能落户啊", Lang::Zh), Lang::Zh);
        assert_eq!(s.detect("世界技能大賽獲獎者屬於哪一類人才？", Lang::Zh), Lang::ZhHant);
        assert_eq!(s.detect("How long is a visa valid?", Lang::Zh), Lang::En);
        assert_eq!(s.detect("多謝晒！", Lang::Zh), Lang::ZhHant);
    }

    #[test]
    fn script_neutral_chinese_keeps_the_users_preference() {
        let s = scripts();
        assert_eq!(s.detect("人才公寓", Lang::ZhHant), Lang::ZhHant);
        assert_eq!(s.detect("人才公寓", Lang::En), Lang::Zh);
    }

    #[test]
    fn mixed_scripts_follow_the_majority() {
        let s = scripts();
        assert_eq!(s.detect("Can I apply for a 人才公寓 apartment here?", Lang::Zh), Lang::En);
        assert_eq!(s.detect("人才公寓的 deposit 是多少", Lang::En), Lang::Zh);
        assert!(is_english("Can I apply for a 人才公寓 apartment here?"));
        assert!(!is_english("人才公寓的 deposit 是多少"));
        assert!(!is_english("😀 123"));
    }

    #[test]
    fn text_without_letters_keeps_the_preference() {
        let s = scripts();
        assert_eq!(s.detect("😀😀 ？？ 123", Lang::En), Lang::En);
        assert_eq!(s.detect("", Lang::ZhHant), Lang::ZhHant);
    }

    #[test]
    fn traditional_round_trips_through_simplified() {
        let s = scripts();
        let traditional = "世界技能大賽獲獎者屬於哪一類人才？";
        let simplified = s.simplify(traditional);
        assert_eq!(simplified, "世界技能大赛获奖者属于哪一类人才？");
        assert_eq!(s.traditionalize(&simplified), traditional);
    }

    #[test]
    fn folding_covers_taiwan_and_hong_kong_variants() {
        assert_eq!(scripts().simplify("裡面 衞生 綫"), "里面 卫生 线");
    }

    #[test]
    fn language_codes_from_telegram_and_the_cli() {
        assert_eq!(Lang::from_code("zh-hans"), Some(Lang::Zh));
        assert_eq!(Lang::from_code("zh_TW"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_code("zh-Hant"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_code("en-US"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
    }
}
