//! `/office/ledger` 挂账督办 — the Organization Department's supervision ledger: important concerns (many
//! households, stability at stake) put on the ledger, with an inquiry every week, a check every
//! half month and a dispatch every month (每周一询问，半月一检查，每月一调度) until 办结.
//! Related concerns (the same category, village or town) are merged into one item 合并督办 whose
//! households add up; a supervision record on an item reaches every member concern and its
//! cadre. Each assigned concern shows its responsible unit and whether it reported progress
//! this week. Offices see their own concerns on it; only the Organization Department records.
//! `/office/ledger.xlsx` is the same table as a sheet.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{china_date, ledger_is_overdue, ledger_next_due};
use minqing_shared::concern::{ConcernAction, ConcernStatus, LedgerKind, Step};
use minqing_shared::desk::{households_affected, item_households, progress_due};
use minqing_shared::ids::ConcernId;
use minqing_shared::permit::Action;
use minqing_shared::scope::Access;
use minqing_shared::sync::merge::ConcernState;
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::validate::MAX_TEXT_CHARS;
use serde::Deserialize;

use crate::office::kit::act::{self, Failed};
use crate::office::kit::concern::{clip, offered, status_badge, supervise_form, unit_name};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, date, shell};
use crate::office::kit::session::{OfficeUser, Post};
use crate::state::AppState;
use crate::store::ConcernRow;

/// `GET /office/ledger.xlsx`: every concern on the ledger with its next inquiry, check and
/// dispatch (dates, and whether each is overdue).
pub(crate) async fn xlsx(user: OfficeUser, State(state): State<AppState>) -> Response {
    use crate::office::kit::xlsx::{Cell, Column, Export, table};
    let (scope, today, county) = (user.scope(), user.today, user.unit.county_id);
    let loaded =
        act::read(&state, move |tx| Ok((tx.ledger_concerns(scope)?, tx.county_units(county)?)))
            .await;
    let (mut on, units) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let unit_name = |u| unit_name(&units, u);
    let titles: BTreeMap<ConcernId, String> = on
        .iter()
        .map(|r| {
            let c = &r.concern;
            (c.id, c.report.as_ref().map_or(c.description.clone(), |r| r.title.clone()))
        })
        .collect();
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
                c.ledger_item
                    .and_then(|i| titles.get(&i))
                    .map(String::as_str)
                    .unwrap_or_default()
                    .into(),
                households_affected(c).into(),
                unit_name(c.decision.as_ref().and_then(|d| d.unit)).into(),
                c.decision.as_ref().map(|d| d.handler.clone()).into(),
                c.decision.as_ref().map(|d| d.deadline).into(),
                c.effective_status(today).map(|s| minqing_shared::Label::zh(&s)).into(),
                if progress_due(c, today) { "未报".into() } else { Cell::Empty },
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
        Column("并入督办事项", 24.0),
        Column("涉及户数", 10.0),
        Column("承办单位", 14.0),
        Column("承办人", 14.0),
        Column("完成时限", 12.0),
        Column("状态", 8.0),
        Column("本周进展", 9.0),
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
const CANDIDATES: usize = 60;

/// How the candidates are grouped for merging: related concerns sit together.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct GroupQuery {
    #[serde(default)]
    group: String,
}

const GROUPS: &[(&str, &str)] = &[("category", "按类别"), ("village", "按村"), ("town", "按乡镇")];

/// One item of the ledger: a concern alone, or related concerns merged 合并督办 (the first is
/// the item's, whose supervision records every member shares).
struct Item<'a> {
    lead: &'a ConcernRow,
    members: Vec<&'a ConcernRow>,
}

/// The ledger's rows grouped into items, in the order of their first concern.
fn items(on: &[ConcernRow]) -> Vec<Item<'_>> {
    let mut by: BTreeMap<ConcernId, Vec<&ConcernRow>> = BTreeMap::new();
    for r in on {
        by.entry(r.concern.ledger_item().unwrap_or(r.concern.id)).or_default().push(r);
    }
    let mut items: Vec<Item<'_>> = by
        .into_iter()
        .map(|(id, members)| {
            let lead = members.iter().find(|r| r.concern.id == id).unwrap_or(&members[0]);
            Item { lead, members }
        })
        .collect();
    items.sort_by_key(|i| {
        let c = &i.lead.concern;
        (
            i.members.iter().all(|m| m.concern.status == Some(ConcernStatus::Done)),
            c.ledger_opened_at,
        )
    });
    items
}

/// `GET /office/ledger`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<GroupQuery>,
) -> Response {
    let (scope, today, county_wide) = (user.scope(), user.today, user.county_wide());
    let county = user.unit.county_id;
    let loaded = act::read(&state, move |tx| {
        let on = tx.ledger_concerns(scope)?;
        let candidates =
            if county_wide { tx.ledger_candidates(scope, CANDIDATES)? } else { Vec::new() };
        let units = tx.county_units(county)?;
        Ok((on, candidates, units))
    })
    .await;
    let (on, candidates, units) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let unit_name = |u| match unit_name(&units, u) {
        "" => "—",
        name => name,
    };
    let items = items(&on);
    // Who has not reported progress this week, per responsible unit.
    let mut silent: BTreeMap<&str, usize> = BTreeMap::new();
    for r in on.iter().filter(|r| progress_due(&r.concern, today)) {
        *silent.entry(unit_name(r.concern.decision.as_ref().and_then(|d| d.unit))).or_default() +=
            1;
    }
    let due_cell = |c: &ConcernState, open: bool, kind: LedgerKind| {
        let opened = c.ledger_opened_at.map(china_date).unwrap_or(today);
        let last = c.last_supervision(kind);
        let next = ledger_next_due(kind, opened, last);
        let late = open && ledger_is_overdue(kind, opened, last, today);
        html! {
            td class=@if late { "bad nw" } @else { "nw" } {
                @if open { (date(next)) @if late { " " span.badge.bad { "逾期" } } } @else { "—" }
                br; span.small.muted { "上次 " (last.map(date).unwrap_or("—".into())) }
            }
        }
    };
    let member_line = |r: &ConcernRow, many: bool| {
        let c = &r.concern;
        html! {
            div {
                a href=(format!("/office/concerns/{}", c.id)) { (clip(c.report.as_ref().map_or(&c.description, |r| &r.title), 30)) }
                span.small.muted { " " (r.township) (r.village) " " (r.head) }
                @if many { " " (status_badge(c.effective_status(today))) }
                @if let Some(d) = &c.decision {
                    br; span.small { (unit_name(d.unit)) " · " (d.handler) " · 时限 " (date(d.deadline)) }
                    @if progress_due(c, today) { " " span.badge.warn { "本周未报进展" } }
                }
            }
        }
    };
    let group = GROUPS.iter().find(|(g, _)| *g == q.group).map_or("category", |(g, _)| *g);
    let mut groups: BTreeMap<String, Vec<&ConcernRow>> = BTreeMap::new();
    for r in &candidates {
        let key = match group {
            "village" => format!("{} {}", r.township, r.village),
            "town" => r.township.clone(),
            _ => r.concern.category.map_or("—", |k| k.zh()).to_owned(),
        };
        groups.entry(key).or_default().push(r);
    }
    let open_items: Vec<&Item<'_>> =
        items.iter().filter(|i| i.members.iter().any(|m| m.concern.ledger_open())).collect();
    let body = html! {
        h1 { "挂账督办台账" }
        p.noprint { a href="/office/ledger.xlsx" { "导出Excel" } }
        p.muted { "组织部对涉及群众多、事关全县稳定的重要问题挂账督办：每周一询问，半月一检查，每月一调度，直至办结。相关诉求可合并为一项督办，督办记录送达每件诉求及其包村干部。" }
        @if !silent.is_empty() {
            div.alert.warn {
                "本周未报告进展的承办单位："
                @for (i, (unit, n)) in silent.iter().enumerate() {
                    @if i > 0 { "、" } b { (unit) } "（" (n) "件）"
                }
            }
        }
        table {
            thead { tr {
                th { "挂账日期" } th { "督办事项" } th.num { "涉及户数" } th { "状态" }
                th { "询问（每周）" } th { "检查（半月）" } th { "调度（每月）" }
                @if county_wide { th { "记录督办" } }
            } }
            tbody {
                @for item in &items {
                    @let c = &item.lead.concern;
                    @let open = item.members.iter().any(|m| m.concern.ledger_open());
                    @let members = item.members.iter().map(|m| &m.concern);
                    tr {
                        td.nw { (c.ledger_opened_at.map(|t| date(china_date(t))).unwrap_or_default()) }
                        td {
                            @if item.members.len() > 1 { b { "合并督办 · " (item.members.len()) "件" } br; }
                            @for m in &item.members { (member_line(m, item.members.len() > 1)) }
                            span.small.muted { "挂账原因：" (clip(&c.ledger_reason, 40)) }
                        }
                        td.num { (item_households(members)) }
                        td { @if open { (status_badge(c.effective_status(today))) } @else { span.badge.ok { "办结" } } }
                        (due_cell(c, open, LedgerKind::Inquiry)) (due_cell(c, open, LedgerKind::Check)) (due_cell(c, open, LedgerKind::Dispatch))
                        @if county_wide {
                            td { @if open && offered(&user, c, Access::Own).contains(&Action::Supervise) {
                                (supervise_form(&user, c.id, "/office/ledger", &FormData::default(), &FieldErrors::default()))
                            } }
                        }
                    }
                }
            }
        }
        @if items.is_empty() { p.muted { "台账中暂无事项。" } }
        @if county_wide {
            h2 { "可挂账的上报事项" }
            p.noprint {
                @for (g, label) in GROUPS {
                    @if *g == group { b { (label) } } @else { a href=(format!("/office/ledger?group={g}")) { (label) } }
                    " "
                }
                span.muted { "　勾选相关诉求合并为一项督办（涉及户数合计），或并入已挂账事项。" }
            }
            @for (key, rows) in &groups {
                form.merge method="post" action="/office/ledger/merge" {
                    (user.csrf_field())
                    input type="hidden" name="back" value=(format!("/office/ledger?group={group}"));
                    h3 { (key) "（" (rows.len()) "件）" }
                    table {
                        tr { th { "选" } th { "乡镇/村/户主" } th { "民情专题报告" } th { "类别" } th.num { "涉及户数" } th { "状态" } }
                        @for r in rows {
                            @let c = &r.concern;
                            tr {
                                td { input type="checkbox" name="c" value=(c.id) aria-label="选择"; }
                                td { (r.township) " " (r.village) " " (r.head) }
                                td { a href=(format!("/office/concerns/{}", c.id)) { (clip(c.report.as_ref().map_or(&c.description, |r| &r.title), 36)) } }
                                td { (c.category.map_or("—", |k| k.zh())) }
                                td.num { (households_affected(c)) }
                                td { (status_badge(c.effective_status(today))) }
                            }
                        }
                    }
                    div {
                        input name="reason" size="36" placeholder="挂账原因，如：三个村饮水困难，涉及120户" aria-label="挂账原因";
                        " "
                        select name="item" aria-label="并入" {
                            option value="" { "新建督办事项" }
                            @for i in &open_items {
                                @let lc = &i.lead.concern;
                                option value=(lc.id) { "并入：" (clip(lc.report.as_ref().map_or(&lc.description, |r| &r.title), 20)) }
                            }
                        }
                        " " button.primary type="submit" { "挂账督办" }
                    }
                }
            }
            @if candidates.is_empty() { p.muted { "暂无可挂账的上报事项。" } }
        }
    };
    shell(&user, "挂账督办", Nav::Ledger, body)
}

/// `POST /office/ledger/merge`: the Organization Department puts the chosen concerns on the
/// ledger as one item 合并督办 — a new one (the first chosen names it) or an item already on
/// it — with why; one transaction, all or none.
pub(crate) async fn merge(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let chosen: Vec<ConcernId> = form.all("c").iter().filter_map(|c| c.parse().ok()).collect();
    let item: Option<ConcernId> = form.get("item").parse().ok();
    let reason = form.get("reason").to_owned();
    let mut errors = FieldErrors::default();
    errors.text("reason", &reason, MAX_TEXT_CHARS, item.is_none());
    if chosen.is_empty() {
        errors.add("c", "请勾选要挂账的诉求");
    }
    let back = match form.get("back") {
        b if b.starts_with("/office/ledger") => b.to_owned(),
        _ => "/office/ledger".to_owned(),
    };
    if !errors.is_empty() {
        let msg =
            ["c", "reason"].iter().filter_map(|f| errors.on(f)).collect::<Vec<_>>().join("；");
        return OfficeError::bad_request(msg).into_response();
    }
    let author = act::author(&user, &state);
    let written = act::write(&state, move |tx, state| {
        let lead = item.unwrap_or(chosen[0]);
        for id in &chosen {
            let action = ConcernAction::PutOnLedger {
                reason: reason.clone(),
                item: (*id != lead).then_some(lead),
            };
            let step = Step { actor: author.cadre_id, at: state.now(), action };
            act::act(tx, state, &author, id.0, Payload::Concern(step))?;
        }
        Ok(())
    })
    .await;
    match written {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(Failed::Refused(msg)) => OfficeError::bad_request(msg).into_response(),
        Err(Failed::Error(e)) => e.into_response(),
    }
}
