//! Cells for spreadsheets, written so that no text a villager or a cadre typed runs as a
//! formula when an office opens the export in Excel or LibreOffice ("CSV injection"): a cell
//! starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some programs skip
//! before reading one) gets a leading apostrophe, which spreadsheets show as text. Every CSV
//! export goes through [`SafeCsv`], every `.xlsx` text cell through [`cell`].

use std::borrow::Cow;

/// `text` as a spreadsheet cell that is never a formula.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV writer whose every field passes through [`cell`].
#[derive(Debug)]
pub struct SafeCsv(csv::Writer<Vec<u8>>);

impl SafeCsv {
    /// A writer into memory that starts with `prefix` (e.g. a byte-order mark).
    pub fn new(prefix: &[u8]) -> Self {
        Self(csv::WriterBuilder::new().flexible(true).from_writer(prefix.to_vec()))
    }

    /// Writes one record.
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.0.write_record(record.into_iter().map(|f| cell(f.as_ref()).into_owned()))
    }

    /// The bytes written.
    pub fn into_bytes(self) -> csv::Result<Vec<u8>> {
        self.0.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_other_cells_stay_as_they_are() {
        for (raw, shown) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
        ] {
            assert_eq!(cell(raw), shown);
        }
        for plain in ["王大山", "三组 12号", "13800000000", "", "a=b"] {
            assert_eq!(cell(plain), plain);
        }
        let mut w = SafeCsv::new(b"");
        w.write_record(["=1+1", "张三"]).unwrap();
        assert_eq!(String::from_utf8(w.into_bytes().unwrap()).unwrap(), "'=1+1,张三\n");
    }
}
