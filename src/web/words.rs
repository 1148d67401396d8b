//! The web pages' own words: tables of (key, Simplified Chinese, English) rows that templates look
//! up by key. The console and the chat each keep a table; this is how both are read.

/// A table of words: (key, Chinese, English).
pub type Table = [(&'static str, &'static str, &'static str)];

/// The Chinese and English of `key` in `table`. A key missing from it is a template's mistake: it
/// is logged, naming the `part` of the web whose table it is.
pub fn find(table: &'static Table, part: &str, key: &str) -> Option<(&'static str, &'static str)> {
    let found = table.iter().find(|(known, ..)| *known == key).map(|&(_, zh, en)| (zh, en));
    if found.is_none() {
        tracing::error!(key, part, "a web page has no word for this key");
    }
    found
}

/// The keys `table` lists more than once.
pub fn repeated_keys(table: &Table) -> Vec<&'static str> {
    let repeated = |(index, (key, ..)): (usize, &(&'static str, &str, &str))| {
        table[..index].iter().any(|(other, ..)| other == key).then_some(*key)
    };
    table.iter().enumerate().filter_map(repeated).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &Table = &[("a", "甲", "A"), ("b", "乙", "B"), ("a", "丙", "C")];

    #[test]
    fn a_key_is_found_by_its_first_row_and_repeats_are_named() {
        assert_eq!(find(TABLE, "test", "b"), Some(("乙", "B")));
        assert_eq!(find(TABLE, "test", "a"), Some(("甲", "A")));
        assert_eq!(find(TABLE, "test", "z"), None);
        assert_eq!(repeated_keys(TABLE), ["a"]);
    }
}
