//! Cleaning raw user text before anything reads it: control and invisible characters removed,
//! whitespace collapsed, full-width Latin letters and digits folded to ASCII; and redacting
//! identifier-like runs before free text goes into a log.

/// The text with control characters and zero-width marks removed and runs of whitespace
/// (newlines included) collapsed to one space, trimmed.
pub fn clean(raw: &str) -> String {
    let mut cleaned = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if c.is_whitespace() || c == '\u{3000}' {
            pending_space = !cleaned.is_empty();
        } else if !is_invisible(c) {
            if pending_space {
                cleaned.push(' ');
                pending_space = false;
            }
            cleaned.push(c);
        }
    }
    cleaned
}

/// The text with full-width ASCII forms (ＡＢＣ１２３？) folded to their ASCII letters.
pub fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// At most `max` characters of `text`, for echoing or logging user input.
pub fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// `text` with every run of letters and digits that looks like an identifier (6 or more
/// characters, 4 or more of them digits: ID card, phone, passport numbers) starred out after its
/// first character. Policy words and years (2026, 5年) stay readable.
pub fn redact_identifiers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        if run.len() >= 6 && digits >= 4 {
            out.push_str(&run[..1]);
            out.extend(std::iter::repeat_n('*', run.len() - 1));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_invisible_marks_are_removed() {
        assert_eq!(clean("人才\u{0}公寓\u{7}\u{200B}\u{FEFF}？"), "人才公寓？");
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(clean("  how\t\tlong \r\n is\u{3000}it  "), "how long is it");
        assert_eq!(clean(" \n\t "), "");
    }

    #[test]
    fn full_width_letters_and_digits_fold_to_ascii() {
        assert_eq!(fold_width("Ａ类？２０２４年"), "A类?2024年");
        assert_eq!(fold_width("人才公寓，"), "人才公寓,");
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate("人才公寓", 2), "人才");
        assert_eq!(truncate("ab", 5), "ab");
    }

    #[test]
    fn identifiers_are_starred_and_policy_numbers_kept() {
        assert_eq!(
            redact_identifiers("手机13800138000，身份证44080219900307123X，护照e12345678，2026年5类"),
            "手机1**********，身份证4*****************，护照e********，2026年5类"
        );
        assert_eq!(redact_identifiers("ZJ-APARTMENT-2026-000123"), "ZJ-APARTMENT-2026-0*****");
    }
}
