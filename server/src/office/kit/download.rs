//! Downloads: a file with its name (UTF-8 names survive on every browser), and CSV written the
//! way a Chinese Excel opens it.

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::error::OfficeError;
use crate::spreadsheet::SafeCsv;

/// The content type of an `.xlsx` workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A download of `bytes` named `name`.
pub fn download(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encoded.replace('+', "%20")
    );
    ([(CONTENT_TYPE, content_type.to_owned()), (CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// CSV bytes from `write`, with a byte-order mark so Excel reads the UTF-8 as Chinese, and no
/// cell a spreadsheet would run as a formula.
pub fn csv_bytes(
    write: impl FnOnce(&mut SafeCsv) -> csv::Result<()>,
) -> Result<Vec<u8>, OfficeError> {
    // A byte-order mark, so that Excel on an office PC opens the UTF-8 file as Chinese.
    let mut w = SafeCsv::new("\u{feff}".as_bytes());
    let internal =
        |e: &dyn std::fmt::Display| OfficeError::from(crate::error::ApiError::internal(e));
    write(&mut w).map_err(|e| internal(&e))?;
    w.into_bytes().map_err(|e| internal(&e))
}
