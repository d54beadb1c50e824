//! 本周走访 — the weekly visit 每周走访: per cadre and per village, households visited in person
//! this ISO week against those due, and the households longest without a visit.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{VisitWeek, china_date, weeks_missed};
use minqing_shared::household::Household;
use minqing_shared::ids::HouseholdId;
use serde::Deserialize;

use super::act;
use super::layout::{Nav, bar, date, percent, shell};
use super::scope::Scoped;
use super::session::OfficeUser;
use super::stats::day_start_ms;
use crate::state::AppState;

/// Households listed as overdue at most.
const OVERDUE_ROWS: usize = 200;

/// The page's week.
#[derive(Debug, Default, Deserialize)]
pub(super) struct WeekQuery {
    #[serde(default)]
    week: String,
}

/// `GET /office/week`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<WeekQuery>,
) -> Response {
    let u = user.clone();
    let requested = q.week.parse::<VisitWeek>().ok();
    let loaded = act::read(&state, move |tx| {
        let s = Scoped::load(tx, &u)?;
        let week = requested.unwrap_or_else(|| VisitWeek::of(s.today));
        let visits =
            tx.visit_facts(day_start_ms(week.monday()), day_start_ms(week.next().monday()))?;
        let last: BTreeMap<HouseholdId, i64> = tx.last_in_person_visits()?.into_iter().collect();
        Ok((s, week, visits, last))
    })
    .await;
    let (s, week, visits, last) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let today = s.today;
    let current = week == VisitWeek::of(today);
    let visited: BTreeSet<HouseholdId> =
        visits.iter().filter(|v| v.in_person).map(|v| v.household_id).collect();
    let active: Vec<&Household> = s.households.iter().filter(|h| h.status.is_confirmed()).collect();
    let last_date = |h: &Household| {
        last.get(&h.id).and_then(|ms| DateTime::from_timestamp_millis(*ms)).map(china_date)
    };
    let mut overdue: Vec<(&Household, u32)> = active
        .iter()
        .map(|h| (*h, weeks_missed(last_date(h), today)))
        .filter(|(_, missed)| *missed >= 1)
        .collect();
    overdue.sort_by_key(|(h, missed)| (std::cmp::Reverse(*missed), h.head_name.clone()));
    let total_done = active.iter().filter(|h| visited.contains(&h.id)).count();
    let body = html! {
        h1 { "本周走访 · " (week.year) "年第" (week.week) "周（" (date(week.monday())) " 至 " (date(week.sunday())) "）" }
        p.noprint {
            a href=(format!("/office/week?week={}", week.prev())) { "← 上周" } " · "
            a href=(format!("/office/week?week={}", week.next())) { "下周 →" }
            span.muted { "　包村干部每周至少到每户联系户走访一次；群众来电只记录，不算本周走访。" }
        }
        div.tiles {
            div.tile { "应走访户数" b { (active.len()) } }
            div.tile { "已入户走访" b { (total_done) } span.small { (percent(total_done, active.len())) } }
            div.tile { "尚未走访" b { (active.len() - total_done) } }
            div.tile { "两周以上未走访" b { (overdue.len()) } }
        }
        h2 { "按包村干部" }
        table {
            tr { th { "干部" } th { "单位" } th { "联系村" } th.num { "联系户" } th.num { "已走访" } th.num { "未走访" } th { "完成率" } th.num { "群众来电" } }
            @for c in &s.field {
                @let mine: Vec<&&Household> = active.iter().filter(|h| h.cadre_id == Some(c.id)).collect();
                @let done = mine.iter().filter(|h| visited.contains(&h.id)).count();
                @let calls = visits.iter().filter(|v| v.cadre_id == c.id && !v.in_person).count();
                tr data-row=(c.name) class=@if !mine.is_empty() && done < mine.len() && current { "warn" } {
                    td { (c.name) } td { (s.unit_name(c.unit_id)) }
                    td { @for v in &c.villages { (s.village_name(*v)) " " } }
                    td.num { (mine.len()) } td.num { (done) } td.num { (mine.len() - done) }
                    td { (bar(done, mine.len())) " " (percent(done, mine.len())) }
                    td.num { (calls) }
                }
            }
        }
        h2 { "按村" }
        table {
            tr { th { "乡镇" } th { "村" } th { "村情类别" } th.num { "联系户" } th.num { "已走访" } th { "完成率" } }
            @for v in &s.villages {
                @let here: Vec<&&Household> = active.iter().filter(|h| h.village_id == v.id).collect();
                @let done = here.iter().filter(|h| visited.contains(&h.id)).count();
                tr data-row=(v.name) {
                    td { (s.unit_name(v.township_id)) } td { (v.name) } td { (v.standing.zh()) }
                    td.num { (here.len()) } td.num { (done) } td { (bar(done, here.len())) " " (percent(done, here.len())) }
                }
            }
        }
        h2 { "超期未走访的联系户（截至今天，" (overdue.len()) "户）" }
        table {
            tr { th { "户主" } th { "村" } th { "联系干部" } th { "上次入户走访" } th.num { "未走访周数" } }
            @for (h, missed) in overdue.iter().take(OVERDUE_ROWS) {
                tr class=@if *missed >= 2 { "bad" } {
                    td { a href=(format!("/office/households/{}", h.id)) { (h.head_name) } }
                    td { (s.village_name(h.village_id)) } td { (s.cadre_name(h.cadre_id)) }
                    td { (last_date(h).map(date).unwrap_or("从未走访".into())) }
                    td.num { @if *missed == u32::MAX { "—" } @else { (missed) } }
                }
            }
        }
        @if overdue.len() > OVERDUE_ROWS { p.muted { "仅列出前" (OVERDUE_ROWS) "户。" } }
    };
    shell(&user, "本周走访", Nav::Week, body)
}
