//! `/office/report` for the Organization Department 月报汇总 — a month's reports: every township and county
//! department, its figures, whether it reported by the 3rd, and filing 备案.

use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{YearMonth, report_due};
use minqing_shared::sync::op::ReportStatus;

use minqing_shared::org::UnitKind;

use super::{MonthData, status_badges};
use crate::office::kit::act;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::layout::{Nav, date, percent, shell, time};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::ReportsOf;

/// The county's reports for `month`.
pub async fn page(user: OfficeUser, state: AppState, month: YearMonth, e: FieldErrors) -> Response {
    let (today, scope, user_county) = (user.today, user.scope(), user.unit.county_id);
    let loaded = act::read(&state, move |tx| {
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
        Ok((today, rows))
    })
    .await;
    let (today, mut rows) = match loaded {
        Ok(x) => x,
        Err(err) => return err.into_response(),
    };
    rows.sort_by_key(|(u, _, _)| (u.kind, u.name.clone()));
    let count = |st: ReportStatus| {
        rows.iter()
            .filter(|(_, _, r)| r.as_ref().map_or(ReportStatus::Draft, |r| r.body.status) == st)
            .count()
    };
    let body = html! {
        h1 { (month.year) "年" (month.month) "月民情月报汇总（报送期限 " (date(report_due(month))) "）" }
        p.noprint {
            a href=(format!("/office/report?month={}", month.prev())) { "← 上月" } " · "
            a href=(format!("/office/report?month={}", month.next())) { "下月 →" }
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
