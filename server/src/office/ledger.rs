//! 挂账督办 — the Organization Department's supervision ledger: important concerns (many
//! households, stability at stake) put on the ledger, with an inquiry every week, a check every
//! half month and a dispatch every month (每周一询问，半月一检查，每月一调度) until 办结.
//! Offices see their own concerns on it; only the Organization Department records.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::{china_date, ledger_is_overdue, ledger_next_due};
use minqing_shared::concern::{ConcernAction, ConcernStatus, LedgerKind};
use minqing_shared::ids::ConcernId;
use minqing_shared::sync::merge::ConcernState;
use minqing_shared::sync::validate::MAX_TEXT_CHARS;

use super::act::{self, Failed};
use super::concerns::{back, clip, concern_id, status_badge, step};
use super::detail::{self, Entered};
use super::form::{FieldErrors, FormData};
use super::layout::{Nav, date, shell};
use super::session::{OfficeUser, Post};
use crate::state::AppState;

/// Candidates shown for the ledger: open escalations, most households affected first.
const CANDIDATES: usize = 30;

/// The form that puts a concern on the ledger.
pub fn put_on_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/ledger")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            input name="reason" size="40" placeholder="挂账原因，如：涉及40户群众饮水" aria-label="挂账原因" value=(f.get("reason"));
            (e.show("reason")) " "
            button.primary type="submit" { "挂账督办" }
        }
    }
}

/// The form that records an inquiry, check or dispatch.
pub fn supervise_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/supervise")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            select name="kind" aria-label="督办环节" {
                @for k in LedgerKind::ALL { option value=(k.code()) selected[f.get("kind") == k.code()] { (k.zh()) } }
            }
            (e.show("kind")) " "
            input name="note" size="36" placeholder="询问/检查/调度情况" aria-label="督办情况" value=(f.get("note"));
            (e.show("note")) " "
            button.primary type="submit" { "记录" }
        }
    }
}

/// `GET /office/ledger`.
pub(super) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    let (s, concerns) = match act::scoped_concerns(&state, &user).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let today = s.today;
    let mut on: Vec<&ConcernState> = concerns.iter().filter(|c| c.on_ledger()).collect();
    on.sort_by_key(|c| (c.status == Some(ConcernStatus::Done), c.ledger_opened_at));
    let mut candidates: Vec<&ConcernState> = concerns
        .iter()
        .filter(|c| !c.on_ledger())
        .filter(|c| matches!(c.status, Some(ConcernStatus::Escalated | ConcernStatus::Assigned)))
        .collect();
    candidates
        .sort_by_key(|c| std::cmp::Reverse(c.report.as_ref().and_then(|r| r.households_affected)));
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
                @if user.county_wide() { th { "记录督办" } }
            } }
            tbody {
                @for c in &on {
                    @let h = c.household_id.and_then(|h| s.household(h));
                    tr {
                        td.nw { (c.ledger_opened_at.map(|t| date(china_date(t))).unwrap_or_default()) }
                        td { (h.map_or("—", |h| s.village_name(h.village_id))) br; (h.map_or("", |h| h.head_name.as_str())) }
                        td { a href=(format!("/office/concerns/{}", c.id)) { (clip(c.report.as_ref().map_or(&c.description, |r| &r.title), 30)) }
                             br; span.small.muted { (clip(&c.ledger_reason, 30)) } }
                        td { @if let Some(d) = &c.decision { (d.handler) br; (date(d.deadline)) } }
                        td { (status_badge(c.effective_status(today))) }
                        (due_cell(c, LedgerKind::Inquiry)) (due_cell(c, LedgerKind::Check)) (due_cell(c, LedgerKind::Dispatch))
                        @if user.county_wide() {
                            td { @if c.status != Some(ConcernStatus::Done) {
                                (supervise_form(&user, c.id, "/office/ledger", &FormData::default(), &FieldErrors::default()))
                            } }
                        }
                    }
                }
            }
        }
        @if on.is_empty() { p.muted { "台账中暂无事项。" } }
        @if user.county_wide() {
            h2 { "可挂账的上报事项（按涉及户数）" }
            table {
                tr { th { "村/户主" } th { "民情专题报告" } th.num { "涉及户数" } th { "状态" } th { "挂账" } }
                @for c in candidates.iter().take(CANDIDATES) {
                    @let h = c.household_id.and_then(|h| s.household(h));
                    tr {
                        td { (h.map_or("—", |h| s.village_name(h.village_id))) " " (h.map_or("", |h| h.head_name.as_str())) }
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

async fn finish(
    state: AppState,
    user: OfficeUser,
    id: ConcernId,
    which: &'static str,
    form: FormData,
    mut errors: FieldErrors,
    action: Option<ConcernAction>,
) -> Response {
    if let (Some(action), true) = (action, errors.is_empty()) {
        match step(&state, &user, id, action).await {
            Ok(_) => return Redirect::to(&back(form.get("back"), id)).into_response(),
            Err(Failed::Refused(msg)) => errors.form = Some(msg),
            Err(Failed::Error(e)) => return e.into_response(),
        }
    }
    detail::render(user, state, id, Entered { which, form, errors }).await
}

/// `POST /office/concerns/{id}/ledger`: 挂账督办.
pub(super) async fn put_on(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let id = match concern_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let mut errors = FieldErrors::default();
    errors.text("reason", form.get("reason"), MAX_TEXT_CHARS, true);
    let action = ConcernAction::PutOnLedger { reason: form.get("reason").to_owned() };
    finish(state, user, id, "ledger", form, errors, Some(action)).await
}

/// `POST /office/concerns/{id}/supervise`: an inquiry, check or dispatch.
pub(super) async fn supervise(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let id = match concern_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let mut errors = FieldErrors::default();
    let kind = LedgerKind::from_code(form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "请选择询问、检查或调度");
    }
    errors.text("note", form.get("note"), MAX_TEXT_CHARS, true);
    let action =
        kind.map(|kind| ConcernAction::Supervise { kind, note: form.get("note").to_owned() });
    finish(state, user, id, "supervise", form, errors, action).await
}
