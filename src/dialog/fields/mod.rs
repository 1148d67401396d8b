//! Field kinds of the application forms: each answer a form asks for is parsed from the raw chat
//! message into a domain type, or refused with a reason the user can act on.
//!
//! Parse, don't validate: once an answer is an [`IdCardNumber`] or a [`PhoneNumber`], nothing
//! downstream checks it again. Every parser takes arbitrary user text (empty, very long, emoji,
//! control characters, full-width digits typed with a Chinese input method) and never panics;
//! every error implements [`Reason`] so the engine can tell the user what to send instead.

/// Shows a personal identifier in full (`Display`, for the applicant's own summary) but masked in
/// `Debug`, so that logging a value never writes out the full number.
macro_rules! shown_in_full_logged_masked {
    ($type:ident) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($type)).field(&self.masked()).finish()
            }
        }
    };
}

mod date;
mod email;
mod id_card;
mod name;
mod number;
mod passport;
mod phone;
mod text;

pub use date::{DateError, DateRules, parse_date};
pub use email::{Email, EmailError};
pub use id_card::{IdCardError, IdCardNumber};
pub use name::{FullName, NameError};
pub use number::{NumberError, parse_integer};
pub use passport::{PassportError, PassportNumber};
pub use phone::{PhoneError, PhoneNumber};
pub use text::{TextError, parse_text};

use crate::lang::Bilingual;
use crate::text::{clean, fold_width};

/// Why an answer was refused, said to the user.
pub trait Reason {
    /// The explanation in Simplified Chinese and English (Traditional is derived by the caller).
    fn reason(&self) -> Bilingual;
}

/// The answer as the structured kinds read it: invisible characters removed, whitespace collapsed
/// and full-width letters, digits and punctuation (`１３８`, `＠`, `－`) folded to ASCII, because a
/// Chinese input method often types them that way.
fn normalize(raw: &str) -> String {
    fold_width(&clean(raw))
}

/// The normalised answer with whitespace and the `separators` a kind allows between its
/// characters removed, so `138-0013 8000` and `13800138000` read the same.
fn compact(raw: &str, separators: &[char]) -> String {
    normalize(raw).chars().filter(|c| !c.is_whitespace() && !separators.contains(c)).collect()
}

/// `text` with every character but the first `head` and the last `tail` replaced by `*`, for
/// showing personal data to staff and in logs.
fn mask(text: &str, head: usize, tail: usize) -> String {
    let length = text.chars().count();
    text.chars().enumerate().map(|(index, c)| if index < head || index + tail >= length { c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_folds_full_width_forms_and_collapses_whitespace() {
        assert_eq!(normalize("  １３８\u{3000}００１３\u{200B}８０００＠ "), "138 00138000@");
    }

    #[test]
    fn compacting_removes_whitespace_and_the_allowed_separators_only() {
        assert_eq!(compact(" 138－0013 8000 ", &['-']), "13800138000");
        assert_eq!(compact("(020) 1234", &['-']), "(020)1234");
    }

    #[test]
    fn masking_keeps_the_head_and_the_tail() {
        assert_eq!(mask("440106199003071234", 4, 4), "4401**********1234");
        assert_eq!(mask("13800138000", 3, 4), "138****8000");
    }

    #[test]
    fn masking_a_text_shorter_than_head_and_tail_hides_nothing() {
        assert_eq!(mask("abc", 2, 2), "abc");
        assert_eq!(mask("", 1, 3), "");
    }
}
