//! One concern from the doorstep to 办结: the household, the special report, the meeting's
//! decision, the supervision ledger and every step, with the forms the office may use on it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::{china_date, ledger_is_overdue, ledger_next_due};
use minqing_shared::concern::{ConcernAction, ConcernStatus, LedgerKind};
use minqing_shared::ids::ConcernId;

use super::act;
use super::concerns::{concern_id, status_badge};
use super::error::OfficeError;
use super::form::{FieldErrors, FormData};
use super::layout::{Nav, date, shell, time};
use super::ledger;
use super::meeting;
use super::scope::Scoped;
use super::session::OfficeUser;
use crate::state::AppState;

/// What was entered in one of the page's forms, re-shown with its errors.
#[derive(Debug, Default)]
pub struct Entered {
    /// Which form: `decide`, `complete`, `ledger` or `supervise` ("" for none).
    pub which: &'static str,
    /// The values entered.
    pub form: FormData,
    /// What is wrong with them.
    pub errors: FieldErrors,
}

impl Entered {
    /// The values and errors for form `which` (empty for the others).
    pub fn of(&self, which: &str) -> (FormData, FieldErrors) {
        if self.which == which {
            (self.form.clone(), self.errors.clone())
        } else {
            Default::default()
        }
    }
}

/// `GET /office/concerns/{id}`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    match concern_id(&id) {
        Ok(id) => {
            let viewer = user.cadre.id;
            let page = render(user, state.clone(), id, Entered::default()).await;
            if page.status().is_success() {
                if let Err(e) =
                    crate::audit::office_view(&state, viewer, "concern", id.to_string()).await
                {
                    return e.into_response();
                }
            }
            page
        }
        Err(e) => e.into_response(),
    }
}

fn step_text(action: &ConcernAction) -> String {
    match action {
        ConcernAction::Raise { description, .. } => description.clone(),
        ConcernAction::ResolveOnSpot { note }
        | ConcernAction::Explain { note }
        | ConcernAction::Complete { note }
        | ConcernAction::Supervise { note, .. } => note.clone(),
        ConcernAction::Escalate { report } => {
            format!("专题报告《{}》：{}", report.title, report.content)
        }
        ConcernAction::Assign { decision: d } => format!(
            "{}会议决定：{}；承办人：{}；完成时限：{}",
            date(d.meeting_date),
            d.solution,
            d.handler,
            date(d.deadline)
        ),
        ConcernAction::PutOnLedger { reason } => reason.clone(),
    }
}

/// The detail page, with `entered` re-shown in its form.
pub async fn render(
    user: OfficeUser,
    state: AppState,
    id: ConcernId,
    entered: Entered,
) -> Response {
    let u = user.clone();
    let loaded = act::read(&state, move |tx| {
        let s = Scoped::load(tx, &u)?;
        let c =
            tx.concern(id)?.filter(|c| c.household_id.is_some_and(|h| s.household(h).is_some()));
        let c = c.ok_or_else(|| OfficeError::not_found("民情诉求不存在或不在本单位范围内"))?;
        Ok((s, c))
    })
    .await;
    let (s, c) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let today = s.today;
    let h = c.household_id.and_then(|h| s.household(h));
    let st = c.effective_status(today);
    let open = matches!(c.status, Some(ConcernStatus::Escalated | ConcernStatus::Assigned));
    let back = format!("/office/concerns/{id}");
    let (df, de) = entered.of("decide");
    let (cf, ce) = entered.of("complete");
    let (lf, le) = entered.of("ledger");
    let (sf, se) = entered.of("supervise");
    let opened = c.ledger_opened_at.map(china_date);
    let body = html! {
        p.noprint { a href="/office/concerns" { "← 民情诉求" } }
        (entered.errors.banner())
        h1 { "民情诉求 · " (c.category.map_or("—", |k| k.zh())) " " (status_badge(st))
            @if c.on_ledger() { " " span.badge.bad { "挂账督办" } } }
        table {
            tr { th { "户主" } td { @if let Some(h) = h { a href=(format!("/office/households/{}", h.id)) { (h.head_name) } } }
                 th { "村" } td { (h.map_or("—", |h| s.village_name(h.village_id))) } }
            tr { th { "包村干部" } td { (s.cadre_name(c.raised_by)) }
                 th { "反映时间" } td { (c.raised_at.map(time).unwrap_or_default()) } }
            tr { th { "诉求内容" } td colspan="3" { (c.description) } }
            @if !c.note.is_empty() { tr { th { "处理说明" } td colspan="3" { (c.note) } } }
        }
        @if let Some(r) = &c.report {
            h2 { "民情专题报告" }
            table {
                tr { th { "标题" } td { (r.title) } th { "涉及户数" } td { (r.households_affected.map(|n| n.to_string()).unwrap_or("—".into())) } }
                tr { th { "内容" } td colspan="3" { (r.content) } }
            }
        }
        @if let Some(d) = &c.decision {
            h2 { "联席会议决定" }
            table {
                tr class=@if st == Some(ConcernStatus::Overdue) { "bad" } {
                    th { "会议日期" } td { (date(d.meeting_date)) }
                    th { "承办人" } td { (d.handler) }
                    th { "完成时限" } td { (date(d.deadline)) @if st == Some(ConcernStatus::Overdue) { " " span.badge.bad { "逾期" } } }
                }
                tr { th { "解决办法" } td colspan="5" { (d.solution) } }
            }
        }
        @if let Some(opened) = opened {
            h2 { "挂账督办" }
            p { "挂账日期：" (date(opened)) "　原因：" (c.ledger_reason) }
            table.small {
                tr { th { "督办环节" } th { "上次" } th { "下次应办" } }
                @for kind in LedgerKind::ALL {
                    @let last = c.last_supervision(*kind);
                    @let late = c.status != Some(ConcernStatus::Done) && ledger_is_overdue(*kind, opened, last, today);
                    tr class=@if late { "bad" } {
                        td { (kind.zh()) } td { (last.map(date).unwrap_or("—".into())) }
                        td { (date(ledger_next_due(*kind, opened, last))) @if late { " " span.badge.bad { "逾期" } } }
                    }
                }
            }
        }
        h2 { "办理经过" }
        table {
            tr { th { "时间" } th { "经办人" } th { "环节" } th { "内容" } }
            @for step in &c.history {
                tr { td.nw { (time(step.at)) } td { (s.cadre_name(Some(step.actor))) } td { (step.action.name().0) } td { (step_text(&step.action)) } }
            }
        }
        @if !c.anomalies.is_empty() {
            div.alert.warn { "有" (c.anomalies.len()) "个环节因顺序不符未能生效（已记录，未丢弃）。" }
        }
        @if open {
            div.noprint {
                h2 { @if c.decision.is_some() { "调整交办决定" } @else { "录入联席会议决定" } }
                (meeting::decision_form(&user, id, None, &back, &df, &de))
                h2 { "办结" }
                (complete_form(&user, id, &back, &cf, &ce))
                @if user.county_wide() && !c.on_ledger() {
                    h2 { "挂账督办" }
                    (ledger::put_on_form(&user, id, &back, &lf, &le))
                }
                @if user.county_wide() && c.on_ledger() {
                    h2 { "记录督办" }
                    (ledger::supervise_form(&user, id, &back, &sf, &se))
                }
            }
        }
    };
    let status =
        if entered.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, shell(&user, "民情诉求详情", Nav::Concerns, body)).into_response()
}

/// The 办结 form.
pub fn complete_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/complete")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            div { "办结情况 " (e.show("note")) }
            textarea name="note" placeholder="如：新井已打成，群众吃上自来水" { (f.get("note")) }
            button.primary type="submit" { "办结" }
        }
    }
}
