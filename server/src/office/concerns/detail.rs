//! One concern from the doorstep to 办结: the household, the special report, the meeting's
//! decision, the supervision ledger and every step, with the forms the office may use on it —
//! to the responsible unit 承办单位 of another township or department, only progress and 办结.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{china_date, ledger_is_overdue, ledger_next_due};
use minqing_shared::concern::{ConcernAction, ConcernStatus, LedgerKind};
use minqing_shared::desk::may_be_assigned;
use minqing_shared::ids::{CadreId, ConcernId};
use minqing_shared::permit::Action;
use minqing_shared::photo::PhotoId;
use minqing_shared::scope::Access;

use crate::office::kit::act;
use crate::office::kit::concern::{
    Entered, complete_form, concern_id, decision_form, offered, progress_form, put_on_form,
    status_badge, supervise_form, unit_name,
};
use crate::office::kit::error::OfficeError;
use crate::office::kit::layout::{Nav, date, shell, time};
use crate::office::kit::session::OfficeUser;
use crate::office::photos::thumbnails;
use crate::state::AppState;

/// `GET /office/concerns/{id}`.
pub(crate) async fn page(
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
        | ConcernAction::Progress { note }
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
        ConcernAction::PutOnLedger { reason, .. } => reason.clone(),
        ConcernAction::Void { reason, .. } => reason.clone(),
    }
}

/// The detail page, with `entered` re-shown in its form.
pub async fn render(
    user: OfficeUser,
    state: AppState,
    id: ConcernId,
    entered: Entered,
) -> Response {
    let (scope, county) = (user.scope(), user.unit.county_id);
    let loaded = act::read(&state, move |tx| {
        let (row, access) = tx
            .concern_row(scope, id)?
            .ok_or_else(|| OfficeError::not_found("民情诉求不存在或不在本单位范围内"))?;
        let c = &row.concern;
        let voided = c.voided.iter().map(|v| v.step.actor);
        let actors: Vec<CadreId> = c.history.iter().map(|s| s.actor).chain(voided).collect();
        let names = tx.cadre_names(&actors)?;
        let mut records = vec![id.0];
        records.extend(row.concern.visit_id.map(|v| v.0));
        // The photos are the household's: its own offices see them, not a responsible unit
        // elsewhere (which reads the report and the decision).
        let photos: Vec<(PhotoId, bool)> = match access {
            Access::Own => {
                tx.photos_of(&records)?.into_iter().map(|(_, p, stored)| (p, stored)).collect()
            }
            Access::Assignee => Vec::new(),
        };
        let mut units = tx.county_units(county)?;
        units.retain(|u| may_be_assigned(u, county));
        Ok((row, access, names, photos, units))
    })
    .await;
    let (row, access, names, photos, units): (_, _, BTreeMap<CadreId, String>, _, _) = match loaded
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let c = &row.concern;
    let today = user.today;
    let st = c.effective_status(today);
    let can = offered(&user, c, access);
    let unit_name = |u| match unit_name(&units, u) {
        "" => "—",
        name => name,
    };
    let back = format!("/office/concerns/{id}");
    let (df, de) = entered.of("decide");
    let (cf, ce) = entered.of("complete");
    let (lf, le) = entered.of("ledger");
    let (sf, se) = entered.of("supervise");
    let (pf, pe) = entered.of("progress");
    let opened = c.ledger_opened_at.map(china_date);
    let body = html! {
        p.noprint { a href="/office/concerns" { "← 民情诉求" } }
        (entered.errors.banner())
        h1 { "民情诉求 · " (c.category.map_or("—", |k| k.zh())) " " (status_badge(st))
            @if c.on_ledger() { " " span.badge.bad { "挂账督办" } } }
        table {
            tr { th { "户主" } td { @if access == Access::Own { a href=(format!("/office/households/{}", row.household)) { (row.head) } } @else { (row.head) } }
                 th { "村" } td { (row.village) } }
            tr { th { "包村干部" } td { (row.raised_by.as_deref().unwrap_or("—")) }
                 th { "反映时间" } td { (c.raised_at.map(time).unwrap_or_default()) } }
            tr { th { "诉求内容" } td colspan="3" { (c.description) } }
            @if !photos.is_empty() {
                tr { th { "照片" } td colspan="3" { (thumbnails(&photos)) } }
            }
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
                    th { "承办单位 / 承办人" } td { (unit_name(d.unit)) " · " (d.handler) }
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
                tr { td.nw { (time(step.at)) } td { (names.get(&step.actor).map_or("—", String::as_str)) } td { (step.action.name().0) } td { (step_text(&step.action)) } }
            }
        }
        @if !c.voided.is_empty() {
            h2 { "作废记录" }
            table.small {
                tr { th { "作废的环节" } th { "原经办" } th { "原内容" } th { "作废原因" } th { "作废时间" } }
                @for v in &c.voided {
                    tr {
                        td { (v.step.action.name().0) }
                        td { (names.get(&v.step.actor).map_or("—", String::as_str)) " · " (time(v.step.at)) }
                        td { (step_text(&v.step.action)) }
                        td { (v.reason) }
                        td.nw { (time(v.at)) }
                    }
                }
            }
        }
        @if !c.anomalies.is_empty() {
            div.alert.warn { "有" (c.anomalies.len()) "个环节因顺序不符未能生效（已记录，未丢弃）。" }
        }
        div.noprint {
            @if can.contains(&Action::Assign) {
                h2 { @if c.decision.is_some() { "调整交办决定" } @else { "录入联席会议决定" } }
                (decision_form(&user, id, None, &back, &units, (&df, &de)))
            }
            @if can.contains(&Action::ReportProgress) {
                h2 { "报告进展" }
                (progress_form(&user, id, &back, &pf, &pe))
            }
            @if can.contains(&Action::Complete) {
                h2 { "办结" }
                (complete_form(&user, id, &back, &cf, &ce))
            }
            @if can.contains(&Action::PutOnLedger) {
                h2 { "挂账督办" }
                (put_on_form(&user, id, &back, &lf, &le))
            }
            @if can.contains(&Action::Supervise) {
                h2 { "记录督办" }
                (supervise_form(&user, id, &back, &sf, &se))
            }
        }
    };
    let status = entered.errors.status();
    (status, shell(&user, "民情诉求详情", Nav::Concerns, body)).into_response()
}

/// The end of a step's form: the step recorded and the browser sent back, or the concern's page
/// again with what was entered and why it was not taken.
pub(crate) async fn finish(
    state: AppState,
    user: OfficeUser,
    id: &str,
    which: &'static str,
    form: crate::office::kit::form::FormData,
    mut errors: crate::office::kit::form::FieldErrors,
    action: Option<ConcernAction>,
) -> Response {
    use crate::office::kit::act::Failed;
    use crate::office::kit::concern::{back, step};
    let id = match concern_id(id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    if let (Some(action), true) = (action, errors.is_empty()) {
        match step(&state, &user, id, action).await {
            Ok(_) => {
                return axum::response::Redirect::to(&back(form.get("back"), id)).into_response();
            }
            Err(Failed::Refused(msg)) => errors.form = Some(msg),
            Err(Failed::Error(e)) => return e.into_response(),
        }
    }
    render(user, state, id, Entered { which, form, errors }).await
}
