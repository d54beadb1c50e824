//! `/office` 首页 — the office's month at a glance: households, this week's visits, concerns waiting for
//! the office, and the dates of the monthly cycle (report by the 3rd, meeting on the 5th) with
//! how many days are left (倒计时) and whether this unit's report is in.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::calendar::{VisitWeek, meeting_date, meeting_month, report_due, report_month};
use minqing_shared::concern::ConcernStatus;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::sync::op::ReportStatus;

use crate::office::kit::act;
use crate::office::kit::layout::{Nav, countdown, date, percent, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::ReportsOf;

/// `GET /office`.
pub(crate) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    let (scope, today) = (user.scope(), user.today);
    let week = VisitWeek::of(today);
    let (unit, report_month) = (user.unit.id, report_month(today));
    let loaded = act::read(&state, move |tx| {
        let households = tx.household_status_counts(scope)?;
        let coverage = tx.week_coverage(scope, week)?;
        let concerns = tx.concern_status_counts(scope, today)?;
        let report = tx.monthly_reports(ReportsOf::Unit(unit))?.remove(&(unit, report_month));
        Ok((households, coverage, concerns, report.map(|r| r.body.status)))
    })
    .await;
    let (households, coverage, (concerns, ledger), report) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let total: usize = households.values().sum();
    let proposed = total - households.get(&HouseholdStatus::Filed).copied().unwrap_or(0);
    let (active, visited) = coverage.iter().fold((0, 0), |(a, v), r| (a + r.active, v + r.visited));
    let status = |st: ConcernStatus| concerns.get(&st).copied().unwrap_or(0);
    let meeting_month = meeting_month(today);
    let (report_on, meeting_on) = (report_due(report_month), meeting_date(meeting_month));
    // A report in (submitted or filed) needs no countdown; one not in counts down to the 3rd.
    let report_left = match report {
        Some(ReportStatus::Submitted) => html! { span.badge.ok { "已报送" } },
        Some(ReportStatus::Filed) => html! { span.badge.ok { "已备案" } },
        _ => countdown(report_on, today),
    };
    let body = html! {
        h1 { (user.unit.name) " · 民情联系户工作台" }
        p.muted { "今天 " (date(today)) "，第" (week.week) "周（" (date(week.monday())) " 至 " (date(week.sunday())) "）" }
        div.tiles {
            a.tile href="/office/households" { "联系户 / 待备案" b { (total) " / " (proposed) } }
            a.tile href="/office/week" { "本周已走访" b { (visited) " / " (active) } span.small { (percent(visited, active)) } }
            a.tile href="/office/concerns?status=raised" { "待处理诉求" b { (status(ConcernStatus::Raised)) } }
            a.tile href="/office/meeting" { "已上报待交办" b { (status(ConcernStatus::Escalated)) } }
            a.tile href="/office/concerns?status=overdue" { "交办逾期" b { (status(ConcernStatus::Overdue)) } }
            a.tile href="/office/ledger" { "挂账督办中" b { (ledger) } }
        }
        h2 { "本月工作日程" }
        table {
            tr { th { "事项" } th { "日期" } th { "倒计时" } th { "说明" } }
            tr {
                td { a href=(format!("/office/report?month={report_month}")) { (report_month.year) "年" (report_month.month) "月民情月报" } }
                td.nw { (date(report_on)) }
                td.nw { (report_left) }
                td { "每月3日前汇总民情联系卡，书面报县委组织部备案" }
            }
            tr {
                td { a href=(format!("/office/meeting?month={meeting_month}")) { "联席会议" } }
                td.nw { (date(meeting_on)) }
                td.nw { (countdown(meeting_on, today)) }
                td { "每月5日，乡镇党委、政府研究" (meeting_month.month) "月民情专题报告，明确解决办法、承办人员和完成时限" }
            }
            tr {
                td { a href="/office/ledger" { "挂账督办" } }
                td { "每周 / 半月 / 每月" }
                td { a href="/office/ledger" { "挂账督办中" (ledger) "件" } }
                td { "组织部每周一询问，半月一检查，每月一调度" }
            }
        }
    };
    shell(&user, "首页", Nav::Home, body)
}
