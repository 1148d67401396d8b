//! E-mail addresses: RFC 5322 syntax (via `email_address`), restricted to the plain
//! `name@example.com` form people type in chat.

use std::fmt;

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};

use super::{Reason, normalize};
use crate::lang::Bilingual;

/// The longest address that can be delivered to (RFC 5321 path limit, RFC 3696 erratum 1690).
const MAX_LENGTH: usize = 254;

/// An e-mail address whose domain (ASCII-lowercased) has at least two labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// No `@` between the name and the domain.
    #[error("an e-mail address has an @ between the name and the domain")]
    MissingAt,
    /// Nothing before the `@`.
    #[error("an e-mail address has a name before the @")]
    MissingName,
    /// Nothing after the `@`.
    #[error("an e-mail address has a domain after the @")]
    MissingDomain,
    /// A domain without a dot (`name@localhost`), which cannot receive mail from the internet.
    #[error("the domain of an e-mail address contains a dot")]
    DomainWithoutDot,
    /// More than 254 characters.
    #[error("an e-mail address has at most {MAX_LENGTH} characters")]
    TooLong,
    /// Any other broken syntax: spaces, two `@`, a display name, a misplaced dot.
    #[error("not a valid e-mail address")]
    Malformed,
}

impl Email {
    /// Reads an e-mail address typed in chat; full-width forms such as `＠` are accepted and the
    /// domain's ASCII letters are lowercased, since domains are case-insensitive. (Full Unicode
    /// lowercasing can change a domain's length — `İ` becomes two characters — and break it.)
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let typed = normalize(raw);
        if typed.chars().count() > MAX_LENGTH {
            return Err(EmailError::TooLong);
        }
        // Only the bare address: display names and IP-literal domains are valid RFC 5322 but are
        // never what an applicant means to give as a contact.
        let options = Options::default().without_display_text().without_domain_literal().with_required_tld();
        let address = EmailAddress::parse_with_options(&typed, options).map_err(EmailError::from)?;
        Ok(Self(format!("{}@{}", address.local_part(), address.domain().to_ascii_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<email_address::Error> for EmailError {
    fn from(error: email_address::Error) -> Self {
        use email_address::Error;
        match error {
            Error::MissingSeparator => Self::MissingAt,
            Error::LocalPartEmpty => Self::MissingName,
            Error::DomainEmpty => Self::MissingDomain,
            Error::DomainTooFew => Self::DomainWithoutDot,
            Error::LocalPartTooLong | Error::DomainTooLong | Error::SubDomainTooLong => Self::TooLong,
            _ => Self::Malformed,
        }
    }
}

impl Reason for EmailError {
    fn reason(&self) -> Bilingual {
        let (zh, en) = match self {
            Self::MissingAt => ("邮箱地址缺少“@”", "the e-mail address has no “@”"),
            Self::MissingName => ("邮箱地址“@”前面缺少用户名", "the e-mail address has no name before the “@”"),
            Self::MissingDomain => ("邮箱地址“@”后面缺少域名", "the e-mail address has no domain after the “@”"),
            Self::DomainWithoutDot => (
                "邮箱地址的域名不完整（缺少“.com”之类的后缀）",
                "the domain of the e-mail address is incomplete (no ending such as “.com”)",
            ),
            Self::TooLong => ("邮箱地址太长了", "the e-mail address is too long"),
            Self::Malformed => ("这不是有效的邮箱地址", "this is not a valid e-mail address"),
        };
        Bilingual::new(
            format!("{zh}，请核对后重新发送，格式如 name@example.com。"),
            format!("Sorry, {en}; please check it and send it again in the form name@example.com."),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Email, EmailError> {
        Email::parse(raw)
    }

    #[test]
    fn plain_addresses_are_accepted() {
        for raw in ["name@example.com", "first.last+tag@mail.example.org", "zhang_san-1@qq.com", "a@b.cn"] {
            assert_eq!(parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn the_domain_is_lowercased_and_the_name_kept() {
        assert_eq!(parse("Zhang.San@Example.COM").unwrap().as_str(), "Zhang.San@example.com");
    }

    #[test]
    fn surrounding_whitespace_and_invisible_characters_are_removed() {
        assert_eq!(parse("  name@example.com\u{200B}\n").unwrap().as_str(), "name@example.com");
    }

    #[test]
    fn full_width_forms_typed_with_a_chinese_input_method_are_accepted() {
        assert_eq!(parse("name＠example.com").unwrap().as_str(), "name@example.com");
        assert_eq!(parse("ｎａｍｅ＠ｅｘａｍｐｌｅ．ｃｏｍ").unwrap().as_str(), "name@example.com");
    }

    #[test]
    fn internationalised_addresses_are_accepted() {
        assert_eq!(parse("张三@例子.中国").unwrap().as_str(), "张三@例子.中国");
    }

    #[test]
    fn missing_parts_are_named() {
        assert_eq!(parse("name.example.com"), Err(EmailError::MissingAt));
        assert_eq!(parse(""), Err(EmailError::MissingAt));
        assert_eq!(parse("@example.com"), Err(EmailError::MissingName));
        assert_eq!(parse("name@"), Err(EmailError::MissingDomain));
    }

    #[test]
    fn a_domain_without_a_dot_is_refused() {
        assert_eq!(parse("name@localhost"), Err(EmailError::DomainWithoutDot));
    }

    #[test]
    fn broken_syntax_is_refused() {
        for raw in [
            "name@example..com",
            "name@.example.com",
            "name@example.com.",
            "na me@example.com",
            "name@exa mple.com",
            "a@b@example.com",
            "Zhang San <name@example.com>",
            "name@[127.0.0.1]",
            "😀@😀",
        ] {
            assert!(parse(raw).is_err(), "{raw}");
        }
        assert_eq!(parse("name@example..com"), Err(EmailError::Malformed));
    }

    #[test]
    fn addresses_over_254_characters_are_refused() {
        let label = "a".repeat(60);
        let longest = format!("name@{label}.{label}.{label}.{}.com", "a".repeat(62));
        assert_eq!(longest.len(), MAX_LENGTH);
        assert!(parse(&longest).is_ok());
        assert_eq!(parse(&format!("x{longest}")), Err(EmailError::TooLong));
        assert_eq!(parse(&"a".repeat(10_000)), Err(EmailError::TooLong));
    }

    #[test]
    fn a_name_over_64_characters_is_too_long() {
        assert_eq!(parse(&format!("{}@example.com", "a".repeat(65))), Err(EmailError::TooLong));
    }

    #[test]
    fn displays_and_serializes_as_the_address() {
        let email = parse("name@Example.com").unwrap();
        assert_eq!(email.to_string(), "name@example.com");
        let json = serde_json::to_string(&email).unwrap();
        assert_eq!(json, r#""name@example.com""#);
        assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), email);
    }

    #[test]
    fn every_error_explains_itself_in_both_languages() {
        let errors = [
            EmailError::MissingAt,
            EmailError::MissingName,
            EmailError::MissingDomain,
            EmailError::DomainWithoutDot,
            EmailError::TooLong,
            EmailError::Malformed,
        ];
        for error in errors {
            let reason = error.reason();
            assert!(reason.zh.contains("邮箱地址"), "{error:?}");
            assert!(reason.en.contains("name@example.com"), "{error:?}");
        }
    }
}
