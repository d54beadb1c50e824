//! `/office/report` 月报 — the monthly report of month M, due on the 3rd of M+1: drafted from the
//! month's visits and concerns (`figures::month`), notes added by the office, submitted to the
//! Organization Department with a timestamp (late ones marked late) and filed 备案 there
//! (`submit.rs`, `file.rs`). Each step is a `MonthlyReport` op of the server's device, checked by
//! the permission table. The Organization Department's summary of all units is `county.rs`; the
//! spreadsheets are `export.rs`.

pub mod county;
pub mod export;
pub mod file;
pub mod submit;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, report_due, report_month};
use minqing_shared::ids::UnitId;
use minqing_shared::org::{Cadre, Unit};
use minqing_shared::scope::Scope;
use minqing_shared::sync::merge::ReportState;
use minqing_shared::sync::op::ReportStatus;
use serde::Deserialize;

use crate::office::figures::month::{COLUMNS, MonthFigures, MonthInput, month_figures};
use crate::office::kit::act;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, date, percent, shell, time};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::ReportsOf;
use crate::store::{ConcernFacts, ConcernRow, MonthRows, StoreResult, Tx};

/// The report page's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportQuery {
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub unit: String,
}

/// One unit's month, loaded for the page and the exports.
#[derive(Debug)]
pub struct Loaded {
    /// The unit.
    pub unit: Unit,
    /// The figures.
    pub figures: MonthFigures,
    /// The report as its ops leave it, if it was started.
    pub record: Option<ReportState>,
    /// Today in China.
    pub today: NaiveDate,
}

/// Everything a month's figures of `scope`'s units are computed from (see [`MonthInput`]).
#[derive(Debug, Default)]
pub struct MonthData {
    rows: MonthRows,
    raised: Vec<ConcernFacts>,
    done: Vec<ConcernFacts>,
    overdue: Vec<ConcernFacts>,
    special: Vec<(UnitId, ConcernRow)>,
    cadres: Vec<Cadre>,
}

impl MonthData {
    /// Reads `scope`'s month.
    pub fn read(
        tx: &mut Tx<'_>,
        scope: Scope,
        month: YearMonth,
        today: NaiveDate,
    ) -> StoreResult<Self> {
        let range = month.ms_range();
        let rows = tx.month_rows(scope, month)?;
        let facts = tx.month_facts(scope, range.clone(), today)?;
        let units: std::collections::BTreeMap<_, _> =
            facts.escalated.iter().map(|f| (f.id, f.unit)).collect();
        let special = tx
            .concerns_escalated(scope, range)?
            .into_iter()
            .filter_map(|r| Some((*units.get(&r.concern.id)?, r)))
            .collect();
        Ok(MonthData {
            rows,
            raised: facts.raised,
            done: facts.done,
            overdue: facts.overdue,
            special,
            cadres: tx.field_cadres(scope)?,
        })
    }

    /// The figures of `unit`.
    pub fn figures(&self, month: YearMonth, today: NaiveDate, unit: UnitId) -> MonthFigures {
        let input = MonthInput {
            month,
            today,
            rows: &self.rows,
            raised: &self.raised,
            done: &self.done,
            overdue: &self.overdue,
            special: &self.special,
            cadres: &self.cadres,
        };
        month_figures(&input, unit)
    }
}

/// Loads `unit`'s month, if `user` may see it.
pub async fn load(
    state: &AppState,
    user: &OfficeUser,
    month: YearMonth,
    unit: UnitId,
) -> Result<Loaded, OfficeError> {
    let county = match user.scope() {
        Scope::County(c) => Some(c),
        _ => None,
    };
    if county.is_none() && unit != user.unit.id {
        return Err(OfficeError::not_found("只能查看本单位的月报"));
    }
    let today = user.today;
    act::read(state, move |tx| {
        let unit_row = tx
            .unit(unit)?
            .filter(|u| county.is_none_or(|c| u.county_id == c))
            .ok_or_else(|| OfficeError::not_found("单位不存在"))?;
        let data = MonthData::read(tx, Scope::Unit(unit), month, today)?;
        let figures = data.figures(month, today, unit);
        let record = tx.monthly_reports(ReportsOf::Unit(unit))?.remove(&(unit, month));
        Ok(Loaded { unit: unit_row, figures, record, today })
    })
    .await
}

/// The report's status as a badge, with "late" where it is.
pub fn status_badges(record: Option<&ReportState>, month: YearMonth, today: NaiveDate) -> Markup {
    let status = record.map_or(ReportStatus::Draft, |r| r.body.status);
    let class = match status {
        ReportStatus::Filed => "badge ok",
        ReportStatus::Submitted => "badge warn",
        ReportStatus::Draft => "badge",
    };
    let late = record.is_some_and(|r| r.body.late);
    let missing = status == ReportStatus::Draft && today > report_due(month);
    html! {
        span class=(class) { (status.zh()) }
        @if late { " " span.badge.bad { "逾期报送" } }
        @if missing { " " span.badge.bad { "已逾期未报" } }
    }
}

/// The category table; each row carries `data-row` so tests can compare it with the export.
pub fn category_table(f: &MonthFigures) -> Markup {
    html! {
        table #categories {
            thead { tr { th { "类别" } @for c in COLUMNS { th.num { (c) } } } }
            tbody {
                @for (k, row) in &f.by_category {
                    tr data-row=(k.zh()) { td { (k.zh()) } @for n in row { td.num { (n) } } }
                }
                tr data-row="合计" { th { "合计" } @for n in f.total { th.num { (n) } } }
            }
        }
    }
}

fn unit_page(user: &OfficeUser, l: &Loaded, f: &FormData, e: &FieldErrors) -> Markup {
    let fig = &l.figures;
    let month = fig.month;
    let record = l.record.as_ref();
    let status = record.map_or(ReportStatus::Draft, |r| r.body.status);
    let mine = user.unit.id == l.unit.id;
    let notes = if f.get("notes").is_empty() {
        record.map_or("", |r| r.body.notes.as_str())
    } else {
        f.get("notes")
    };
    let q = format!("month={month}&unit={}", l.unit.id);
    html! {
        h1 { (l.unit.name) " " (month.year) "年" (month.month) "月民情工作月报" }
        p {
            "报送期限：" b { (date(report_due(month))) } "　状态：" (status_badges(record, month, l.today))
            @if let Some(at) = record.and_then(|r| r.body.submitted_at) { "　报送时间：" (time(at)) }
            @if let Some(at) = record.and_then(|r| r.filed_at) { "　组织部备案：" (time(at)) }
        }
        p.noprint {
            a href=(format!("/office/report?month={}&unit={}", month.prev(), l.unit.id)) { "← 上月" } " · "
            a href=(format!("/office/report?month={}&unit={}", month.next(), l.unit.id)) { "下月 →" } "　"
            a href=(format!("/office/report/export.xlsx?{q}")) { "导出Excel" } " · "
            a href=(format!("/office/report/export.csv?{q}")) { "导出CSV" }
        }
        h2 { "走访情况" }
        div.tiles {
            div.tile { "联系户（已确认/备案）" b #households { (fig.households) } }
            div.tile { "本月入户走访到户" b #visited { (fig.visited) } span.small { (percent(fig.visited, fig.households)) } }
            div.tile { "入户走访次数" b #in-person { (fig.in_person) } }
            div.tile { "群众来电" b #calls { (fig.calls) } }
            div.tile { "本月办结" b #done { (fig.done_in_month) } }
            div.tile { "交办逾期（当前）" b #overdue { (fig.overdue_now) } }
        }
        h2 { "民情诉求分类统计（本月反映，按办理情况）" }
        (category_table(fig))
        h2 { "民情专题报告（" (fig.special.len()) "件）" }
        table {
            tr { th { "上报日期" } th { "村" } th { "户主" } th { "包村干部" } th { "标题" } th.num { "涉及户数" } th { "状态" } }
            @for r in &fig.special {
                tr {
                    td { (date(r.date)) } td { (r.village) } td { (r.head) } td { (r.cadre) }
                    td { a href=(format!("/office/concerns/{}", r.id)) { (r.title) } }
                    td.num { (r.households.map(|n| n.to_string()).unwrap_or_default()) }
                    td { (r.status.zh()) }
                }
            }
        }
        h2 { "包村干部走访情况" }
        table {
            tr { th { "干部" } th.num { "联系户" } th.num { "走访到户" } th.num { "入户走访" } th.num { "群众来电" } th.num { "反映诉求" } }
            @for c in &fig.cadres {
                tr class=@if c.households > 0 && c.visited < c.households { "warn" } {
                    td { (c.name) } td.num { (c.households) } td.num { (c.visited) }
                    td.num { (c.in_person) } td.num { (c.calls) } td.num { (c.concerns) }
                }
            }
        }
        h2 { "办公室说明" }
        (e.banner())
        @if mine && status == ReportStatus::Draft {
            form method="post" action="/office/report/submit" {
                (user.csrf_field())
                input type="hidden" name="month" value=(month.to_string());
                textarea name="notes" rows="4" placeholder="本月工作情况、存在问题和下步打算" { (notes) }
                (e.show("notes"))
                p {
                    button type="submit" name="action" value="draft" { "保存草稿" } " "
                    button.primary type="submit" name="action" value="submit" { "报送组织部" }
                }
            }
        } @else {
            p { @if notes.is_empty() { span.muted { "（无）" } } @else { (notes) } }
        }
        @if user.county_wide() && status == ReportStatus::Submitted {
            form method="post" action="/office/report/file" {
                (user.csrf_field())
                input type="hidden" name="month" value=(month.to_string());
                input type="hidden" name="unit" value=(l.unit.id);
                button.primary type="submit" { "备案" }
            }
        }
    }
}

pub(crate) async fn render(
    user: OfficeUser,
    state: AppState,
    month: YearMonth,
    unit: UnitId,
    f: FormData,
    e: FieldErrors,
) -> Response {
    match load(&state, &user, month, unit).await {
        Ok(l) => {
            let status = e.status();
            (status, shell(&user, "月报", Nav::Report, unit_page(&user, &l, &f, &e)))
                .into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// `GET /office/report`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let month = q.month.parse().unwrap_or_else(|_| report_month(user.today));
    match q.unit.parse::<UnitId>() {
        Ok(unit) => {
            render(user, state, month, unit, FormData::default(), FieldErrors::default()).await
        }
        Err(_) if user.county_wide() => {
            county::page(user, state, month, FieldErrors::default()).await
        }
        Err(_) => {
            let unit = user.unit.id;
            render(user, state, month, unit, FormData::default(), FieldErrors::default()).await
        }
    }
}
