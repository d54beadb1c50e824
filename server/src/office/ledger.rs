//! `/office/ledger` 挂账督办 — the Organization Department's supervision ledger: important concerns (many
//! households, stability at stake) put on the ledger, with an inquiry every week, a check every
//! half month and a dispatch every month (每周一询问，半月一检查，每月一调度) until 办结.
//! Offices see their own concerns on it; only the Organization Department records.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::calendar::{china_date, ledger_is_overdue, ledger_next_due};
use minqing_shared::concern::{ConcernStatus, LedgerKind};
use minqing_shared::permit::Action;
use minqing_shared::sync::merge::ConcernState;

use crate::office::kit::act;
use crate::office::kit::concern::{clip, offered, put_on_form, status_badge, supervise_form};
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, date, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// Candidates shown for the ledger: open escalations, most households affected first.
const CANDIDATES: usize = 30;

/// `GET /office/ledger`.
pub(crate) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    let (scope, today, county_wide) = (user.scope(), user.today, user.county_wide());
    let loaded = act::read(&state, move |tx| {
        let on = tx.ledger_concerns(scope)?;
        let candidates =
            if county_wide { tx.ledger_candidates(scope, CANDIDATES)? } else { Vec::new() };
        Ok((on, candidates))
    })
    .await;
    let (mut on, candidates) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    on.sort_by_key(|r| (r.concern.status == Some(ConcernStatus::Done), r.concern.ledger_opened_at));
    let due_cell = |c: &ConcernState, kind: LedgerKind| {
        let opened = c.ledger_opened_at.map(china_date).unwrap_or(today);
        let last = c.last_supervision(kind);
        let next = ledger_next_due(kind, opened, last);
        let open = c.status != Some(ConcernStatus::Done);
        let late = open && ledger_is_overdue(kind, opened, last, today);
        html! {
            td class=@if late { "bad nw" } @else { "nw" } {
                @if open { (date(next)) @if late { " " span.badge.bad { "逾期" } } } @else { "—" }
                br; span.small.muted { "上次 " (last.map(date).unwrap_or("—".into())) }
            }
        }
    };
    let body = html! {
        h1 { "挂账督办台账" }
        p.muted { "组织部对涉及群众多、事关全县稳定的重要问题挂账督办：每周一询问，半月一检查，每月一调度，直至办结。" }
        table {
            thead { tr {
                th { "挂账日期" } th { "村/户主" } th { "诉求" } th { "承办人 / 时限" } th { "状态" }
                th { "询问（每周）" } th { "检查（半月）" } th { "调度（每月）" }
                @if county_wide { th { "记录督办" } }
            } }
            tbody {
                @for r in &on {
                    @let c = &r.concern;
                    tr {
                        td.nw { (c.ledger_opened_at.map(|t| date(china_date(t))).unwrap_or_default()) }
                        td { (r.village) br; (r.head) }
                        td { a href=(format!("/office/concerns/{}", c.id)) { (clip(c.report.as_ref().map_or(&c.description, |r| &r.title), 30)) }
                             br; span.small.muted { (clip(&c.ledger_reason, 30)) } }
                        td { @if let Some(d) = &c.decision { (d.handler) br; (date(d.deadline)) } }
                        td { (status_badge(c.effective_status(today))) }
                        (due_cell(c, LedgerKind::Inquiry)) (due_cell(c, LedgerKind::Check)) (due_cell(c, LedgerKind::Dispatch))
                        @if county_wide {
                            td { @if offered(&user, c).contains(&Action::Supervise) {
                                (supervise_form(&user, c.id, "/office/ledger", &FormData::default(), &FieldErrors::default()))
                            } }
                        }
                    }
                }
            }
        }
        @if on.is_empty() { p.muted { "台账中暂无事项。" } }
        @if county_wide {
            h2 { "可挂账的上报事项（按涉及户数）" }
            table {
                tr { th { "村/户主" } th { "民情专题报告" } th.num { "涉及户数" } th { "状态" } th { "挂账" } }
                @for r in &candidates {
                    @let c = &r.concern;
                    tr {
                        td { (r.village) " " (r.head) }
                        td { a href=(format!("/office/concerns/{}", c.id)) { (clip(c.report.as_ref().map_or(&c.description, |r| &r.title), 36)) } }
                        td.num { (c.report.as_ref().and_then(|r| r.households_affected).map(|n| n.to_string()).unwrap_or_default()) }
                        td { (status_badge(c.effective_status(today))) }
                        td { (put_on_form(&user, c.id, "/office/ledger", &FormData::default(), &FieldErrors::default())) }
                    }
                }
            }
        }
    };
    shell(&user, "挂账督办", Nav::Ledger, body)
}
