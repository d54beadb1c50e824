//! `minqing-server template DIR`: the roster templates, with the Chinese headers the import
//! reads — one workbook with a sheet per kind and a sheet of notes, and one CSV per kind.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::sheet::Kind;

/// The workbook's file name.
pub const WORKBOOK: &str = "民情通导入模板.xlsx";

fn xlsx_error(e: XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Writes the templates into `dir` (created if missing); returns the files written.
pub fn write(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let path = dir.join(WORKBOOK);
    std::fs::write(&path, workbook().map_err(xlsx_error)?)?;
    written.push(path);
    for kind in Kind::ALL {
        let path = dir.join(format!("{}.csv", kind.name()));
        // A byte-order mark, so that Excel opens the UTF-8 file with its Chinese headers intact.
        let mut file = std::fs::File::create(&path)?;
        std::io::Write::write_all(&mut file, "\u{feff}".as_bytes())?;
        let mut w = csv::Writer::from_writer(file);
        w.write_record(kind.columns().iter().map(|c| c.name))?;
        w.flush()?;
        written.push(path);
    }
    Ok(written)
}

/// The template workbook (a sheet per kind, red headers required, and a sheet of notes), as the
/// bytes of an `.xlsx` file.
pub fn workbook() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let required = Format::new().set_bold().set_font_color(rust_xlsxwriter::Color::Red);
    for kind in Kind::ALL {
        let sheet = book.add_worksheet();
        sheet.set_name(kind.name())?;
        for (i, c) in kind.columns().iter().enumerate() {
            let format = if c.required { &required } else { &bold };
            sheet.write_string_with_format(0, i as u16, c.name, format)?;
            sheet.set_column_width(i as u16, 16)?;
        }
        // Phones typed as numbers lose nothing, but text keeps leading zeros of landlines.
        let text = Format::new().set_num_format("@");
        for (i, c) in kind.columns().iter().enumerate() {
            if c.name == "手机" {
                sheet.set_column_format(i as u16, &text)?;
            }
        }
    }
    let notes = book.add_worksheet();
    notes.set_name("说明")?;
    notes.write_string_with_format(0, 0, "工作表", &bold)?;
    notes.write_string_with_format(0, 1, "列", &bold)?;
    notes.write_string_with_format(0, 2, "必填", &bold)?;
    notes.write_string_with_format(0, 3, "说明", &bold)?;
    let mut row = 1;
    for kind in Kind::ALL {
        for c in kind.columns() {
            notes.write_string(row, 0, kind.name())?;
            notes.write_string(row, 1, c.name)?;
            notes.write_string(row, 2, if c.required { "是" } else { "" })?;
            notes.write_string(row, 3, c.note)?;
            row += 1;
        }
    }
    notes.set_column_width(3, 60)?;
    book.save_to_buffer()
}
