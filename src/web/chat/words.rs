//! The chat page's own words (the bot's words come from the core): one table in Simplified
//! Chinese and English, Traditional Chinese converted from the Simplified as the bot's are.

use crate::lang::{Bilingual, Lang, Scripts};
use crate::web::words::{self, Table};

/// (key, Chinese, English).
const WORDS: &Table = &[
    ("title", "人才政策咨询", "Talent policy chat"),
    ("conversation", "对话记录", "Conversation"),
    ("bot", "政策助手", "Policy assistant"),
    ("you", "您", "You"),
    ("message_label", "您的问题或回答", "Your question or answer"),
    ("placeholder", "请输入您的问题", "Type your question"),
    ("send", "发送", "Send"),
    ("file_label", "选择照片或 PDF 文件（最大 20 MB）", "Choose a photo or PDF (at most 20 MB)"),
    ("menu", "菜单", "Menu"),
    ("language", "语言", "Language"),
    ("status", "我的申请进度", "My applications"),
    ("mydata", "我的数据", "My data"),
    ("forget", "删除我的数据", "Erase my data"),
    ("help", "帮助", "Help"),
    ("form_controls", "填表操作", "Form"),
    ("back_step", "返回上一步", "Back"),
    ("skip", "跳过", "Skip"),
    ("cancel", "取消", "Cancel"),
    (
        "offline",
        "网络连接中断，消息未发送。您输入的内容仍在输入框中，请稍后重试。",
        "The connection failed and nothing was sent. Your text is still in the box: try again in a moment.",
    ),
    ("empty", "请先输入内容。", "Please type something first."),
    (
        "too_long",
        "消息太长了：最多 2000 个字。请分几次发送。",
        "That message is too long: at most 2,000 characters. Please send it in parts.",
    ),
    (
        "file_too_large",
        "文件太大了：最大 20 MB。请压缩后再上传。",
        "That file is too large: at most 20 MB. Please make it smaller and upload it again.",
    ),
    ("expired", "页面已过期，请刷新页面后重试。", "This page has expired: reload it and try again."),
    (
        "too_many",
        "来自您网络的消息太多了，请稍等片刻再发。",
        "Too many messages from your network: please wait a moment.",
    ),
    (
        "bad_choice",
        "这个按钮已失效，请使用最新消息下的按钮。",
        "That button no longer works: please use the buttons under the latest message.",
    ),
    (
        "failed",
        "抱歉，系统暂时出错，您的消息未处理。请稍后重试。",
        "Sorry, something went wrong and your message was not handled. Please try again in a moment.",
    ),
    (
        "noscript",
        "提问和按钮无需 JavaScript；上传文件和自动接收进度更新需要启用 JavaScript。",
        "Questions and buttons work without JavaScript; uploading files and receiving updates as they come need it.",
    ),
    ("back", "返回对话", "Back to the conversation"),
];

/// The languages the switch offers, each named in itself, in full and as the switch shows it.
pub const LANGUAGES: [(Lang, &str, &str); 3] =
    [(Lang::Zh, "简体中文", "简"), (Lang::ZhHant, "繁體中文", "繁"), (Lang::En, "English", "EN")];

/// The page's words in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    lang: Lang,
    scripts: &'a Scripts,
}

impl<'a> Words<'a> {
    /// The words in `lang`.
    pub fn new(lang: Lang, scripts: &'a Scripts) -> Self {
        Self { lang, scripts }
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The word `key` (a key not in the table shows as `⟦key⟧`, which the page tests look for).
    pub fn t(&self, key: &str) -> String {
        match words::find(WORDS, "chat", key) {
            Some((zh, en)) => Bilingual::new(zh, en).render(self.lang, self.scripts),
            None => format!("⟦{key}⟧"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_listed_once_and_traditional_is_converted() {
        for (key, zh, en) in WORDS {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(words::repeated_keys(WORDS), Vec::<&str>::new());
        let scripts = Scripts::new().unwrap();
        assert_eq!(Words::new(Lang::En, &scripts).t("send"), "Send");
        assert_eq!(Words::new(Lang::ZhHant, &scripts).t("send"), "發送");
        assert_eq!(Words::new(Lang::Zh, &scripts).t("no such key"), "⟦no such key⟧");
    }
}
