//! The parallel English translation of the policy: one line per Chinese sentence, keyed by clause
//! and sentence (`17.12: …`), checked against the Chinese document so the two never drift apart.

use std::collections::BTreeMap;

use super::PolicyError;
use super::document::Document;

/// The English text of the policy, aligned with a [`Document`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translation {
    /// The document title.
    pub title: String,
    /// The status line under the title.
    pub subtitle: Option<String>,
    parts: BTreeMap<u8, String>,
    clauses: BTreeMap<u8, String>,
    sentences: BTreeMap<(u8, u16), String>,
}

impl Translation {
    /// Parses the translation file. `name` is used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Self, PolicyError> {
        let mut translation = Self::default();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |message: String| PolicyError::Corpus { file: name.to_owned(), line: index + 1, message };
            let (key, value) = line.split_once(':').ok_or_else(|| error("expected `key: text`".to_owned()))?;
            let value = value.trim();
            if value.is_empty() {
                return Err(error(format!("{key} has no text")));
            }
            let duplicate = match Key::parse(key.trim()).ok_or_else(|| error(format!("unknown key {key:?}")))? {
                Key::Title => replace(&mut translation.title, value),
                Key::Subtitle => translation.subtitle.replace(value.to_owned()).is_some(),
                Key::Part(n) => translation.parts.insert(n, value.to_owned()).is_some(),
                Key::Clause(n) => translation.clauses.insert(n, value.to_owned()).is_some(),
                Key::Sentence(clause, ordinal) => {
                    translation.sentences.insert((clause, ordinal), value.to_owned()).is_some()
                }
            };
            if duplicate {
                return Err(error(format!("{key} appears twice")));
            }
        }
        Ok(translation)
    }

    /// Checks that every heading, clause title and passage of `document` has exactly one English
    /// line and that there are no extra lines; lists every mismatch.
    pub fn check_alignment(&self, name: &str, document: &Document) -> Result<(), PolicyError> {
        let mut problems = Vec::new();
        if self.title.is_empty() {
            problems.push("no `title:` line".to_owned());
        }
        if document.subtitle.is_some() != self.subtitle.is_some() {
            problems.push("`subtitle:` must be present exactly when the Chinese text has one".to_owned());
        }
        compare_keys(&mut problems, "part", document.parts.iter().map(|p| p.number), self.parts.keys().copied());
        compare_keys(&mut problems, "clause", document.clauses.iter().map(|c| c.number), self.clauses.keys().copied());
        compare_keys(
            &mut problems,
            "sentence",
            document.passages.iter().map(|p| (p.clause, p.ordinal)),
            self.sentences.keys().copied(),
        );
        if problems.is_empty() { Ok(()) } else { Err(PolicyError::Alignment { file: name.to_owned(), problems }) }
    }

    /// The English title of part `number`.
    pub fn part(&self, number: u8) -> Option<&str> {
        self.parts.get(&number).map(String::as_str)
    }

    /// The English title of clause `number`.
    pub fn clause(&self, number: u8) -> Option<&str> {
        self.clauses.get(&number).map(String::as_str)
    }

    /// The English text of sentence `ordinal` of clause `clause`.
    pub fn sentence(&self, clause: u8, ordinal: u16) -> Option<&str> {
        self.sentences.get(&(clause, ordinal)).map(String::as_str)
    }
}

fn replace(slot: &mut String, value: &str) -> bool {
    let had = !slot.is_empty();
    *slot = value.to_owned();
    had
}

fn compare_keys<K: Ord + Copy + KeyName>(
    problems: &mut Vec<String>,
    what: &str,
    expected: impl Iterator<Item = K>,
    present: impl Iterator<Item = K>,
) {
    let expected: std::collections::BTreeSet<K> = expected.collect();
    let present: std::collections::BTreeSet<K> = present.collect();
    for missing in expected.difference(&present) {
        problems.push(format!("{what} {} has no English line", missing.name()));
    }
    for extra in present.difference(&expected) {
        problems.push(format!("{what} {} is not in the Chinese text", extra.name()));
    }
}

trait KeyName {
    fn name(&self) -> String;
}

impl KeyName for u8 {
    fn name(&self) -> String {
        self.to_string()
    }
}

impl KeyName for (u8, u16) {
    fn name(&self) -> String {
        format!("{}.{}", self.0, self.1)
    }
}

enum Key {
    Title,
    Subtitle,
    Part(u8),
    Clause(u8),
    Sentence(u8, u16),
}

impl Key {
    fn parse(key: &str) -> Option<Self> {
        match key {
            "title" => return Some(Self::Title),
            "subtitle" => return Some(Self::Subtitle),
            _ => {}
        }
        if let Some(n) = key.strip_prefix("part ") {
            return n.trim().parse().ok().map(Self::Part);
        }
        if let Some(n) = key.strip_prefix("clause ") {
            return n.trim().parse().ok().map(Self::Clause);
        }
        let (clause, ordinal) = key.split_once('.')?;
        Some(Self::Sentence(clause.parse().ok()?, ordinal.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHINESE: &str =
        "标题\n（征求意见稿）\n为做好工作，提出意见。\n一、强化培养\n(一)加强选拔。实施计划；建立资源库。\n";
    const ENGLISH: &str = "# comment\ntitle: Title\nsubtitle: (Draft)\n0.1: To do the work well, these opinions are given.\n\
        part 1: Strengthen training\nclause 1: Strengthen selection\n1.1: Implement a plan;\n1.2: Build a database.\n";

    #[test]
    fn parses_keys_and_aligns_with_the_chinese_text() {
        let document = Document::parse("zh", CHINESE).unwrap();
        let translation = Translation::parse("en", ENGLISH).unwrap();
        translation.check_alignment("en", &document).unwrap();
        assert_eq!(translation.clause(1), Some("Strengthen selection"));
        assert_eq!(translation.sentence(1, 2), Some("Build a database."));
        assert_eq!(translation.sentence(0, 1), Some("To do the work well, these opinions are given."));
    }

    #[test]
    fn lists_every_missing_and_extra_line() {
        let document = Document::parse("zh", CHINESE).unwrap();
        let text = ENGLISH.replace("1.2: Build a database.\n", "1.3: Extra.\n");
        let err = Translation::parse("en", &text).unwrap().check_alignment("en.txt", &document).unwrap_err();
        assert_eq!(
            err.to_string(),
            "en.txt is not aligned with the Chinese text:\n  sentence 1.2 has no English line\n  sentence 1.3 is not in the Chinese text"
        );
    }

    #[test]
    fn rejects_duplicate_and_empty_lines_with_their_line_number() {
        let err = Translation::parse("en", "title: A\n1.1: x\n1.1: y\n").unwrap_err();
        assert_eq!(err.to_string(), "en:3: 1.1 appears twice");
        let err = Translation::parse("en", "title:\n").unwrap_err();
        assert_eq!(err.to_string(), "en:1: title has no text");
        let err = Translation::parse("en", "chapter 1: x\n").unwrap_err();
        assert_eq!(err.to_string(), "en:1: unknown key \"chapter 1\"");
    }
}
