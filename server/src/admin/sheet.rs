//! Reading a roster's spreadsheets: `.xlsx` (calamine) and `.csv` (csv) in UTF-8 or GBK into plain
//! tables of text, each recognised as one of the four kinds of sheet by its name or headers.

use std::path::Path;

use calamine::Data;

use super::workbook::{self, MAX_COLUMNS, MAX_ROWS};

/// The four kinds of sheet a roster has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// 单位: units.
    Units,
    /// 村: villages.
    Villages,
    /// 干部: cadres (accounts).
    Cadres,
    /// 联系户: contact households.
    Households,
}

/// A column of a sheet.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The header, in Chinese.
    pub name: &'static str,
    /// Whether every row must fill it.
    pub required: bool,
    /// What goes in it, for the template's notes.
    pub note: &'static str,
}

const fn col(name: &'static str, required: bool, note: &'static str) -> Column {
    Column { name, required, note }
}

/// A row whose first cell starts with this is an example (the template's second row) and is
/// never imported.
pub const EXAMPLE_MARK: &str = "【示例】";

const UNIT_COLUMNS: &[Column] = &[
    col("单位名称", true, "如 城关镇、县教育局、县委组织部"),
    col("单位类别", true, "乡镇 / 县直单位 / 组织部"),
];

const VILLAGE_COLUMNS: &[Column] = &[
    col("乡镇", true, "村所属乡镇，须在「单位」中"),
    col("村名", true, "如 东关村"),
    col("人口", true, "整数；决定联系户定额（<500→10，500–1000→15，>1000→20）"),
    col("村类别", true, "先进村 / 中间状态村 / 后进村"),
];

const CADRE_COLUMNS: &[Column] = &[
    col("姓名", true, ""),
    col("单位", true, "须在「单位」中"),
    col(
        "职务类别",
        true,
        "主要领导 / 班子成员 / 中层干部 / 一般干部 / 联系户办公室 / 组织部 / 管理员",
    ),
    col("职务", false, "如 党委副书记，印在名片上"),
    col("手机", true, "11位手机号，印在名片上"),
    col("联系村", false, "乡镇/村名，或唯一的村名；多个用顿号分隔"),
    col("用户名", false, "登录名；空则用手机号"),
];

const HOUSEHOLD_COLUMNS: &[Column] = &[
    col("乡镇", false, "村名重复时必填"),
    col("村", true, "须在「村」中"),
    col("户主", true, ""),
    col("地址", false, "如 三组 12号"),
    col("手机", false, ""),
    col(
        "类别",
        false,
        "老党员、老干部、个体工商户、科技示范户、上访户、困难户、其他；多个用顿号分隔",
    ),
    col("联系干部", false, "干部的用户名、手机或（唯一的）姓名"),
    col("状态", false, "拟联系 / 已确认 / 已备案；空则为已确认"),
    col("备注", false, ""),
];

impl Kind {
    /// In import order: what later sheets refer to comes first.
    pub const ALL: [Kind; 4] = [Kind::Units, Kind::Villages, Kind::Cadres, Kind::Households];

    /// The sheet's (and the CSV file's) name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Units => "单位",
            Kind::Villages => "村",
            Kind::Cadres => "干部",
            Kind::Households => "联系户",
        }
    }

    /// The sheet's columns.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Units => UNIT_COLUMNS,
            Kind::Villages => VILLAGE_COLUMNS,
            Kind::Cadres => CADRE_COLUMNS,
            Kind::Households => HOUSEHOLD_COLUMNS,
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        let name = name.trim();
        Kind::ALL.into_iter().find(|k| name == k.name() || name == format!("{}表", k.name()))
    }

    /// The kind whose distinctive header `headers` has.
    fn from_headers(headers: &[String]) -> Option<Kind> {
        let has = |h: &str| headers.iter().any(|x| x == h);
        if has("户主") {
            Some(Kind::Households)
        } else if has("职务类别") {
            Some(Kind::Cadres)
        } else if has("村类别") || has("人口") {
            Some(Kind::Villages)
        } else if has("单位类别") {
            Some(Kind::Units)
        } else {
            None
        }
    }
}

/// One sheet as text.
#[derive(Clone, Debug)]
pub struct Table {
    /// Which kind.
    pub kind: Kind,
    /// Where it came from, e.g. `roster.xlsx:干部`.
    pub source: String,
    /// The header row, trimmed.
    pub headers: Vec<String>,
    /// The data rows with their line numbers (1-based, as the spreadsheet shows them), empty
    /// rows left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

pub(super) fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        // Phone numbers and populations typed as numbers arrive as floats.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string().trim().to_owned(),
    }
}

fn table(source: String, name_hint: &str, mut grid: Vec<(usize, Vec<String>)>) -> Option<Table> {
    grid.retain(|(_, r)| r.iter().any(|c| !c.is_empty()));
    grid.retain(|(_, r)| !r.first().is_some_and(|c| c.starts_with(EXAMPLE_MARK)));
    if grid.is_empty() {
        return None;
    }
    let (_, headers) = grid.remove(0);
    let headers: Vec<String> =
        headers.into_iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_owned()).collect();
    let kind = Kind::from_name(name_hint).or_else(|| Kind::from_headers(&headers))?;
    Some(Table { kind, source, headers, rows: grid })
}

/// Reads every roster sheet of `path` (`.xlsx` or `.csv`). Sheets of no known kind (e.g. 说明)
/// are skipped. The error says, for a person, why the file cannot be read.
pub fn read_file(path: &Path) -> Result<Vec<Table>, String> {
    let shown = path.display().to_string();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_owned();
    let tables = match ext.as_str() {
        "xlsx" | "xlsm" => workbook::read(path, &shown)?
            .into_iter()
            .filter_map(|(name, rows)| table(format!("{shown}:{name}"), &name, rows))
            .collect(),
        "csv" => read_csv(path, &shown, &stem)?,
        _ => {
            return Err(format!(
                "{shown}: 只能导入 .xlsx 或 .csv 文件 (only .xlsx and .csv files can be imported)"
            ));
        }
    };
    if tables.is_empty() {
        return Err(format!(
            "{shown}: 没有找到「单位」「村」「干部」「联系户」工作表 (no roster sheet found: \
             name the sheets 单位, 村, 干部, 联系户, or use the template's headers)"
        ));
    }
    Ok(tables)
}

fn read_csv(path: &Path, shown: &str, stem: &str) -> Result<Vec<Table>, String> {
    workbook::check_file_size(path, shown)?;
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let Some(text) = csv_text(&bytes) else {
        return Err(format!(
            "{shown}: 不是文本 CSV 文件，或编码既不是 UTF-8 也不是 GBK（请直接导入 .xlsx） \
             (not a CSV text file in UTF-8 or GBK: import the .xlsx)"
        ));
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| format!("{shown}: 第{}行无法读取 (line {}: {e})", i + 1, i + 1))?;
        if i >= MAX_ROWS as usize || record.len() > MAX_COLUMNS as usize {
            return Err(format!(
                "{shown}: 第{}行超出名册范围（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列）(line {} is \
                 beyond a roster's {MAX_ROWS} rows and {MAX_COLUMNS} columns)",
                i + 1,
                i + 1
            ));
        }
        grid.push((i + 1, record.iter().map(|c| c.trim().to_owned()).collect()));
    }
    let hint = Kind::ALL.into_iter().find(|k| stem == k.name()).map_or("", |k| k.name());
    Ok(table(shown.to_owned(), hint, grid).into_iter().collect())
}

/// The text of a CSV file: UTF-8 (Excel's "CSV UTF-8", with its byte-order mark), else GB18030,
/// the superset of GBK in which Excel on a Chinese Windows saves plain "CSV". `None` when it is
/// neither, or holds control characters no text file has (a binary file renamed `.csv`).
fn csv_text(bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)?
        }
    };
    let binary = text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'));
    (!binary).then_some(text)
}
