//! `minqing-server template DIR`: the roster templates, with the Chinese headers the import
//! reads — one workbook with a sheet per kind (a dropdown on every closed list, one example row
//! the import skips) and a sheet of notes, and one CSV per kind.

use std::path::{Path, PathBuf};

use minqing_shared::Label;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::org::{Role, Standing, UnitKind};
use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};

use super::sheet::{EXAMPLE_MARK, Kind};

/// Rows the dropdowns cover (a county's roster has a few thousand households).
const VALIDATED_ROWS: u32 = 20_000;

/// The closed list a column takes, as the import reads it (the Chinese labels), if it has one.
/// 类别 of a household takes several at once (顿号-separated): no dropdown can say that.
fn closed_list(kind: Kind, column: &str) -> Option<Vec<&'static str>> {
    fn labels<T: Label>(all: &[T]) -> Vec<&'static str> {
        all.iter().map(Label::zh).collect()
    }
    match (kind, column) {
        (Kind::Units, "单位类别") => Some(labels(UnitKind::ALL)),
        (Kind::Villages, "村类别") => Some(labels(Standing::ALL)),
        (Kind::Cadres, "职务类别") => Some(labels(Role::ALL)),
        (Kind::Households, "状态") => Some(labels(HouseholdStatus::ALL)),
        _ => None,
    }
}

/// One example row per sheet, marked so that the import skips it.
fn example(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Units => &["【示例】城关镇", "乡镇"],
        Kind::Villages => &["【示例】城关镇", "东关村", "1200", "先进村"],
        Kind::Cadres => &[
            "【示例】王建国",
            "城关镇",
            "一般干部",
            "包村干部",
            "13800138000",
            "城关镇/东关村",
            "wangjg",
        ],
        Kind::Households => &[
            "【示例】城关镇",
            "东关村",
            "张大山",
            "三组 12号",
            "13900000000",
            "困难户、老党员",
            "wangjg",
            "已确认",
            "",
        ],
    }
}

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
        let sample = Format::new().set_italic().set_font_color(rust_xlsxwriter::Color::Gray);
        for (i, c) in kind.columns().iter().enumerate() {
            let col = i as u16;
            if c.name == "手机" {
                sheet.set_column_format(col, &text)?;
            }
            if let Some(list) = closed_list(kind, c.name) {
                let dropdown = DataValidation::new()
                    .allow_list_strings(&list)?
                    .set_error_title("请从下拉列表中选择")?
                    .set_error_message(format!("{}只能是：{}", c.name, list.join(" / ")))?;
                sheet.add_data_validation(1, col, VALIDATED_ROWS, col, &dropdown)?;
            }
            if let Some(value) = example(kind).get(i) {
                sheet.write_string_with_format(1, col, *value, &sample)?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
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
    row += 1;
    notes.write_string(
        row,
        0,
        format!("每张表的第2行是示例（以{EXAMPLE_MARK}开头），导入时跳过，可保留或删除；带下拉列表的列只能从列表中选择。"),
    )?;
    notes.set_column_width(3, 60)?;
    book.save_to_buffer()
}
