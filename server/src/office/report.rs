//! 月报 — the monthly report of month M, due on the 3rd of M+1: drafted from the month's visits
//! and concerns ([`stats::month_figures`]), notes added by the office, submitted to the
//! Organization Department with a timestamp (late ones marked late) and filed 备案 there. Each
//! step is a `MonthlyReport` op of the server's device. The county view is [`super::county`].

use minqing_shared::org::Unit;
use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, china_date, is_report_late, report_due};
use minqing_shared::ids::{ReportId, UnitId};
use minqing_shared::sync::op::{Payload, RecordType, ReportBody, ReportStatus};
use minqing_shared::sync::validate::MAX_TEXT_CHARS;
use serde::Deserialize;
use uuid::Uuid;

use super::act::{self, Failed};
use super::county;
use super::error::OfficeError;
use super::form::{FieldErrors, FormData};
use super::layout::{Nav, date, percent, shell, time};
use super::scope::Scoped;
use super::session::{OfficeUser, Post};
use super::stats::{COLUMNS, MonthFigures, day_start_ms, month_figures};
use crate::state::AppState;
use crate::store::{Section, StoreResult, Tx};

/// A unit's report as its ops leave it.
#[derive(Clone, Debug)]
pub struct Record {
    /// The report's record id (one per unit and month).
    pub id: Uuid,
    /// The latest body.
    pub body: ReportBody,
    /// When the Organization Department filed it.
    pub filed_at: Option<DateTime<Utc>>,
}

/// Every report, by unit and month: the latest op of each wins.
pub fn records(tx: &mut Tx<'_>) -> StoreResult<BTreeMap<(UnitId, YearMonth), Record>> {
    let mut out: BTreeMap<(UnitId, YearMonth), Record> = BTreeMap::new();
    for change in tx.ops_of_type(RecordType::MonthlyReport)? {
        let Payload::MonthlyReport(body) = change.op.payload else { continue };
        let at = DateTime::from_timestamp_millis(change.op.hlc.ms());
        let key = (body.unit_id, body.month);
        let filed_at = match body.status {
            ReportStatus::Filed => out.get(&key).and_then(|r| r.filed_at).or(at),
            _ => None,
        };
        out.insert(key, Record { id: change.op.record_id, body, filed_at });
    }
    Ok(out)
}

/// The month a unit is working on: last month until its report is due (the 3rd), then this one.
pub fn default_month(today: NaiveDate) -> YearMonth {
    let this = YearMonth::of(today);
    if today.day() <= 3 { this.prev() } else { this }
}

/// The report page's query.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ReportQuery {
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
    /// The report's ops, if any.
    pub record: Option<Record>,
    /// Today in China.
    pub today: NaiveDate,
}

/// Loads `unit`'s month, if `user` may see it.
pub async fn load(
    state: &AppState,
    user: &OfficeUser,
    month: YearMonth,
    unit: UnitId,
) -> Result<Loaded, OfficeError> {
    if !user.county_wide() && unit != user.unit.id {
        return Err(OfficeError::not_found("只能查看本单位的月报"));
    }
    let today = user.today;
    act::read(state, move |tx| {
        let unit_row = tx.unit(unit)?.ok_or_else(|| OfficeError::not_found("单位不存在"))?;
        let s = Scoped::load_unit(tx, Some(unit), today)?;
        let concerns = s.concerns(tx)?;
        let (from, to) = (day_start_ms(month.first_day()), day_start_ms(month.next().first_day()));
        let visits = tx.visit_facts(from, to)?;
        let figures = month_figures(&s, &concerns, &visits, month, Some(unit));
        let record = records(tx)?.remove(&(unit, month));
        Ok(Loaded { unit: unit_row, figures, record, today: s.today })
    })
    .await
}

/// The report's status as a badge, with "late" where it is.
pub fn status_badges(record: Option<&Record>, month: YearMonth, today: NaiveDate) -> Markup {
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

async fn render(
    user: OfficeUser,
    state: AppState,
    month: YearMonth,
    unit: UnitId,
    f: FormData,
    e: FieldErrors,
) -> Response {
    match load(&state, &user, month, unit).await {
        Ok(l) => {
            let status =
                if e.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            (status, shell(&user, "月报", Nav::Report, unit_page(&user, &l, &f, &e)))
                .into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// `GET /office/report`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let today = state.today();
    let month = q.month.parse().unwrap_or_else(|_| default_month(today));
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

/// `POST /office/report/submit`: saves the draft's notes, or submits the report.
pub(super) async fn submit(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let Ok(month) = form.get("month").parse::<YearMonth>() else {
        return OfficeError::bad_request("月份无效").into_response();
    };
    let now = state.now();
    let today = china_date(now);
    let mut e = FieldErrors::default();
    e.text("notes", form.get("notes"), MAX_TEXT_CHARS, false);
    let submitting = form.get("action") == "submit";
    if submitting && month > YearMonth::of(today) {
        e.form = Some("该月尚未开始，不能报送".into());
    }
    if e.is_empty() {
        let unit = user.unit.id;
        let body = ReportBody {
            unit_id: unit,
            month,
            status: if submitting { ReportStatus::Submitted } else { ReportStatus::Draft },
            notes: form.get("notes").to_owned(),
            submitted_at: submitting.then_some(now),
            late: submitting && is_report_late(month, today),
        };
        let author = act::author(&user, &state);
        let done = act::write(&state, move |tx, state| {
            tx.exclusive(Section::MonthlyReports)?;
            let existing = records(tx)?.remove(&(unit, month));
            if existing.as_ref().is_some_and(|r| r.body.status != ReportStatus::Draft) {
                return Err(Failed::Refused("本月月报已报送，不能再修改".into()));
            }
            let id = existing.map_or(ReportId::new().0, |r| r.id);
            act::act(tx, state, &author, id, Payload::MonthlyReport(body.clone()))
        })
        .await;
        match done {
            Ok(_) => return Redirect::to(&format!("/office/report?month={month}")).into_response(),
            Err(Failed::Refused(msg)) => e.form = Some(msg),
            Err(Failed::Error(err)) => return err.into_response(),
        }
    }
    let unit = user.unit.id;
    render(user, state, month, unit, form, e).await
}

/// `POST /office/report/file`: the Organization Department files a submitted report.
pub(super) async fn file(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let (Ok(month), Ok(unit)) =
        (form.get("month").parse::<YearMonth>(), form.get("unit").parse::<UnitId>())
    else {
        return OfficeError::bad_request("月份或单位无效").into_response();
    };
    let author = act::author(&user, &state);
    let done = act::write(&state, move |tx, state| {
        tx.exclusive(Section::MonthlyReports)?;
        let Some(r) = records(tx)?
            .remove(&(unit, month))
            .filter(|r| r.body.status == ReportStatus::Submitted)
        else {
            return Err(Failed::Refused("该月报尚未报送，或已备案".into()));
        };
        let body = ReportBody { status: ReportStatus::Filed, ..r.body };
        act::act(tx, state, &author, r.id, Payload::MonthlyReport(body))
    })
    .await;
    match done {
        Ok(_) => Redirect::to(&format!("/office/report?month={month}")).into_response(),
        Err(Failed::Refused(msg)) => {
            let mut e = FieldErrors::default();
            e.form = Some(msg);
            county::page(user, state, month, e).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}
