//! Charts drawn on the server as SVG (no script, no CDN): horizontal bars for funnels and
//! rankings, stacked columns for counts per day. Colours are presentation attributes, since the
//! console's CSP forbids inline styles; every text is escaped.

use std::fmt::Write;

/// The colours of the series, in order.
const COLOURS: [&str; 4] = ["#0b5cad", "#b3261e", "#a15c00", "#1b7f3b"];
const WIDTH: i64 = 900;

/// `text` escaped for SVG markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A bar.
pub struct Bar {
    /// What it counts.
    pub label: String,
    /// How many.
    pub value: i64,
    /// Said after the value (`−3`: the drop-off).
    pub note: String,
}

/// Horizontal bars, one per row, scaled to the largest; `title` names the chart for screen readers.
pub fn bars(title: &str, rows: &[Bar]) -> String {
    let (label_width, row_height) = (260, 26);
    let height = row_height * rows.len().max(1) as i64 + 8;
    let max = rows.iter().map(|row| row.value).max().unwrap_or(0).max(1);
    let room = WIDTH - label_width - 140;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape(title)
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 4 + index as i64 * row_height;
        let width = row.value * room / max;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1f2933\">{}</text>\
             <rect x=\"{label_width}\" y=\"{}\" width=\"{width}\" height=\"{}\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"#1f2933\">{}{}</text>",
            label_width - 8,
            y + 17,
            escape(&shorten(&row.label, 24)),
            y + 3,
            row_height - 8,
            COLOURS[0],
            label_width + width + 6,
            y + 17,
            row.value,
            escape(&row.note),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Columns per day, each stacked from `series` (name, value per day), with a legend.
pub fn columns(title: &str, days: &[String], series: &[(String, Vec<i64>)]) -> String {
    let (left, top, plot_height, bottom) = (40, 28, 180, 40);
    let height = top + plot_height + bottom;
    let totals: Vec<i64> = (0..days.len()).map(|day| series.iter().map(|(_, values)| values[day]).sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let slot = (WIDTH - left - 10) / days.len().max(1) as i64;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape(title)
    );
    for (index, (name, _)) in series.iter().enumerate() {
        let x = left + index as i64 * 160;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"17\" fill=\"#1f2933\">{}</text>",
            COLOURS[index % COLOURS.len()],
            x + 16,
            escape(name)
        );
    }
    let _ =
        write!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#616e7c\">{max}</text>", left - 4, top + 10);
    for (day_index, day) in days.iter().enumerate() {
        let x = left + day_index as i64 * slot;
        let mut base = top + plot_height;
        for (index, (_, values)) in series.iter().enumerate() {
            let h = values[day_index] * plot_height / max;
            base -= h;
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{base}\" width=\"{}\" height=\"{h}\" fill=\"{}\"/>",
                x + 2,
                (slot - 4).max(1),
                COLOURS[index % COLOURS.len()]
            );
        }
        // A label on every few columns, so that thirty days stay readable.
        if day_index % days.len().div_ceil(10).max(1) == 0 || day_index + 1 == days.len() {
            let label = day.get(5..).unwrap_or(day);
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" fill=\"#616e7c\">{}</text>",
                x + 2,
                top + plot_height + 16,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{0}\" x2=\"{WIDTH}\" y2=\"{0}\" stroke=\"#d9dee4\"/></svg>",
        top + plot_height
    );
    svg
}

/// At most `chars` characters of `text`, with an ellipsis when cut.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(chars - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_their_labels_and_scale_to_the_largest() {
        let svg = bars(
            "t",
            &[
                Bar { label: "<b>".into(), value: 10, note: String::new() },
                Bar { label: "x".into(), value: 5, note: " −5".into() },
            ],
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"), "{svg}");
        assert!(svg.contains("width=\"500\"") && svg.contains("width=\"250\""), "{svg}");
        assert!(!svg.contains("style="));
    }

    #[test]
    fn columns_stack_their_series_per_day() {
        let days = vec!["2026-11-22".to_owned(), "2026-11-23".to_owned()];
        let svg = columns("q", &days, &[("a".into(), vec![1, 2]), ("b".into(), vec![0, 2])]);
        assert_eq!(svg.matches("<rect").count(), 2 + 4, "a legend square per series and a rect per value");
        assert!(svg.contains(">11-22<"), "{svg}");
    }
}
