//! What a run found — a table per measurement and the targets met or missed — written as Markdown
//! for the terminal and for docs/benchmarks.md, where it replaces what lies between two marker
//! comments and leaves the hand-written notes around them alone.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::machine::Machine;

/// Where the generated part of docs/benchmarks.md starts.
pub const BEGIN: &str = "<!-- suite:begin -->";
/// Where it ends.
pub const END: &str = "<!-- suite:end -->";

/// The document has no place for the figures.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A marker is missing or they are out of order.
    #[error("the document needs a line `{BEGIN}` followed by a line `{END}`; the figures go between them")]
    Markers,
}

/// Everything one or more areas found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Findings {
    /// One table per measurement, in the order they ran.
    pub sections: Vec<Section>,
    /// The targets, each met or missed.
    pub checks: Vec<Check>,
}

impl Findings {
    /// Adds what another area found.
    pub fn extend(&mut self, other: Findings) {
        self.sections.extend(other.sections);
        self.checks.extend(other.checks);
    }

    /// The findings as Markdown; with the machine when they go into the document.
    pub fn markdown(&self, machine: Option<&Machine>) -> String {
        let mut out = String::new();
        if let Some(machine) = machine {
            out.push_str(&format!("{machine}\n\n"));
        }
        if !self.checks.is_empty() {
            out.push_str("### Targets\n\n| target | figure | |\n|---|---|---|\n");
            for check in &self.checks {
                let verdict = if check.met { "met" } else { "**missed**" };
                out.push_str(&format!("| {} | {} | {verdict} |\n", check.target, check.figure));
            }
            out.push('\n');
        }
        for section in &self.sections {
            out.push_str(&section.markdown());
        }
        out
    }
}

/// One measurement: what was done, and a table of figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    /// A heading.
    pub title: String,
    /// How it was measured.
    pub about: String,
    /// The table's column names.
    pub header: Vec<String>,
    /// The table's rows, as many cells as columns.
    pub rows: Vec<Vec<String>>,
    /// What else to know: skipped parts, versions, checks made.
    pub notes: Vec<String>,
}

impl Section {
    /// An empty table under `title`.
    pub fn new(title: &str, about: impl Into<String>, header: &[&str]) -> Self {
        Self {
            title: title.to_owned(),
            about: about.into(),
            header: header.iter().map(|&cell| cell.to_owned()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Adds a note under the table.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = format!("### {}\n\n{}\n\n", self.title, self.about);
        if !self.rows.is_empty() {
            out.push_str(&line(&self.header));
            out.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
            for row in &self.rows {
                out.push_str(&line(row));
            }
            out.push('\n');
        }
        for note in &self.notes {
            out.push_str(&format!("- {note}\n"));
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// A target and whether the figure meets it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// The target as the issue states it, e.g. "Q&A answer latency p99 ≤ 1 ms".
    pub target: String,
    /// The figure measured against it.
    pub figure: String,
    /// Whether the figure meets the target.
    pub met: bool,
}

impl Check {
    /// A target, the figure, and whether it is met.
    pub fn new(target: &str, figure: impl Into<String>, met: bool) -> Self {
        Self { target: target.to_owned(), figure: figure.into(), met }
    }
}

/// `document` with everything between the markers replaced by `generated`.
pub fn splice(document: &str, generated: &str) -> Result<String, ReportError> {
    let start = document.find(BEGIN).ok_or(ReportError::Markers)? + BEGIN.len();
    let end = document[start..].find(END).ok_or(ReportError::Markers)? + start;
    Ok(format!("{}\n{}\n{}", &document[..start], generated.trim(), &document[end..]))
}

/// A duration as people read it: `95 µs`, `1.23 ms`, `51.5 ms`, `2.41 s`.
pub fn show_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    match micros {
        m if m < 1_000.0 => format!("{m:.0} µs"),
        m if m < 10_000.0 => format!("{:.2} ms", m / 1e3),
        m if m < 1_000_000.0 => format!("{:.1} ms", m / 1e3),
        m => format!("{:.2} s", m / 1e6),
    }
}

/// A count with thousands separators: `5,822`.
pub fn show_count(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Bytes in megabytes (10⁶ bytes, as the 100 MB target means them): `41.3 MB`.
pub fn show_megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splicing_replaces_only_what_lies_between_the_markers() {
        let document = format!("# Title\n\n{BEGIN}\nold figures\n{END}\n\n## Notes\nkept\n");
        let spliced = splice(&document, "new figures\n").unwrap();
        assert_eq!(spliced, format!("# Title\n\n{BEGIN}\nnew figures\n{END}\n\n## Notes\nkept\n"));
        assert_eq!(splice(&spliced, "new figures").unwrap(), spliced, "splicing twice changes nothing");
        assert!(splice("# no markers", "x").is_err());
        assert!(splice(&format!("{END}\n{BEGIN}\n"), "x").is_err());
    }

    #[test]
    fn figures_are_shown_with_sensible_units() {
        assert_eq!(show_duration(Duration::from_micros(95)), "95 µs");
        assert_eq!(show_duration(Duration::from_micros(1_234)), "1.23 ms");
        assert_eq!(show_duration(Duration::from_micros(51_500)), "51.5 ms");
        assert_eq!(show_duration(Duration::from_millis(2_410)), "2.41 s");
        assert_eq!(show_count(5_822.4), "5,822");
        assert_eq!(show_count(999.0), "999");
        assert_eq!(show_count(1_234_567.0), "1,234,567");
        assert_eq!(show_megabytes(41_300_000), "41.3 MB");
    }

    #[test]
    fn a_missed_target_stands_out() {
        let findings = Findings {
            sections: Vec::new(),
            checks: vec![Check::new("updates/s ≥ 3,000", "2,500", false), Check::new("p99 ≤ 1 ms", "232 µs", true)],
        };
        let markdown = findings.markdown(None);
        assert!(markdown.contains("| updates/s ≥ 3,000 | 2,500 | **missed** |"), "{markdown}");
        assert!(markdown.contains("| p99 ≤ 1 ms | 232 µs | met |"), "{markdown}");
    }
}
