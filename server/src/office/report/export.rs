//! `GET /office/report/export.xlsx` and `.csv`: the monthly report as a workbook (rust_xlsxwriter)
//! and as CSV, from the same [`MonthFigures`](crate::office::figures::month::MonthFigures) the
//! page shows.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, report_due, report_month};
use minqing_shared::ids::UnitId;
use minqing_shared::sync::op::ReportStatus;
use rust_xlsxwriter::{Workbook, XlsxError};

use super::{Loaded, ReportQuery, load};
use crate::office::figures::month::COLUMNS;
use crate::office::kit::download::{XLSX, csv_bytes, download};
use crate::office::kit::error::OfficeError;
use crate::office::kit::layout::{date, time};
use crate::office::kit::session::OfficeUser;
use crate::office::kit::xlsx::{Cell, Column, table};
use crate::state::AppState;

async fn loaded(
    user: &OfficeUser,
    state: &AppState,
    q: &ReportQuery,
) -> Result<Loaded, OfficeError> {
    let month = q.month.parse::<YearMonth>().unwrap_or_else(|_| report_month(user.today));
    let unit = q.unit.parse::<UnitId>().unwrap_or(user.unit.id);
    load(state, user, month, unit).await
}

/// The summary lines: label and value, in both exports.
fn summary(l: &Loaded) -> Vec<(&'static str, String)> {
    let f = &l.figures;
    let r = l.record.as_ref();
    vec![
        ("单位", l.unit.name.clone()),
        ("月份", f.month.to_string()),
        ("报送期限", date(report_due(f.month))),
        ("状态", r.map_or(ReportStatus::Draft, |r| r.body.status).zh().to_owned()),
        ("报送时间", r.and_then(|r| r.body.submitted_at).map(time).unwrap_or_default()),
        ("逾期报送", if r.is_some_and(|r| r.body.late) { "是" } else { "否" }.to_owned()),
        ("联系户", f.households.to_string()),
        ("走访到户", f.visited.to_string()),
        ("入户走访次数", f.in_person.to_string()),
        ("群众来电", f.calls.to_string()),
        ("本月办结", f.done_in_month.to_string()),
        ("交办逾期", f.overdue_now.to_string()),
        ("专题报告", f.special.len().to_string()),
        ("办公室说明", r.map(|r| r.body.notes.clone()).unwrap_or_default()),
    ]
}

fn workbook(l: &Loaded) -> Result<Vec<u8>, XlsxError> {
    let f = &l.figures;
    let mut book = Workbook::new();
    let summary: Vec<Vec<Cell>> = summary(l)
        .into_iter()
        .map(|(label, value)| {
            let value = match value.parse::<f64>() {
                Ok(n) if !label.contains("月份") => Cell::Number(n),
                _ => Cell::Text(value),
            };
            vec![label.into(), value]
        })
        .collect();
    table(&mut book, "月报", &[Column("项目", 16.0), Column("内容", 40.0)], &summary)?;
    let columns: Vec<Column> = std::iter::once(Column("类别", 14.0))
        .chain(COLUMNS.iter().map(|name| Column(name, 10.0)))
        .collect();
    let by_category: Vec<Vec<Cell>> = f
        .by_category
        .iter()
        .map(|(k, row)| (k.zh(), row))
        .chain([("合计", &f.total)])
        .map(|(name, row)| {
            std::iter::once(name.into()).chain(row.iter().map(|n| Cell::from(*n))).collect()
        })
        .collect();
    table(&mut book, "分类统计", &columns, &by_category)?;
    let special: Vec<Vec<Cell>> = f
        .special
        .iter()
        .map(|s| {
            vec![
                s.date.into(),
                s.village.as_str().into(),
                s.head.as_str().into(),
                s.cadre.as_str().into(),
                s.title.as_str().into(),
                s.households.into(),
                s.status.zh().into(),
            ]
        })
        .collect();
    let columns = [
        Column("上报日期", 12.0),
        Column("村", 12.0),
        Column("户主", 10.0),
        Column("包村干部", 10.0),
        Column("标题", 36.0),
        Column("涉及户数", 10.0),
        Column("状态", 10.0),
    ];
    table(&mut book, "专题报告", &columns, &special)?;
    let cadres: Vec<Vec<Cell>> = f
        .cadres
        .iter()
        .map(|c| {
            std::iter::once(c.name.as_str().into())
                .chain([c.households, c.visited, c.in_person, c.calls, c.concerns].map(Cell::from))
                .collect()
        })
        .collect();
    let columns = [
        Column("干部", 12.0),
        Column("联系户", 10.0),
        Column("走访到户", 10.0),
        Column("入户走访", 10.0),
        Column("群众来电", 10.0),
        Column("反映诉求", 10.0),
    ];
    table(&mut book, "干部走访", &columns, &cadres)?;
    book.save_to_buffer()
}

/// `GET /office/report/export.xlsx`.
pub(crate) async fn xlsx(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let l = match loaded(&user, &state, &q).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let bytes = match workbook(&l) {
        Ok(bytes) => bytes,
        Err(e) => return OfficeError::from(crate::error::ApiError::internal(e)).into_response(),
    };
    if let Err(e) = audited(&user, &state, &l, "report.xlsx").await {
        return e.into_response();
    }
    download(XLSX, &format!("{}-{}-月报.xlsx", l.unit.name, l.figures.month), bytes)
}

/// `GET /office/report/export.csv`: the summary, then the category table.
pub(crate) async fn csv(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let l = match loaded(&user, &state, &q).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let bytes = csv_bytes(|w| {
        for (label, value) in summary(&l) {
            w.write_record([label, value.as_str()])?;
        }
        w.write_record([""])?;
        w.write_record(std::iter::once("类别").chain(COLUMNS))?;
        let rows = l
            .figures
            .by_category
            .iter()
            .map(|(k, row)| (k.zh(), row))
            .chain([("合计", &l.figures.total)]);
        for (name, row) in rows {
            w.write_record(
                std::iter::once(name.to_owned()).chain(row.iter().map(|n| n.to_string())),
            )?;
        }
        Ok(())
    });
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = audited(&user, &state, &l, "report.csv").await {
        return e.into_response();
    }
    download(
        "text/csv; charset=utf-8",
        &format!("{}-{}-月报.csv", l.unit.name, l.figures.month),
        bytes,
    )
}

/// The audit line of a report's export: which unit's month, by whom.
async fn audited(
    user: &OfficeUser,
    state: &AppState,
    l: &Loaded,
    what: &'static str,
) -> Result<(), OfficeError> {
    let report = format!("{}:{}", l.unit.id, l.figures.month);
    Ok(crate::audit::office_export(state, user.cadre.id, what, Some(report), 1).await?)
}
