//! `GET /office/concerns.xlsx`: the concern list with the page's filters (category, status,
//! age, village, unit, cadre, text), every row, as one sheet (`kit::xlsx`). Audited as an export
//! with the number of rows.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minqing_shared::Label;
use minqing_shared::calendar::china_date;

use super::Filter;
use crate::office::kit::act;
use crate::office::kit::session::OfficeUser;
use crate::office::kit::xlsx::{Cell, Column, Export, table};
use crate::state::AppState;

/// The most rows one export holds (a county has a few thousand concerns a year).
const EXPORT_ROWS: usize = 50_000;

const COLUMNS: [Column; 10] = [
    Column("反映日期", 12.0),
    Column("村", 12.0),
    Column("户主", 10.0),
    Column("类别", 12.0),
    Column("诉求内容", 48.0),
    Column("包村干部", 10.0),
    Column("状态", 10.0),
    Column("承办人", 14.0),
    Column("完成时限", 12.0),
    Column("涉及户数", 10.0),
];

/// `GET /office/concerns.xlsx`.
pub(crate) async fn xlsx(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Response {
    let (scope, today, query) = (user.scope(), user.today, f.query(user.today));
    let list =
        act::read(&state, move |tx| Ok(tx.concerns_page(scope, &query, today, 0, EXPORT_ROWS)?))
            .await;
    let list = match list {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let rows: Vec<Vec<Cell>> = list
        .rows
        .iter()
        .map(|row| {
            let c = &row.concern;
            vec![
                c.raised_at.map(china_date).into(),
                row.village.as_str().into(),
                row.head.as_str().into(),
                c.category.map(|k| k.zh()).into(),
                c.description.as_str().into(),
                row.raised_by.clone().into(),
                c.effective_status(today).map(|s| s.zh()).into(),
                c.decision.as_ref().map(|d| d.handler.clone()).into(),
                c.decision.as_ref().map(|d| d.deadline).into(),
                c.report.as_ref().and_then(|r| r.households_affected).into(),
            ]
        })
        .collect();
    let mut book = rust_xlsxwriter::Workbook::new();
    let bytes = table(&mut book, "民情诉求", &COLUMNS, &rows).and_then(|()| book.save_to_buffer());
    let name = format!("民情诉求-{today}.xlsx");
    let export =
        Export { book: bytes, what: "concerns.xlsx", record: None, rows: rows.len(), name: &name };
    export.send(&state, &user).await
}
