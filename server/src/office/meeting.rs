//! 联席会议 — the joint meeting on the 5th: the month's special reports read out, and per
//! concern the decided solution, the person responsible 承办人 and the deadline 完成时限,
//! recorded as an `Assign` op that reaches the cadre's phone. Overdue decisions are listed too.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, meeting_date};
use minqing_shared::concern::{ConcernAction, ConcernStatus, Decision};
use minqing_shared::ids::ConcernId;
use minqing_shared::sync::merge::ConcernState;
use minqing_shared::sync::validate::{MAX_NAME_CHARS, MAX_TEXT_CHARS};
use serde::Deserialize;

use super::act::{self, Failed};
use super::concerns::{back, clip, concern_id, status_badge, step};
use super::detail::{self, Entered};
use super::form::{FieldErrors, FormData};
use super::layout::{Nav, date, shell};
use super::session::{OfficeUser, Post};
use super::stats::escalated_on;
use crate::state::AppState;

/// The meeting page's month (whose special reports it studies).
#[derive(Debug, Default, Deserialize)]
pub(super) struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// The month whose meeting is the latest held by `today` (on the 5th of the next month).
pub fn current_meeting_month(today: NaiveDate) -> YearMonth {
    let prev = YearMonth::of(today).prev();
    if meeting_date(prev) <= today { prev } else { prev.prev() }
}

/// The joint-meeting decision form.
pub fn decision_form(
    user: &OfficeUser,
    id: ConcernId,
    month: Option<YearMonth>,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/decide")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            @if let Some(m) = month { input type="hidden" name="month" value=(m.to_string()); }
            div.decide {
                div { textarea name="solution" placeholder="解决办法" aria-label="解决办法" { (f.get("solution")) } (e.show("solution")) }
                div { input name="handler" placeholder="承办人" aria-label="承办人" size="10" value=(f.get("handler")); (e.show("handler")) }
                div { input name="deadline" type="date" aria-label="完成时限" value=(f.get("deadline")); (e.show("deadline")) }
                div { button.primary type="submit" { "保存决定" } }
            }
        }
    }
}

/// `GET /office/meeting`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<MonthQuery>,
) -> Response {
    let (s, concerns) = match act::scoped_concerns(&state, &user).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let today = s.today;
    let month = q.month.parse::<YearMonth>().unwrap_or_else(|_| current_meeting_month(today));
    let meeting = meeting_date(month);
    let of_month: Vec<&ConcernState> =
        concerns.iter().filter(|c| escalated_on(c).is_some_and(|d| month.contains(d))).collect();
    let earlier: Vec<&ConcernState> = concerns
        .iter()
        .filter(|c| c.status == Some(ConcernStatus::Escalated))
        .filter(|c| escalated_on(c).is_some_and(|d| d < month.first_day()))
        .collect();
    let overdue: Vec<&ConcernState> = concerns
        .iter()
        .filter(|c| c.effective_status(today) == Some(ConcernStatus::Overdue))
        .collect();
    let back = format!("/office/meeting?month={month}");
    let row = |c: &ConcernState| {
        let h = c.household_id.and_then(|h| s.household(h));
        let st = c.effective_status(today);
        html! {
            tr class=@if st == Some(ConcernStatus::Overdue) { "bad" } {
                td { (escalated_on(c).map(date).unwrap_or_default()) }
                td { (h.map_or("—", |h| s.village_name(h.village_id))) br; (h.map_or("", |h| h.head_name.as_str())) }
                td { (s.cadre_name(c.raised_by)) }
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
                    @if c.status == Some(ConcernStatus::Escalated) {
                        (decision_form(&user, c.id, Some(month), &back, &FormData::default(), &FieldErrors::default()))
                    } @else if let Some(d) = &c.decision {
                        (d.solution) br;
                        span.small { "承办人：" (d.handler) "　完成时限：" (date(d.deadline)) }
                    }
                }
            }
        }
    };
    let head = html! { tr { th { "上报日期" } th { "村/户主" } th { "包村干部" } th { "类别" } th { "民情专题报告" } th { "状态" } th { "会议决定（解决办法 / 承办人 / 完成时限）" } } };
    let body = html! {
        h1 { (month.year) "年" (month.month) "月民情专题报告 · 联席会议（" (date(meeting)) "）" }
        p.noprint {
            a href=(format!("/office/meeting?month={}", month.prev())) { "← 上月" } " · "
            a href=(format!("/office/meeting?month={}", month.next())) { "下月 →" }
            span.muted { "　每月5日，乡镇党委、政府召开联席会议，办公室逐一宣读包村干部的民情专题报告，会议研究确定解决办法，明确承办人员和完成时限。" }
        }
        h2 { "本月专题报告（" (of_month.len()) "件）" }
        table { (head) @for c in &of_month { (row(c)) } }
        @if of_month.is_empty() { p.muted { "本月没有上报的民情专题报告。" } }
        @if !earlier.is_empty() {
            h2 { "此前上报、尚未交办（" (earlier.len()) "件）" }
            table { (head) @for c in &earlier { (row(c)) } }
        }
        h2 { "逾期未办结的交办事项（" (overdue.len()) "件）" }
        table { (head) @for c in &overdue { (row(c)) } }
    };
    shell(&user, "联席会议", Nav::Meeting, body)
}

/// `POST /office/concerns/{id}/decide`: the meeting's decision, as an `Assign` op.
pub(super) async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let id = match concern_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let today = state.today();
    let mut errors = FieldErrors::default();
    errors.text("solution", form.get("solution"), MAX_TEXT_CHARS, true);
    errors.text("handler", form.get("handler"), MAX_NAME_CHARS, true);
    let deadline = errors.date("deadline", form.get("deadline"));
    let meeting = match form.get("month").parse::<YearMonth>() {
        Ok(m) => meeting_date(m),
        Err(_) => meeting_date(current_meeting_month(today)),
    };
    if deadline.is_some_and(|d| d < meeting) {
        errors.add("deadline", format!("完成时限不能早于会议日期{}", date(meeting)));
    }
    if let (Some(deadline), true) = (deadline, errors.is_empty()) {
        let decision = Decision {
            solution: form.get("solution").to_owned(),
            handler: form.get("handler").to_owned(),
            deadline,
            meeting_date: meeting,
        };
        match step(&state, &user, id, ConcernAction::Assign { decision }).await {
            Ok(_) => return Redirect::to(&back(form.get("back"), id)).into_response(),
            Err(Failed::Refused(msg)) => errors.form = Some(msg),
            Err(Failed::Error(e)) => return e.into_response(),
        }
    }
    detail::render(user, state, id, Entered { which: "decide", form, errors }).await
}
