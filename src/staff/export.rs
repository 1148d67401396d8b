//! Exports of applications for staff: CSV, Excel (Chinese headers) and JSON, one row per
//! application and one column per form field. In CSV and Excel a cell that a spreadsheet would
//! read as a formula is neutralised (OWASP's CSV injection advice), so an applicant's answer
//! cannot run in the officer's spreadsheet.

use std::borrow::Cow;
use std::str::FromStr;

use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};
use serde_json::json;

use crate::clock::format_ms;
use crate::dialog::Flows;
use crate::lang::{Lang, Scripts};
use crate::store::applications::Application;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 with a byte-order mark so that Excel reads Chinese.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// A JSON array.
    Json,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            "json" => Ok(Self::Json),
            other => Err(format!("unknown format {other:?} (csv, xlsx, json)")),
        }
    }
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Json => "json",
        }
    }
}

/// An export that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing CSV failed.
    #[error("CSV")]
    Csv(#[from] csv::Error),
    /// Writing the workbook failed.
    #[error("Excel")]
    Xlsx(#[from] XlsxError),
    /// Writing JSON failed.
    #[error("JSON")]
    Json(#[from] serde_json::Error),
}

/// The table of an export: headers and rows of text.
struct Table {
    headers: Vec<String>,
    keys: Vec<String>,
    rows: Vec<Vec<String>>,
}

const FIXED: [&str; 6] = ["编号", "表单", "状态", "认定层次", "提交时间", "更新时间"];

fn table(applications: &[Application], flows: &Flows, scripts: &Scripts) -> Table {
    // One column per field key, in the order forms ask them; a key shared by forms (name, phone)
    // is one column.
    let mut keys: Vec<String> = Vec::new();
    let mut headers: Vec<String> = FIXED.iter().map(|h| (*h).to_owned()).collect();
    for flow in flows.iter().filter(|flow| applications.iter().any(|a| a.flow == flow.id)) {
        for step in &flow.steps {
            if !keys.contains(&step.key) {
                keys.push(step.key.clone());
                headers.push(step.label().zh);
            }
        }
    }
    let rows = applications
        .iter()
        .map(|application| {
            let flow = flows.get(&application.flow);
            let filing = &application.filing;
            let status = application.status.label().zh;
            let mut row = vec![
                application.reference.clone(),
                flow.map_or_else(|| application.flow.clone(), |f| f.title.zh.clone()),
                status,
                filing.tier.clone().map(|tier| format!("{tier}类")).unwrap_or_default(),
                format_ms(application.created_at),
                format_ms(application.updated_at),
            ];
            row.extend(keys.iter().map(|key| {
                let step = flow.and_then(|f| f.step(key));
                match (step, filing.answers.get(key)) {
                    (Some(step), Some(value)) => value.display(step, Lang::Zh, scripts),
                    _ => String::new(),
                }
            }));
            row
        })
        .collect();
    Table { headers, keys, rows }
}

/// The applications in `format`.
pub fn export(
    applications: &[Application],
    flows: &Flows,
    scripts: &Scripts,
    format: Format,
) -> Result<Vec<u8>, ExportError> {
    let table = table(applications, flows, scripts);
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            writer.write_record(&table.headers)?;
            for row in &table.rows {
                writer.write_record(row.iter().map(|cell| inert(cell).into_owned()))?;
            }
            writer.into_inner().map_err(|err| ExportError::Csv(err.into_error().into()))
        }
        Format::Xlsx => {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet().set_name("申请")?;
            let bold = CellFormat::new().set_bold();
            for (column, header) in table.headers.iter().enumerate() {
                sheet.write_string_with_format(0, column as u16, header, &bold)?;
                sheet.set_column_width(column as u16, 18)?;
            }
            for (row, cells) in table.rows.iter().enumerate() {
                for (column, cell) in cells.iter().enumerate() {
                    sheet.write_string(row as u32 + 1, column as u16, inert(cell))?;
                }
            }
            sheet.set_freeze_panes(1, 1)?;
            Ok(workbook.save_to_buffer()?)
        }
        Format::Json => {
            let objects: Vec<serde_json::Value> = applications
                .iter()
                .zip(&table.rows)
                .map(|(application, row)| {
                    let answers: serde_json::Map<String, serde_json::Value> = table
                        .keys
                        .iter()
                        .zip(&row[FIXED.len()..])
                        .filter(|(_, value)| !value.is_empty())
                        .map(|(key, value)| (key.clone(), json!(value)))
                        .collect();
                    json!({
                        "reference": application.reference,
                        "flow": application.flow,
                        "status": application.status.as_str(),
                        "tier": application.filing.tier,
                        "filed": row[4],
                        "updated": row[5],
                        "answers": answers,
                    })
                })
                .collect();
            Ok(serde_json::to_vec_pretty(&objects)?)
        }
    }
}

/// The characters a spreadsheet reads a formula from at the start of a cell (with tab and carriage
/// return, which some read past).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet shows it without evaluating it: one that starts like a formula gets a
/// leading apostrophe, which Excel and LibreOffice take as "text" and do not show.
fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_like_a_formula_are_neutralised() {
        for cell in ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(inert(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["张三", "13800138000", "2026-12-01", "a=b", "", "'quoted"] {
            assert_eq!(inert(cell), cell, "{cell:?}");
        }
    }
}
