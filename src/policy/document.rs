//! The Chinese policy text parsed into its structure: title, parts (一、…), clauses ((一)…) with
//! their titles, and sentence-level passages that know their clause.

use std::sync::LazyLock;

use regex::Regex;

use super::PolicyError;
use super::numeral;

/// The Chinese policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The title, joined from the lines it is wrapped over.
    pub title: String,
    /// A bracketed status line under the title, such as （征求意见稿）.
    pub subtitle: Option<String>,
    /// Parts (一、…), in order, numbered from 1.
    pub parts: Vec<Heading>,
    /// Clauses ((一)…), in order, numbered from 1.
    pub clauses: Vec<Clause>,
    /// Every sentence of the preamble and the clauses, in order.
    pub passages: Vec<Passage>,
}

/// A numbered part heading.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// The part's number (一 = 1).
    pub number: u8,
    /// The heading text without its numeral.
    pub title: String,
}

/// A numbered clause: its title is the first sentence of its paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The clause's number ((十七) = 17).
    pub number: u8,
    /// The part the clause belongs to.
    pub part: u8,
    /// The title without its closing 。.
    pub title: String,
}

/// One sentence, or one `；`-separated member of a long sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// The clause it belongs to; 0 for the preamble.
    pub clause: u8,
    /// Its position in the clause, from 1.
    pub ordinal: u16,
    /// The text with its closing punctuation.
    pub text: String,
}

impl Passage {
    /// Whether the passage ends a full sentence (rather than a `；` member of one).
    pub fn ends_sentence(&self) -> bool {
        !self.text.ends_with(['；', ';'])
    }
}

static PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]+)[、，.．]\s*(.+)$").expect("valid regex"));
// The source mixes half- and full-width brackets: (一) and （一）.
static CLAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[(（]([一二三四五六七八九十]+)[)）]\s*(.+)$").expect("valid regex"));
static SENTENCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[^。！？；;]+[。！？；;]?").expect("valid regex"));

impl Document {
    /// Parses the policy text. `name` is used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Self, PolicyError> {
        let mut builder = Builder::new(name);
        for (index, line) in text.lines().enumerate() {
            builder.line(index + 1, line.trim())?;
        }
        builder.finish()
    }

    /// The clause with the given number.
    pub fn clause(&self, number: u8) -> Option<&Clause> {
        self.clauses.iter().find(|clause| clause.number == number)
    }
}

/// Splits a paragraph into passages at 。！？ and ；, keeping the punctuation.
pub fn split_sentences(paragraph: &str) -> impl Iterator<Item = &str> {
    SENTENCE.find_iter(paragraph).map(|m| m.as_str().trim()).filter(|s| !s.is_empty())
}

struct Builder<'a> {
    name: &'a str,
    title: String,
    subtitle: Option<String>,
    in_header: bool,
    parts: Vec<Heading>,
    clauses: Vec<Clause>,
    passages: Vec<Passage>,
}

impl<'a> Builder<'a> {
    fn new(name: &'a str) -> Self {
        Self {
            name,
            title: String::new(),
            subtitle: None,
            in_header: true,
            parts: Vec::new(),
            clauses: Vec::new(),
            passages: Vec::new(),
        }
    }

    fn error(&self, line: usize, message: impl Into<String>) -> PolicyError {
        PolicyError::Corpus { file: self.name.to_owned(), line, message: message.into() }
    }

    fn line(&mut self, number: usize, line: &str) -> Result<(), PolicyError> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some(caps) = PART.captures(line) {
            self.in_header = false;
            let value = self.next_number(number, &caps[1], self.parts.len(), "part")?;
            self.parts.push(Heading { number: value, title: caps[2].trim().to_owned() });
        } else if let Some(caps) = CLAUSE.captures(line) {
            self.in_header = false;
            let value = self.next_number(number, &caps[1], self.clauses.len(), "clause")?;
            let Some(part) = self.parts.last().map(|part| part.number) else {
                return Err(self.error(number, format!("clause ({}) comes before any part heading", &caps[1])));
            };
            let mut sentences = split_sentences(&caps[2]);
            let title = sentences.next().unwrap_or_default();
            if !title.ends_with('。') {
                return Err(self.error(number, format!("clause ({}) has no title ending in 。", &caps[1])));
            }
            self.clauses.push(Clause { number: value, part, title: title.trim_end_matches('。').to_owned() });
            self.add_passages(value, sentences);
        } else if self.in_header && !ends_sentence(line) {
            self.header(line);
        } else {
            self.in_header = false;
            let clause = self.clauses.last().map_or(0, |clause| clause.number);
            self.add_passages(clause, split_sentences(line));
        }
        Ok(())
    }

    fn header(&mut self, line: &str) {
        let bracketed =
            (line.starts_with('（') && line.ends_with('）')) || (line.starts_with('(') && line.ends_with(')'));
        if bracketed {
            self.subtitle = Some(line.to_owned());
        } else {
            self.title.push_str(line);
        }
    }

    fn next_number(&self, line: usize, numeral: &str, count: usize, what: &str) -> Result<u8, PolicyError> {
        let value = numeral::parse(numeral).ok_or_else(|| self.error(line, format!("bad {what} numeral {numeral}")))?;
        if usize::from(value) != count + 1 {
            return Err(self
                .error(line, format!("{what} {numeral} out of order: expected {}", numeral::format(count as u8 + 1))));
        }
        Ok(value)
    }

    fn add_passages<'s>(&mut self, clause: u8, sentences: impl Iterator<Item = &'s str>) {
        for text in sentences {
            let ordinal = self.passages.iter().filter(|p| p.clause == clause).count() as u16 + 1;
            self.passages.push(Passage { clause, ordinal, text: text.to_owned() });
        }
    }

    fn finish(self) -> Result<Document, PolicyError> {
        if self.title.is_empty() {
            return Err(self.error(1, "no title before the text"));
        }
        if self.clauses.is_empty() {
            return Err(self.error(1, "no numbered clauses such as (一)"));
        }
        Ok(Document {
            title: self.title,
            subtitle: self.subtitle,
            parts: self.parts,
            clauses: self.clauses,
            passages: self.passages,
        })
    }
}

fn ends_sentence(line: &str) -> bool {
    line.ends_with(['。', '！', '？'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "关于加强某市技能人才\n\n队伍建设的意见\n（征求意见稿）\n\
        为做好工作，现提出如下意见。\n一、强化培养\n(一)加强选拔。实施计划；建立资源库。\n\n\
        （二）发挥作用。支持企业设立岗位！\n二、保障\n(三)强化领导。坚持领导。\n继续推进。\n";

    #[test]
    fn parses_title_subtitle_parts_and_clauses() {
        let doc = Document::parse("sample", SAMPLE).unwrap();
        assert_eq!(doc.title, "关于加强某市技能人才队伍建设的意见");
        assert_eq!(doc.subtitle.as_deref(), Some("（征求意见稿）"));
        assert_eq!(doc.parts.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["强化培养", "保障"]);
        let clauses: Vec<_> = doc.clauses.iter().map(|c| (c.number, c.part, c.title.as_str())).collect();
        assert_eq!(clauses, [(1, 1, "加强选拔"), (2, 1, "发挥作用"), (3, 2, "强化领导")]);
    }

    #[test]
    fn passages_know_their_clause_and_position() {
        let doc = Document::parse("sample", SAMPLE).unwrap();
        let passages: Vec<_> = doc.passages.iter().map(|p| (p.clause, p.ordinal, p.text.as_str())).collect();
        assert_eq!(
            passages,
            [
                (0, 1, "为做好工作，现提出如下意见。"),
                (1, 1, "实施计划；"),
                (1, 2, "建立资源库。"),
                (2, 1, "支持企业设立岗位！"),
                (3, 1, "坚持领导。"),
                (3, 2, "继续推进。"),
            ]
        );
        assert!(!doc.passages[1].ends_sentence());
        assert!(doc.passages[2].ends_sentence());
    }

    #[test]
    fn accepts_full_and_half_width_clause_brackets() {
        let doc = Document::parse("sample", SAMPLE).unwrap();
        assert_eq!(doc.clause(2).unwrap().title, "发挥作用");
    }

    #[test]
    fn reports_clauses_out_of_order_with_the_line() {
        let text = "标题\n一、部分\n(一)甲。乙。\n(三)丙。丁。\n";
        let err = Document::parse("bad.txt", text).unwrap_err();
        assert_eq!(err.to_string(), "bad.txt:4: clause 三 out of order: expected 二");
    }

    #[test]
    fn reports_a_clause_without_a_title() {
        let err = Document::parse("bad.txt", "标题\n一、部分\n(一)没有句号的标题\n").unwrap_err();
        assert!(err.to_string().contains("no title ending in 。"), "{err}");
    }

    #[test]
    fn splits_sentences_at_full_stops_and_semicolons() {
        let parts: Vec<_> = split_sentences("甲，乙；丙。丁？戊").collect();
        assert_eq!(parts, ["甲，乙；", "丙。", "丁？", "戊"]);
    }
}
