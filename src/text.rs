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

/// `text` with identifier-like runs starred out after their first character, so that free text
/// can go into a log: a run of letters and digits of 6 or more characters, 4 or more of them
/// digits (ID card, phone, passport numbers), and a number written in groups separated by single
/// spaces or dashes (`138 0013 8000`, `4408 0219 9003 0712 34`, `138-0013-8000`) with
/// [`GROUPED_DIGITS`] or more digits. Policy words, years (2026, 2026-2027) and ranges (2-5年)
/// stay readable.
pub fn redact_identifiers(text: &str) -> String {
    let runs = alphanumeric_runs(text);
    let mut starred = vec![false; runs.len()];
    let mut start = 0;
    while start < runs.len() {
        let end = group_chain_end(text, &runs, start);
        let digits: usize = runs[start..end].iter().map(|run| digit_count(&text[run.clone()])).sum();
        let chained = end - start > 1 && digits >= GROUPED_DIGITS;
        for (index, run) in runs.iter().enumerate().take(end).skip(start) {
            let alone = &text[run.clone()];
            starred[index] = chained || (alone.len() >= 6 && digit_count(alone) >= 4);
        }
        start = end;
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (index, run) in runs.iter().enumerate() {
        out.push_str(&text[done..run.start]);
        // The first character of a chain (or of a run on its own) stays, as a hint of what it was.
        let keep_first = !starred[index] || index == 0 || !starred[index - 1] || !joined(text, &runs, index - 1);
        let stars = |chars: usize| std::iter::repeat_n('*', chars);
        match (starred[index], keep_first) {
            (false, _) => out.push_str(&text[run.clone()]),
            (true, true) => {
                out.push_str(&text[run.start..run.start + 1]);
                out.extend(stars(run.len() - 1));
            }
            (true, false) => out.extend(stars(run.len())),
        }
        done = run.end;
    }
    out.push_str(&text[done..]);
    out
}

/// The fewest digits a number written in groups needs to be starred: a mobile number, or a
/// landline with its area code, has 11, an ID card 17 or 18; a date (2026-12-01) or a range of
/// years has 8, and an application reference (ZJ-TAX-2026-000123) 10.
pub const GROUPED_DIGITS: usize = 11;

/// The byte ranges of the runs of ASCII letters and digits in `text`.
fn alphanumeric_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_ascii_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                runs.push(from..at);
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Whether run `index` and the next are groups of one number: digits (the last may end in X, an
/// ID card's check character) with one space or dash between them, the same separator as before.
fn joined(text: &str, runs: &[std::ops::Range<usize>], index: usize) -> bool {
    let Some(next) = runs.get(index + 1) else { return false };
    let group = |run: &std::ops::Range<usize>| {
        let digits = text[run.clone()].trim_end_matches(['X', 'x']);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let separator = &text[runs[index].end..next.start];
    let same_as_before = index == 0 || {
        let before = &text[runs[index - 1].end..runs[index].start];
        !matches!(before, " " | "-") || before == separator || !group(&runs[index - 1])
    };
    matches!(separator, " " | "-") && group(&runs[index]) && group(next) && same_as_before
}

/// The end (exclusive) of the chain of groups that starts at run `start`.
fn group_chain_end(text: &str, runs: &[std::ops::Range<usize>], start: usize) -> usize {
    let mut end = start + 1;
    while end < runs.len() && joined(text, runs, end - 1) {
        end += 1;
    }
    end
}

fn digit_count(text: &str) -> usize {
    text.bytes().filter(u8::is_ascii_digit).count()
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

    #[test]
    fn numbers_written_in_groups_are_starred_whole() {
        assert_eq!(
            redact_identifiers("我电话138 0013 8000，身份证4408 0219 9003 0712 34，手机138-0013-8000。"),
            "我电话1** **** ****，身份证4*** **** **** **** **，手机1**-****-****。"
        );
        assert_eq!(redact_identifiers("+86 138 0013 8000"), "+8* *** **** ****");
        assert_eq!(redact_identifiers("4408 0219 9003 0712 3X"), "4*** **** **** **** **");
    }

    #[test]
    fn years_dates_and_ranges_stay_readable() {
        for text in ["2-5年有效", "2026-2027年", "2026-12-01至2026-12-31", "2026年 5 月", "第 17 条 3 款", "1 2 3 4 5"]
        {
            assert_eq!(redact_identifiers(text), text);
        }
    }
}
