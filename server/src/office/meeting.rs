//! `/office/meeting` 联席会议 — the joint meeting on the 5th: the month's special reports read out, and per
//! concern the decided solution, the responsible unit 承办单位 and person 承办人 and the deadline 完成时限,
//! recorded as an `Assign` op that reaches the cadre's phone. Overdue decisions are listed too.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, china_date, meeting_date, meeting_month};
use minqing_shared::concern::ConcernStatus;
use minqing_shared::desk::may_be_assigned;
use minqing_shared::permit::Action;
use minqing_shared::scope::Access;
use serde::Deserialize;

use crate::office::kit::act;
use crate::office::kit::concern::{clip, decision_form, offered, status_badge, unit_name};
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, date, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::ConcernRow;

/// The meeting page's month (whose special reports it studies).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// `GET /office/meeting`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<MonthQuery>,
) -> Response {
    let today = user.today;
    let month = q.month.parse::<YearMonth>().unwrap_or_else(|_| meeting_month(today));
    let meeting = meeting_date(month);
    let (scope, county) = (user.scope(), user.unit.county_id);
    let loaded = act::read(&state, move |tx| {
        let of_month = tx.concerns_escalated(scope, month.ms_range())?;
        let waiting = tx.concerns_showing(scope, ConcernStatus::Escalated, today)?;
        let overdue = tx.concerns_showing(scope, ConcernStatus::Overdue, today)?;
        let mut units = tx.county_units(county)?;
        units.retain(|u| may_be_assigned(u, county));
        Ok((of_month, waiting, overdue, units))
    })
    .await;
    let (of_month, waiting, overdue, units) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let escalated_on = |r: &ConcernRow| r.concern.escalated_at().map(china_date);
    let earlier: Vec<&ConcernRow> =
        waiting.iter().filter(|r| escalated_on(r).is_some_and(|d| d < month.first_day())).collect();
    let back = format!("/office/meeting?month={month}");
    let unit_name = |u| match unit_name(&units, u) {
        "" => "—",
        name => name,
    };
    let row = |r: &ConcernRow| {
        let c = &r.concern;
        let st = c.effective_status(today);
        html! {
            tr class=@if st == Some(ConcernStatus::Overdue) { "bad" } {
                td { (escalated_on(r).map(date).unwrap_or_default()) }
                td { (r.village) br; (r.head) }
                td { (r.raised_by.as_deref().unwrap_or("—")) }
                td { (c.category.map_or("—", |k| k.zh())) }
                td {
                    @if let Some(r) = &c.report {
                        b { a href=(format!("/office/concerns/{}", c.id)) { (r.title) } }
                        @if let Some(n) = r.households_affected { " （涉及" (n) "户）" }
                        div.small { (clip(&r.content, 80)) }
                    }
                }
                td { (status_badge(st)) }
                td style="min-width:480px" {
                    @if c.status == Some(ConcernStatus::Escalated) && offered(&user, c, Access::Own).contains(&Action::Assign) {
                        (decision_form(&user, c.id, Some(month), &back, &units, (&FormData::default(), &FieldErrors::default())))
                    } @else if let Some(d) = &c.decision {
                        (d.solution) br;
                        span.small { "承办单位：" (unit_name(d.unit)) "　承办人：" (d.handler) "　完成时限：" (date(d.deadline)) }
                    }
                }
            }
        }
    };
    let head = html! { tr { th { "上报日期" } th { "村/户主" } th { "包村干部" } th { "类别" } th { "民情专题报告" } th { "状态" } th { "会议决定（解决办法 / 承办单位和承办人 / 完成时限）" } } };
    let body = html! {
        h1 { (month.year) "年" (month.month) "月民情专题报告 · 联席会议（" (date(meeting)) "）" }
        p.noprint {
            a href=(format!("/office/meeting?month={}", month.prev())) { "← 上月" } " · "
            a href=(format!("/office/meeting?month={}", month.next())) { "下月 →" }
            span.muted { "　每月5日，乡镇党委、政府召开联席会议，办公室逐一宣读包村干部的民情专题报告，会议研究确定解决办法，明确承办人员和完成时限。" }
        }
        h2 { "本月专题报告（" (of_month.len()) "件）" }
        table { (head) @for r in &of_month { (row(r)) } }
        @if of_month.is_empty() { p.muted { "本月没有上报的民情专题报告。" } }
        @if !earlier.is_empty() {
            h2 { "此前上报、尚未交办（" (earlier.len()) "件）" }
            table { (head) @for r in &earlier { (row(r)) } }
        }
        h2 { "逾期未办结的交办事项（" (overdue.len()) "件）" }
        table { (head) @for r in &overdue { (row(r)) } }
    };
    shell(&user, "联席会议", Nav::Meeting, body)
}
