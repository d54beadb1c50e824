//! Reading an `.xlsx` roster within bounds. A workbook is a zip of XML files, and a small one can
//! claim a huge grid (two cells, A1 and XFD1048576, make 17 billion) or hold a zip bomb; reading
//! it naively can take the whole machine's memory. So before anything is parsed, every entry is
//! decompressed into nothing to measure its real size, and the sheets are then read cell by cell
//! (never as a grid), refusing a sheet past [`MAX_ROWS`], [`MAX_COLUMNS`] or [`MAX_CELLS`].
//! Every refusal is an error for a person; none aborts the process.

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

/// The largest roster file accepted, on the command line and on the web (a county's rosters
/// are a few hundred KB).
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// The most a workbook may hold once decompressed, all its entries together.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 100 * 1024 * 1024;
/// The most entries (files) a workbook may hold.
pub const MAX_ENTRIES: usize = 1_000;
/// The last row a sheet may use (a city of ten counties has about 65,000 households).
pub const MAX_ROWS: u32 = 200_000;
/// The last column a sheet may use (the widest roster sheet has 9).
pub const MAX_COLUMNS: u32 = 64;
/// The most cells a workbook may hold, all sheets together.
pub const MAX_CELLS: usize = 2_000_000;

/// One sheet: its name and its non-empty rows (1-based row numbers as the spreadsheet shows
/// them), each row's cells as text up to its last used column.
pub type Sheet = (String, Vec<(usize, Vec<String>)>);

/// Reads every worksheet of the `.xlsx` at `path` within the bounds above.
pub fn read(path: &Path, shown: &str) -> Result<Vec<Sheet>, String> {
    let unreadable = |e: &dyn std::fmt::Display| unreadable(shown, e);
    check_file_size(path, shown)?;
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let file = std::io::BufReader::new(file);
    let mut file = check_archive(file, shown)?;
    file.rewind().map_err(|e| format!("{shown}: {e}"))?;
    let mut book: Xlsx<_> = Xlsx::new(file).map_err(|e| unreadable(&e))?;
    let mut cells_left = MAX_CELLS;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let mut reader = book.worksheet_cells_reader(&name).map_err(|e| unreadable(&e))?;
        let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let (row, col) = cell.get_position();
            if row >= MAX_ROWS || col >= MAX_COLUMNS {
                return Err(format!(
                    "{shown}:{name}: 第{}行第{}列有内容，超出名册范围（最多 {MAX_ROWS} 行、\
                     {MAX_COLUMNS} 列）(a cell at row {}, column {} is beyond a roster's \
                     {MAX_ROWS} rows and {MAX_COLUMNS} columns)",
                    u64::from(row) + 1,
                    u64::from(col) + 1,
                    u64::from(row) + 1,
                    u64::from(col) + 1,
                ));
            }
            let text = super::sheet::cell_text(&Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            cells_left = cells_left.checked_sub(1).ok_or_else(|| {
                format!(
                    "{shown}: 单元格超过 {MAX_CELLS} 个 (the workbook has over {MAX_CELLS} cells)"
                )
            })?;
            let cells = rows.entry(row).or_default();
            let col = col as usize;
            if cells.len() <= col {
                cells.resize(col + 1, String::new());
            }
            cells[col] = text;
        }
        let rows = rows.into_iter().map(|(r, cells)| (r as usize + 1, cells)).collect();
        sheets.push((name, rows));
    }
    Ok(sheets)
}

/// Why `shown` cannot be read, for a person.
fn unreadable(shown: &str, e: &dyn std::fmt::Display) -> String {
    format!("{shown}: 不是可读取的 Excel 文件 (not a readable .xlsx: {e})")
}

/// Refuses a file over [`MAX_FILE_BYTES`] (a roster of any kind: `.xlsx` or `.csv`).
pub fn check_file_size(path: &Path, shown: &str) -> Result<(), String> {
    let size = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?.len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{shown}: 文件超过 {} MB (the file is over {} MB)",
            MAX_FILE_BYTES >> 20,
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(())
}

/// Checks the zip archive's entries: how many, and how much they really decompress to (the
/// sizes the archive declares are not trusted). Gives the reader back to read from the start.
fn check_archive<R: Read + Seek>(reader: R, shown: &str) -> Result<R, String> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| unreadable(shown, &e))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "{shown}: 文件内部条目过多 (the workbook holds over {MAX_ENTRIES} entries)"
        ));
    }
    let too_big = || {
        format!(
            "{shown}: 解压后超过 {} MB，不像名册 (over {} MB once decompressed: not a roster)",
            MAX_UNCOMPRESSED_BYTES >> 20,
            MAX_UNCOMPRESSED_BYTES >> 20
        )
    };
    let mut left = MAX_UNCOMPRESSED_BYTES;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| unreadable(shown, &e))?;
        if entry.size() > left {
            return Err(too_big());
        }
        let read = std::io::copy(&mut (&mut entry).take(left + 1), &mut std::io::sink())
            .map_err(|e| format!("{shown}: 文件已损坏 (the workbook is damaged: {e})"))?;
        left = left.checked_sub(read).ok_or_else(too_big)?;
    }
    Ok(archive.into_inner())
}
