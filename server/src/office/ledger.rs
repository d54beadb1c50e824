//! `/office/ledger` 挂账督办 — the Organization Department's supervision ledger: important concerns (many
//! households, stability at stake) put on the ledger, with an inquiry every week, a check every
//! half month and a dispatch every month (每周一询问，半月一检查，每月一调度) until 办结.
//! Offices see their own concerns on it; only the Organization Department records.
//! `/office/ledger.xlsx` is the same table as a sheet.

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

/// `GET /office/ledger.xlsx`: every concern on the ledger with its next inquiry, check and
/// dispatch (dates, and whether each is overdue).
pub(crate) async fn xlsx(user: OfficeUser, State(state): State<AppState>) -> Response {
    use crate::office::kit::xlsx::{Cell, Column, Export, table};
    let (scope, today) = (user.scope(), user.today);
    let mut on = match act::read(&state, move |tx| Ok(tx.ledger_concerns(scope)?)).await {
        Ok(on) => on,
        Err(e) => return e.into_response(),
    };
    on.sort_by_key(|r| (r.concern.status == Some(ConcernStatus::Done), r.concern.ledger_opened_at));
    let rows: Vec<Vec<Cell>> = on
        .iter()
        .map(|r| {
            let c = &r.concern;
            let opened = c.ledger_opened_at.map(china_date);
            let open = c.status != Some(ConcernStatus::Done);
            let mut row: Vec<Cell> = vec![
                opened.into(),
                r.village.as_str().into(),
                r.head.as_str().into(),
                c.report.as_ref().map_or(c.description.as_str(), |r| r.title.as_str()).into(),
                c.ledger_reason.as_str().into(),
                c.report.as_ref().and_then(|r| r.households_affected).into(),
                c.decision.as_ref().map(|d| d.handler.clone()).into(),
                c.decision.as_ref().map(|d| d.deadline).into(),
                c.effective_status(today).map(|s| minqing_shared::Label::zh(&s)).into(),
            ];
            for kind in [LedgerKind::Inquiry, LedgerKind::Check, LedgerKind::Dispatch] {
                let opened = opened.unwrap_or(today);
                let last = c.last_supervision(kind);
                let late = open && ledger_is_overdue(kind, opened, last, today);
                row.push(if open {
                    ledger_next_due(kind, opened, last).into()
                } else {
                    Cell::Empty
                });
                row.push(if late { "逾期".into() } else { Cell::Empty });
            }
            row
        })
        .collect();
    let columns = [
        Column("挂账日期", 12.0),
        Column("村", 12.0),
        Column("户主", 10.0),
        Column("诉求/专题报告", 32.0),
        Column("挂账原因", 24.0),
        Column("涉及户数", 10.0),
        Column("承办人", 14.0),
        Column("完成时限", 12.0),
        Column("状态", 8.0),
        Column("下次询问", 12.0),
        Column("询问逾期", 9.0),
        Column("下次检查", 12.0),
        Column("检查逾期", 9.0),
        Column("下次调度", 12.0),
        Column("调度逾期", 9.0),
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let bytes = table(&mut book, "挂账督办", &columns, &rows).and_then(|()| book.save_to_buffer());
    let name = format!("{}-挂账督办台账-{today}.xlsx", user.unit.name);
    let export =
        Export { book: bytes, what: "ledger.xlsx", record: None, rows: rows.len(), name: &name };
    export.send(&state, &user).await
}

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
        p.noprint { a href="/office/ledger.xlsx" { "导出Excel" } }
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
