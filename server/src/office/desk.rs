//! `/office/desk` 我的交办 — the responsible unit's desk: the concerns joint meetings assigned to
//! this unit 承办单位 (from any township of the county), overdue first, each with its deadline,
//! the decided solution, when progress was last reported, and the forms to report this week's
//! progress 进展 and to record 办结. What it may do is the permission table's answer for the
//! responsible unit ([`minqing_shared::permit::permit_access`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{china_date, china_midnight_ms};
use minqing_shared::concern::{ConcernAction, ConcernStatus};
use minqing_shared::desk::{desk_order, progress_due};
use minqing_shared::permit::Action;
use minqing_shared::scope::Access;

use crate::office::kit::act;
use crate::office::kit::concern::{clip, complete_form, offered, progress_form, status_badge};
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, countdown, date, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// Finished concerns stay on the desk this many days.
const DONE_SHOWN_DAYS: u64 = 30;

/// `GET /office/desk`.
pub(crate) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    let (unit, today) = (user.unit.id, user.today);
    let since = today.checked_sub_days(chrono::Days::new(DONE_SHOWN_DAYS)).unwrap_or(today);
    let loaded =
        act::read(&state, move |tx| Ok(tx.desk_concerns(unit, china_midnight_ms(since))?)).await;
    let mut rows = match loaded {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    rows.sort_by_key(|r| desk_order(&r.concern, today));
    let open = rows.iter().filter(|r| r.concern.status != Some(ConcernStatus::Done)).count();
    let overdue = rows
        .iter()
        .filter(|r| r.concern.effective_status(today) == Some(ConcernStatus::Overdue))
        .count();
    let owed = rows.iter().filter(|r| progress_due(&r.concern, today)).count();
    let body = html! {
        h1 { (user.unit.name) " · 我的交办" }
        p.muted { "联席会议明确由本单位承办的民情诉求。请每周报告一次进展，办结时填写办结情况；逾期事项排在最前。" }
        div.tiles {
            div.tile { "办理中" b { (open) } }
            div.tile { "已逾期" b { (overdue) } }
            div.tile { "本周未报进展" b { (owed) } }
        }
        @if rows.is_empty() { p.muted { "暂无交办给本单位的事项。" } }
        @else {
            table {
                thead { tr {
                    th { "完成时限" } th { "乡镇村/户主" } th { "诉求/专题报告" } th { "解决办法 / 承办人" }
                    th { "最近进展" } th { "状态" } th.noprint { "办理" }
                } }
                tbody {
                    @for r in &rows {
                        @let c = &r.concern;
                        @let st = c.effective_status(today);
                        @let last = c.history.iter().rev().find(|s| matches!(s.action, ConcernAction::Progress { .. }));
                        @let can = offered(&user, c, Access::Assignee);
                        tr class=@if st == Some(ConcernStatus::Overdue) { "bad" } {
                            td.nw {
                                @if let Some(d) = &c.decision {
                                    (date(d.deadline)) br;
                                    @if st.is_some_and(|s| !s.is_closed()) { (countdown(d.deadline, today)) }
                                }
                            }
                            td { (r.township) (r.village) br; (r.head) }
                            td { a href=(format!("/office/concerns/{}", c.id)) { (clip(c.report.as_ref().map_or(&c.description, |r| &r.title), 30)) }
                                 br; span.small.muted { (c.category.map_or("—", |k| k.zh())) } }
                            td { @if let Some(d) = &c.decision { (clip(&d.solution, 40)) br; span.small { "承办人：" (d.handler) } } }
                            td {
                                @if let Some(p) = last {
                                    span.nw { (date(china_date(p.at))) } br;
                                    @if let ConcernAction::Progress { note } = &p.action { span.small { (clip(note, 30)) } }
                                } @else { span.muted { "—" } }
                                @if progress_due(c, today) { br; span.badge.warn { "本周未报" } }
                            }
                            td { (status_badge(st)) }
                            td.noprint style="min-width:300px" {
                                @if can.contains(&Action::ReportProgress) {
                                    (progress_form(&user, c.id, "/office/desk", &FormData::default(), &FieldErrors::default()))
                                }
                                @if can.contains(&Action::Complete) {
                                    details { summary { "办结" }
                                        (complete_form(&user, c.id, "/office/desk", &FormData::default(), &FieldErrors::default())) }
                                }
                                @if st == Some(ConcernStatus::Done) { span.small { (clip(&c.note, 30)) } }
                            }
                        }
                    }
                }
            }
        }
    };
    shell(&user, "我的交办", Nav::Desk, body)
}
