//! What the bot says in its own words (not the policy's), in Chinese and English; Traditional
//! Chinese is derived from the Simplified text. City-specific parts come from the corpus.

use crate::lang::Lang;
use crate::policy::Policy;
use crate::smalltalk::SmallTalk;

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
    /// The reply to small talk.
    SmallTalk(SmallTalk),
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
            Self::SmallTalk(kind) => match kind {
                SmallTalk::Greeting => Self::Welcome.zh(policy),
                SmallTalk::Thanks => "不客气！还有其他问题，随时问我。".to_owned(),
                SmallTalk::Acknowledgement => "好的。还有其他问题，随时问我。".to_owned(),
                SmallTalk::Goodbye => "再见！祝您在{city}工作生活顺利，有问题随时回来问我。".replace("{city}", &manifest.city.zh),
                SmallTalk::Identity => format!(
                    "我是{}人才政策咨询助手（自动回复的机器人），根据《{title}》回答问题并注明出处条款，\n\
                     也可以帮您办理人才认定、人才公寓、落户等申请。如需人工咨询，请联系{contact}。",
                    manifest.city.zh
                ),
                SmallTalk::Capabilities => format!(
                    "我可以：\n· 回答{topics}政策问题，并注明出处条款；\n· 告诉您属于哪类人才（A/B/C类）及待遇；\n\
                     · 引导您办理申请并查询进度。\n直接输入问题即可，例如“{example}”"
                ),
                SmallTalk::Handover => format!(
                    "好的，需要人工帮助请联系{contact}。\n我已把您的问题记录下来，供工作人员改进服务。"
                ),
            },
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
            Self::SmallTalk(kind) => match kind {
                SmallTalk::Greeting => Self::Welcome.en(policy),
                SmallTalk::Thanks => "You're welcome! Ask me anything else at any time.".to_owned(),
                SmallTalk::Acknowledgement => "All right. Ask me anything else at any time.".to_owned(),
                SmallTalk::Goodbye => {
                    format!("Goodbye! All the best in {}; come back whenever you have a question.", manifest.city.en)
                }
                SmallTalk::Identity => format!(
                    "I am {}'s talent-policy assistant, an automated bot: I answer from the \"{title}\", quoting the \
                     clause, and help you apply for talent recognition, a talent apartment, household registration and more. \
                     To talk to a person, please contact {contact}.",
                    manifest.city.en
                ),
                SmallTalk::Capabilities => format!(
                    "I can:\n· answer questions on {topics}, quoting the clause;\n· tell you which talent tier (A/B/C) you \
                     are in and what it brings;\n· guide you through an application and show its progress.\nJust type \
                     your question, e.g. \"{example}\""
                ),
                SmallTalk::Handover => format!(
                    "To talk to a person, please contact {contact}.\nI have noted your \
                     question so that staff can improve this service."
                ),
            },
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
