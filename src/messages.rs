//! What the bot says in its own words (not the policy's), in Chinese and English; Traditional
//! Chinese is derived from the Simplified text. City-specific parts come from the corpus.

use crate::lang::Lang;
use crate::policy::Policy;

/// A message of the bot's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// The greeting for /start and /help.
    Welcome,
    /// The policy does not cover the question.
    NotCovered,
    /// The user sent nothing readable.
    Empty,
    /// The question is longer than the bot reads.
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Only symbols or emoji, no words.
    NoWords,
    /// Something broke on our side.
    Internal,
    /// A file the user sent could not be fetched from the messenger.
    FileNotReceived,
}

impl Message {
    fn zh(self, policy: &Policy) -> String {
        let manifest = policy.manifest();
        let (title, topics, contact) = (&policy.document().title, &manifest.topics.zh, &manifest.contact.zh);
        let example = manifest.examples.zh.first().map(String::as_str).unwrap_or_default();
        match self {
            Self::Welcome => {
                let examples: String = manifest.examples.zh.iter().map(|e| format!("\n· {e}")).collect();
                format!(
                    "您好！我根据《{title}》回答政策问题，并注明出处条款。\n您可以直接提问，例如：{examples}\n\
                     如需人工咨询，请联系{contact}。"
                )
            }
            Self::NotCovered => format!(
                "抱歉，《{title}》中没有与您的问题相关的规定，我不想拿不相干的条文来回答您。\n\
                 我可以解答：{topics}政策问题。\n如需人工咨询，请联系{contact}。"
            ),
            Self::Empty => format!("您好！请直接输入您想咨询的政策问题，例如“{example}”"),
            Self::TooLong { max } => {
                format!("您的消息太长了，我最多能读{max}个字。请用一两句话简要描述您的问题，例如“{example}”")
            }
            Self::NoWords => format!("我只能读懂文字哦。请用文字描述您的问题，例如“{example}”"),
            Self::Internal => format!("抱歉，系统暂时出了点问题，请稍后再试。如情况紧急，请联系{contact}。"),
            Self::FileNotReceived => "抱歉，您发送的文件没有收到，请重新发送一次。".to_owned(),
        }
    }

    fn en(self, policy: &Policy) -> String {
        let manifest = policy.manifest();
        let (title, topics, contact) = (&policy.translation().title, &manifest.topics.en, &manifest.contact.en);
        let example = manifest.examples.en.first().map(String::as_str).unwrap_or_default();
        match self {
            Self::Welcome => {
                let examples: String = manifest.examples.en.iter().map(|e| format!("\n· {e}")).collect();
                format!(
                    "Hello! I answer questions about the \"{title}\", quoting the clause each answer comes from.\n\
                     Just ask, for example:{examples}\nTo talk to a person, please contact {contact}."
                )
            }
            Self::NotCovered => format!(
                "Sorry, the \"{title}\" says nothing about this, and I would rather not answer with an unrelated \
                 clause.\nI can help with: {topics}.\nTo talk to a person, please contact {contact}."
            ),
            Self::Empty => format!("Hello! Please type your question about the policy, e.g. \"{example}\""),
            Self::TooLong { max } => format!(
                "Your message is too long: I read at most {max} characters. Please ask in a sentence or two, \
                 e.g. \"{example}\""
            ),
            Self::NoWords => format!("I can only read words. Please type your question, e.g. \"{example}\""),
            Self::Internal => {
                format!("Sorry, something went wrong on our side. Please try again later, or contact {contact}.")
            }
            Self::FileNotReceived => "Sorry, the file you sent did not reach me. Please send it again.".to_owned(),
        }
    }

    /// The message in `lang`.
    pub fn render(self, lang: Lang, policy: &Policy) -> String {
        match lang {
            Lang::En => self.en(policy),
            Lang::Zh | Lang::ZhHant => policy.scripts().localize(lang, &self.zh(policy)),
        }
    }
}
