//! Larger corpora for the scaling figures: the shipped policy with the sentences of every clause
//! repeated, each copy with its numbers varied (a starting year in front, every figure shifted) so
//! that no two copies are the same, written in the corpus format policybot parses — the Chinese
//! text with its aligned English translation, beside the shipped lexicon and tier files.

use std::path::{Path, PathBuf};

use policybot::assets::{AssetError, Assets};
use policybot::policy::document::{Document, Passage};
use policybot::policy::translation::Translation;
use policybot::policy::{Policy, PolicyError, numeral};
use tempfile::TempDir;

/// A corpus could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The shipped corpus does not load.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A shipped file is unreadable.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// The directory could not be created.
    #[error("cannot create a temporary directory")]
    TempDir(#[source] std::io::Error),
    /// A file could not be written.
    #[error("cannot write {0}")]
    Write(PathBuf, #[source] std::io::Error),
}

/// A temporary directory holding the shipped corpus with every clause's sentences `factor` times.
pub fn synthesise(factor: usize) -> Result<TempDir, CorpusError> {
    let dir = tempfile::tempdir().map_err(CorpusError::TempDir)?;
    let shipped = Assets::corpus(None);
    let policy = Policy::load(&shipped)?;
    for name in shipped.names("toml")? {
        write(&dir.path().join(&name), &shipped.read(&name)?)?;
    }
    let (chinese, english) = texts(policy.document(), policy.translation(), factor);
    let base = &policy.manifest().document;
    write(&dir.path().join(format!("{base}.zh.txt")), &chinese)?;
    write(&dir.path().join(format!("{base}.en.txt")), &english)?;
    Ok(dir)
}

fn write(path: &Path, text: &str) -> Result<(), CorpusError> {
    std::fs::write(path, text).map_err(|error| CorpusError::Write(path.to_owned(), error))
}

/// The Chinese text and its translation. Each passage of a clause goes on a line of its own, where
/// the parser continues the clause, so the copies take the next sentence numbers.
fn texts(document: &Document, translation: &Translation, factor: usize) -> (String, String) {
    let (mut zh, mut en) = (format!("{}\n", document.title), format!("title: {}\n", translation.title));
    if let (Some(chinese), Some(english)) = (&document.subtitle, &translation.subtitle) {
        zh.push_str(&format!("{chinese}\n"));
        en.push_str(&format!("subtitle: {english}\n"));
    }
    let passages_of = |clause: u8| document.passages.iter().filter(move |p| p.clause == clause);
    // The preamble stays one paragraph: a line of it not ending a sentence would read as title.
    zh.extend(passages_of(0).map(|p| p.text.as_str()));
    zh.push('\n');
    for passage in passages_of(0) {
        en.push_str(&format!("0.{}: {}\n", passage.ordinal, english_of(translation, passage)));
    }
    for part in &document.parts {
        zh.push_str(&format!("{}、{}\n", numeral::format(part.number), part.title));
        en.push_str(&format!("part {}: {}\n", part.number, translation.part(part.number).unwrap_or_default()));
        for clause in document.clauses.iter().filter(|clause| clause.part == part.number) {
            zh.push_str(&format!("({}){}。\n", numeral::format(clause.number), clause.title));
            en.push_str(&format!(
                "clause {}: {}\n",
                clause.number,
                translation.clause(clause.number).unwrap_or_default()
            ));
            let passages: Vec<&Passage> = passages_of(clause.number).collect();
            for copy in 0..factor {
                for (index, passage) in passages.iter().enumerate() {
                    let ordinal = copy * passages.len() + index + 1;
                    let english = english_of(translation, passage);
                    zh.push_str(&format!("{}\n", vary(&passage.text, copy, "年起，")));
                    en.push_str(&format!("{}.{ordinal}: {}\n", clause.number, vary(english, copy, ", from then on: ")));
                }
            }
        }
    }
    (zh, en)
}

fn english_of<'a>(translation: &'a Translation, passage: &Passage) -> &'a str {
    translation.sentence(passage.clause, passage.ordinal).unwrap_or_default()
}

/// Copy `copy` of `text`: the original for copy 0, else a starting year joined by `joint` in
/// front and every number shifted by `copy`.
fn vary(text: &str, copy: usize, joint: &str) -> String {
    if copy == 0 {
        return text.to_owned();
    }
    let mut out = format!("{}{joint}", 2026 + copy);
    let mut number = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if !number.is_empty() {
            let shifted = number.parse::<u64>().map_or(number.clone(), |n| (n + copy as u64).to_string());
            out.push_str(&shifted);
            number.clear();
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_vary_every_number_and_start_with_a_year() {
        assert_eq!(vary("给予3年补贴，最高50万元。", 0, "年起，"), "给予3年补贴，最高50万元。");
        assert_eq!(vary("给予3年补贴，最高50万元。", 2, "年起，"), "2028年起，给予5年补贴，最高52万元。");
        assert_eq!(vary("Up to 50 years", 1, ", from then on: "), "2027, from then on: Up to 51 years");
    }

    #[test]
    fn one_copy_is_the_shipped_corpus_and_more_copies_multiply_each_clause() {
        let shipped = Policy::load(&Assets::corpus(None)).unwrap();
        let same = Policy::load(&Assets::corpus(Some(synthesise(1).unwrap().path()))).unwrap();
        assert_eq!(same.document(), shipped.document());
        assert_eq!(same.translation(), shipped.translation());

        let tripled = Policy::load(&Assets::corpus(Some(synthesise(3).unwrap().path()))).unwrap();
        let count =
            |policy: &Policy, clause: u8| policy.document().passages.iter().filter(|p| p.clause == clause).count();
        assert_eq!(count(&tripled, 0), count(&shipped, 0));
        assert_eq!(count(&tripled, 17), 3 * count(&shipped, 17));
        assert_eq!(tripled.document().clauses, shipped.document().clauses);
    }
}
