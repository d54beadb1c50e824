//! 首页 — the office's month at a glance: households, this week's visits, concerns waiting for
//! the office, and the dates of the monthly cycle (report by the 3rd, meeting on the 5th).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use maud::html;
use minqing_shared::calendar::{
    VisitWeek, YearMonth, china_date, due_this_week, meeting_date, report_due,
};
use minqing_shared::concern::ConcernStatus;
use minqing_shared::household::HouseholdStatus;

use super::act;
use super::layout::{Nav, date, percent, shell};
use super::scope::Scoped;
use super::session::OfficeUser;
use crate::state::AppState;

/// `GET /office`.
pub(super) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    let u = user.clone();
    let loaded = act::read(&state, move |tx| {
        let s = Scoped::load(tx, &u)?;
        let concerns = s.concerns(tx)?;
        let last: BTreeMap<_, _> = tx.last_in_person_visits()?.into_iter().collect();
        Ok((s, concerns, last))
    })
    .await;
    let (s, concerns, last) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let today = s.today;
    let week = VisitWeek::of(today);
    let active: Vec<_> = s.households.iter().filter(|h| h.status.is_confirmed()).collect();
    let visited = active
        .iter()
        .filter(|h| {
            let last = last.get(&h.id).map(|ms| {
                china_date(chrono::DateTime::from_timestamp_millis(*ms).unwrap_or_default())
            });
            !due_this_week(last, today)
        })
        .count();
    let status = |st: ConcernStatus| {
        concerns.iter().filter(|c| c.effective_status(today) == Some(st)).count()
    };
    let month = YearMonth::of(today);
    let report_month = if today.day() <= 3 { month.prev() } else { month };
    let meeting_month = if today <= meeting_date(month.prev()) { month.prev() } else { month };
    let ledger =
        concerns.iter().filter(|c| c.on_ledger() && c.status != Some(ConcernStatus::Done)).count();
    let proposed = s.households.iter().filter(|h| h.status != HouseholdStatus::Filed).count();
    let body = html! {
        h1 { (user.unit.name) " · 民情联系户工作台" }
        p.muted { "今天 " (date(today)) "，第" (week.week) "周（" (date(week.monday())) " 至 " (date(week.sunday())) "）" }
        div.tiles {
            a.tile href="/office/households" { "联系户 / 待备案" b { (s.households.len()) " / " (proposed) } }
            a.tile href="/office/week" { "本周已走访" b { (visited) " / " (active.len()) } span.small { (percent(visited, active.len())) } }
            a.tile href="/office/concerns?status=raised" { "待处理诉求" b { (status(ConcernStatus::Raised)) } }
            a.tile href="/office/meeting" { "已上报待交办" b { (status(ConcernStatus::Escalated)) } }
            a.tile href="/office/concerns?status=overdue" { "交办逾期" b { (status(ConcernStatus::Overdue)) } }
            a.tile href="/office/ledger" { "挂账督办中" b { (ledger) } }
        }
        h2 { "本月工作日程" }
        table {
            tr { th { "事项" } th { "日期" } th { "说明" } }
            tr {
                td { a href=(format!("/office/report?month={report_month}")) { (report_month.year) "年" (report_month.month) "月民情月报" } }
                td { (date(report_due(report_month))) }
                td { "每月3日前汇总民情联系卡，书面报县委组织部备案" }
            }
            tr {
                td { a href=(format!("/office/meeting?month={meeting_month}")) { "联席会议" } }
                td { (date(meeting_date(meeting_month))) }
                td { "每月5日，乡镇党委、政府研究" (meeting_month.month) "月民情专题报告，明确解决办法、承办人员和完成时限" }
            }
            tr {
                td { a href="/office/ledger" { "挂账督办" } }
                td { "每周 / 半月 / 每月" }
                td { "组织部每周一询问，半月一检查，每月一调度" }
            }
        }
    };
    shell(&user, "首页", Nav::Home, body)
}
