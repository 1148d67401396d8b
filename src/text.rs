//! Cleaning raw user text before anything reads it: control and invisible characters removed,
//! whitespace collapsed, full-width Latin letters and digits folded to ASCII.

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
}
