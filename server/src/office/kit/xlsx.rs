//! Every office list as a sheet, the same way: a bold header row frozen at the top, an
//! autofilter over the table, set column widths, dates as real date cells (`yyyy-mm-dd`, so
//! Excel sorts and filters them as dates), numbers as numbers, and texts neutralised so that no
//! cell runs as a formula (`spreadsheet::cell`).

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::spreadsheet::cell;

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A date.
    Date(NaiveDate),
    /// A share (0.5 shows as 50.0%).
    Percent(f64),
    /// Nothing.
    Empty,
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_owned())
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl From<NaiveDate> for Cell {
    fn from(v: NaiveDate) -> Self {
        Cell::Date(v)
    }
}

impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::Number(v as f64)
    }
}

impl From<u32> for Cell {
    fn from(v: u32) -> Self {
        Cell::Number(f64::from(v))
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A column: its title and its width in characters (wide enough for a date or a name not to
/// break).
#[derive(Clone, Copy, Debug)]
pub struct Column(pub &'static str, pub f64);

/// Adds the sheet `name`: `columns` as its header, then `rows`.
pub fn table(
    book: &mut Workbook,
    name: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let percent = Format::new().set_num_format("0.0%");
    let sheet = book.add_worksheet().set_name(name)?;
    for (c, Column(title, width)) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, *title, &bold)?;
        sheet.set_column_width(c, *width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, value) in row.iter().enumerate() {
            let c = c as u16;
            match value {
                Cell::Text(text) => {
                    sheet.write_string(r, c, cell(text))?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Date(d) => {
                    let day =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_date_with_format(r, c, &day, &date)?;
                }
                Cell::Percent(share) => {
                    sheet.write_number_with_format(r, c, *share, &percent)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if let Some(last) = columns.len().checked_sub(1) {
        sheet.autofilter(0, 0, rows.len() as u32, last as u16)?;
    }
    Ok(())
}

/// What an export sends: the workbook (or why it could not be written), recorded in the audit
/// log as `what` (with `record`, and how many `rows` left the server), downloaded as `name`.
#[derive(Debug)]
pub struct Export<'a> {
    /// The workbook's bytes.
    pub book: Result<Vec<u8>, XlsxError>,
    /// The audit log's record type, e.g. `ledger.xlsx`.
    pub what: &'static str,
    /// The record exported (a month, a period), if one.
    pub record: Option<String>,
    /// Rows exported.
    pub rows: usize,
    /// The file's name.
    pub name: &'a str,
}

impl Export<'_> {
    /// Audits the export and answers the download (or the error).
    pub async fn send(
        self,
        state: &crate::state::AppState,
        user: &super::session::OfficeUser,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let bytes = match self.book {
            Ok(bytes) => bytes,
            Err(e) => {
                let e = super::error::OfficeError::from(crate::error::ApiError::internal(e));
                return e.into_response();
            }
        };
        let audited =
            crate::audit::office_export(state, user.cadre.id, self.what, self.record, self.rows);
        if let Err(e) = audited.await {
            return e.into_response();
        }
        super::download::download(super::download::XLSX, self.name, bytes)
    }
}
