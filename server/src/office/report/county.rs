//! `/office/report` for the Organization Department 月报汇总 — a month's reports: every township and county
//! department, its figures, whether it reported by the 3rd, and filing 备案; `/office/report/county.xlsx`
//! the same table as a sheet.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, china_date, report_due, report_month};
use minqing_shared::org::Unit;
use minqing_shared::sync::merge::ReportState;
use minqing_shared::sync::op::ReportStatus;

use minqing_shared::org::UnitKind;

use super::{MonthData, status_badges};
use crate::office::figures::month::MonthFigures;
use crate::office::kit::act;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::layout::{Nav, date, percent, shell, time};
use crate::office::kit::session::OfficeUser;
use crate::office::kit::xlsx::{Cell, Column, Export, table};
use crate::state::AppState;
use crate::store::ReportsOf;

/// Each unit of the county (but the Organization Department) with its figures and report.
type Rows = Vec<(Unit, MonthFigures, Option<ReportState>)>;

/// The county's units for `month`, townships first, by name.
async fn rows(user: &OfficeUser, state: &AppState, month: YearMonth) -> Result<Rows, OfficeError> {
    let (today, scope, user_county) = (user.today, user.scope(), user.unit.county_id);
    let mut rows = act::read(state, move |tx| {
        let data = MonthData::read(tx, scope, month, today)?;
        let records = tx.monthly_reports(ReportsOf::County(user_county))?;
        let rows: Vec<_> = tx
            .scope_units(scope)?
            .into_iter()
            .filter(|u| u.kind != UnitKind::OrganizationDepartment)
            .map(|u| {
                let f = data.figures(month, today, u.id);
                let record = records.get(&(u.id, month)).cloned();
                (u, f, record)
            })
            .collect();
        Ok(rows)
    })
    .await?;
    rows.sort_by_key(|(u, _, _)| (u.kind, u.name.clone()));
    Ok(rows)
}

/// The county's reports for `month`.
pub async fn page(user: OfficeUser, state: AppState, month: YearMonth, e: FieldErrors) -> Response {
    let today = user.today;
    let rows = match rows(&user, &state, month).await {
        Ok(rows) => rows,
        Err(err) => return err.into_response(),
    };
    let count = |st: ReportStatus| {
        rows.iter()
            .filter(|(_, _, r)| r.as_ref().map_or(ReportStatus::Draft, |r| r.body.status) == st)
            .count()
    };
    let body = html! {
        h1 { (month.year) "年" (month.month) "月民情月报汇总（报送期限 " (date(report_due(month))) "）" }
        p.noprint {
            a href=(format!("/office/report?month={}", month.prev())) { "← 上月" } " · "
            a href=(format!("/office/report?month={}", month.next())) { "下月 →" } " · "
            a href=(format!("/office/report/county.xlsx?month={month}")) { "导出Excel" }
        }
        (e.banner())
        div.tiles {
            div.tile { "单位" b { (rows.len()) } }
            div.tile { "已备案" b { (count(ReportStatus::Filed)) } }
            div.tile { "已报送待备案" b { (count(ReportStatus::Submitted)) } }
            div.tile { "未报送" b { (count(ReportStatus::Draft)) } }
        }
        table {
            thead { tr {
                th { "单位" } th { "类别" } th.num { "联系户" } th.num { "走访到户" } th.num { "覆盖率" }
                th.num { "反映诉求" } th.num { "专题报告" } th.num { "本月办结" } th.num { "逾期" }
                th { "状态" } th { "报送时间" } th { "备案" }
            } }
            tbody {
                @for (u, f, r) in &rows {
                    tr {
                        td { a href=(format!("/office/report?month={month}&unit={}", u.id)) { (u.name) } }
                        td { (u.kind.zh()) }
                        td.num { (f.households) } td.num { (f.visited) } td.num { (percent(f.visited, f.households)) }
                        td.num { (f.total[0]) } td.num { (f.special.len()) } td.num { (f.done_in_month) } td.num { (f.overdue_now) }
                        td { (status_badges(r.as_ref(), month, today)) }
                        td { (r.as_ref().and_then(|r| r.body.submitted_at).map(time).unwrap_or_default()) }
                        td {
                            @if r.as_ref().is_some_and(|r| r.body.status == ReportStatus::Submitted) {
                                form.inline method="post" action="/office/report/file" {
                                    (user.csrf_field())
                                    input type="hidden" name="month" value=(month.to_string());
                                    input type="hidden" name="unit" value=(u.id);
                                    button.primary type="submit" { "备案" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = e.status();
    (status, shell(&user, "月报汇总", Nav::Report, body)).into_response()
}

/// `GET /office/report/county.xlsx?month=2026-11`: 月报汇总 as a sheet (the Organization
/// Department's; an office gets 403).
pub(crate) async fn xlsx(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<super::ReportQuery>,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden("月报汇总由组织部查看").into_response();
    }
    let month: YearMonth = q.month.parse().unwrap_or_else(|_| report_month(user.today));
    let rows = match rows(&user, &state, month).await {
        Ok(rows) => rows,
        Err(err) => return err.into_response(),
    };
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| Cell::from(t.map(china_date));
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|(u, f, r)| {
            let share = if f.households == 0 {
                Cell::Empty
            } else {
                Cell::Percent(f.visited as f64 / f.households as f64)
            };
            vec![
                u.name.as_str().into(),
                u.kind.zh().into(),
                f.households.into(),
                f.visited.into(),
                share,
                f.total[0].into(),
                f.special.len().into(),
                f.done_in_month.into(),
                f.overdue_now.into(),
                r.as_ref().map_or(ReportStatus::Draft, |r| r.body.status).zh().into(),
                day(r.as_ref().and_then(|r| r.body.submitted_at)),
                day(r.as_ref().and_then(|r| r.filed_at)),
            ]
        })
        .collect();
    let columns = [
        Column("单位", 18.0),
        Column("类别", 10.0),
        Column("联系户", 8.0),
        Column("走访到户", 9.0),
        Column("覆盖率", 8.0),
        Column("反映诉求", 9.0),
        Column("专题报告", 9.0),
        Column("本月办结", 9.0),
        Column("逾期", 6.0),
        Column("状态", 8.0),
        Column("报送日期", 12.0),
        Column("备案日期", 12.0),
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let bytes = table(&mut book, "月报汇总", &columns, &cells).and_then(|()| book.save_to_buffer());
    let name = format!("{}年{}月民情月报汇总.xlsx", month.year, month.month);
    let (record, rows) = (Some(month.to_string()), cells.len());
    Export { book: bytes, what: "county_report.xlsx", record, rows, name: &name }
        .send(&state, &user)
        .await
}
