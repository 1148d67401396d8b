//! The console's own words in Chinese (the default) and English: one table, looked up by key
//! from the templates (`page.t("applications")`). A key missing from the table shows as
//! `⟦key⟧`, which every page's test looks for.

/// (key, Chinese, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("console", "人才政策服务 · 工作台", "Talent policy desk"),
    ("switch_lang", "English", "中文"),
    ("login_title", "工作人员登录", "Staff sign-in"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("sign_in", "登录", "Sign in"),
];

/// The language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ui {
    /// Chinese.
    #[default]
    Zh,
    /// English.
    En,
}

impl Ui {
    /// The language a cookie value names (Chinese unless it says English).
    pub fn from_code(code: Option<&str>) -> Self {
        if code == Some("en") { Self::En } else { Self::Zh }
    }

    /// Its code (`zh`, `en`), for the cookie and the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// The word `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        match WORDS.iter().find(|(known, _, _)| *known == key) {
            Some((_, zh, en)) => match self {
                Self::Zh => zh,
                Self::En => en,
            },
            None => {
                tracing::error!(key, "the console has no word for this key");
                "⟦missing word⟧"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_listed_once_with_both_languages() {
        for (index, (key, zh, en)) in WORDS.iter().enumerate() {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
            assert!(WORDS[..index].iter().all(|(other, _, _)| other != key), "{key} twice");
        }
        assert_eq!(Ui::En.t("sign_in"), "Sign in");
        assert_eq!(Ui::Zh.t("no such key"), "⟦missing word⟧");
    }
}
