//! `/office/week` 本周走访 — the weekly visit 每周走访: per cadre and per village, households visited in person
//! this ISO week against those due, and the households longest without a visit; `/office/week.xlsx`
//! the same three tables as sheets.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{VisitWeek, china_date_ms, weeks_missed};
use minqing_shared::ids::{CadreId, VillageId};
use minqing_shared::org::{Cadre, Unit, Village};
use serde::Deserialize;

use crate::office::kit::act;
use crate::office::kit::layout::{Nav, bar, date, percent, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{CoverageRow, OverdueRow};

/// Households listed as overdue at most.
const OVERDUE_ROWS: usize = 200;

/// The page's week.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WeekQuery {
    #[serde(default)]
    week: String,
}

/// `GET /office/week`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<WeekQuery>,
) -> Response {
    let today = user.today;
    let week = q.week.parse::<VisitWeek>().ok().unwrap_or_else(|| VisitWeek::of(today));
    let current = week == VisitWeek::of(today);
    let w = match load(&user, &state, week, OVERDUE_ROWS).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let (overdue, overdue_total) = &w.overdue;
    let (active, total_done) =
        w.coverage.iter().fold((0, 0), |(a, d), r| (a + r.active, d + r.visited));
    let cadre = |c: CadreId| w.sum(|r| r.cadre == Some(c));
    let village = |v: VillageId| w.sum(|r| r.village == v);
    let village_name = |v: &VillageId| {
        w.villages.iter().find(|(x, _)| x.id == *v).map_or("—", |(x, _)| x.name.as_str())
    };
    let unit_name =
        |u| w.units.iter().find(|x| x.id == u).map_or("—", |x| x.name.as_str()).to_owned();
    let last_date = |r: &OverdueRow| r.last_ms.and_then(china_date_ms);
    let body = html! {
        h1 { "本周走访 · " (week.year) "年第" (week.week) "周（" (date(week.monday())) " 至 " (date(week.sunday())) "）" }
        p.noprint {
            a href=(format!("/office/week?week={}", week.prev())) { "← 上周" } " · "
            a href=(format!("/office/week?week={}", week.next())) { "下周 →" } " · "
            a href=(format!("/office/week.xlsx?week={week}")) { "导出Excel" }
            span.muted { "　包村干部每周至少到每户联系户走访一次；群众来电只记录，不算本周走访。" }
        }
        div.tiles {
            div.tile { "应走访户数" b { (active) } }
            div.tile { "已入户走访" b { (total_done) } span.small { (percent(total_done, active)) } }
            div.tile { "尚未走访" b { (active - total_done) } }
            div.tile { "两周以上未走访" b { (overdue_total) } }
        }
        h2 { "按包村干部" }
        table {
            tr { th { "干部" } th { "单位" } th { "联系村" } th.num { "联系户" } th.num { "已走访" } th.num { "未走访" } th { "完成率" } th.num { "群众来电" } }
            @for c in &w.field {
                @let (mine, done) = cadre(c.id);
                @let calls = w.calls.get(&c.id).copied().unwrap_or(0);
                tr data-row=(c.name) class=@if mine > 0 && done < mine && current { "warn" } {
                    td { (c.name) } td { (unit_name(c.unit_id)) }
                    td { @for v in &c.villages { (village_name(v)) " " } }
                    td.num { (mine) } td.num { (done) } td.num { (mine - done) }
                    td { (bar(done, mine)) " " (percent(done, mine)) }
                    td.num { (calls) }
                }
            }
        }
        h2 { "按村" }
        table {
            tr { th { "乡镇" } th { "村" } th { "村情类别" } th.num { "联系户" } th.num { "已走访" } th { "完成率" } }
            @for (v, township) in &w.villages {
                @let (here, done) = village(v.id);
                tr data-row=(v.name) {
                    td { (township) } td { (v.name) } td { (v.standing.zh()) }
                    td.num { (here) } td.num { (done) } td { (bar(done, here)) " " (percent(done, here)) }
                }
            }
        }
        h2 { "超期未走访的联系户（截至今天，" (overdue_total) "户）" }
        table {
            tr { th { "户主" } th { "村" } th { "联系干部" } th { "上次入户走访" } th.num { "未走访周数" } }
            @for r in overdue {
                @let missed = weeks_missed(last_date(r), today);
                tr class=@if missed >= 2 { "bad" } {
                    td { a href=(format!("/office/households/{}", r.row.household.id)) { (r.row.household.head_name) } }
                    td { (r.row.village) } td { (r.row.cadre.as_deref().unwrap_or("—")) }
                    td { (last_date(r).map(date).unwrap_or("从未走访".into())) }
                    td.num { @if missed == u32::MAX { "—" } @else { (missed) } }
                }
            }
        }
        @if *overdue_total > OVERDUE_ROWS { p.muted { "仅列出前" (OVERDUE_ROWS) "户。" } }
    };
    shell(&user, "本周走访", Nav::Week, body)
}

/// The week's figures in `user`'s scope, with at most `overdue_rows` overdue households (as of
/// today: no in-person visit since last week's Monday, `weeks_missed` ≥ 1).
async fn load(
    user: &OfficeUser,
    state: &AppState,
    week: VisitWeek,
    overdue_rows: usize,
) -> Result<Week, crate::office::kit::error::OfficeError> {
    let since = VisitWeek::of(user.today).prev();
    let scope = user.scope();
    act::read(state, move |tx| {
        Ok(Week {
            coverage: tx.week_coverage(scope, week)?,
            calls: tx.calls_by_cadre(scope, week.ms_range())?,
            overdue: tx.overdue_households(scope, since, overdue_rows)?,
            field: tx.field_cadres(scope)?,
            villages: tx.scope_villages(scope)?,
            units: tx.scope_units(scope)?,
        })
    })
    .await
}

/// `GET /office/week.xlsx?week=2026-W48`: 按包村干部, 按村 and 超期未走访 as sheets (every overdue
/// household, not only the page's first 200).
pub(crate) async fn xlsx(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<WeekQuery>,
) -> Response {
    use crate::office::kit::xlsx::{Cell, Column, Export, table};
    let today = user.today;
    let week = q.week.parse::<VisitWeek>().ok().unwrap_or_else(|| VisitWeek::of(today));
    let w = match load(&user, &state, week, usize::MAX >> 1).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let share = |done: usize, all: usize| {
        if all == 0 { Cell::Empty } else { Cell::Percent(done as f64 / all as f64) }
    };
    let village_name = |v: &VillageId| {
        w.villages.iter().find(|(x, _)| x.id == *v).map_or("—", |(x, _)| x.name.as_str())
    };
    let cadres: Vec<Vec<Cell>> = w
        .field
        .iter()
        .map(|c| {
            let (mine, done) = w.sum(|r| r.cadre == Some(c.id));
            let unit =
                w.units.iter().find(|u| u.id == c.unit_id).map_or("—", |u| u.name.as_str());
            let villages: Vec<&str> = c.villages.iter().map(village_name).collect();
            vec![
                c.name.as_str().into(),
                unit.into(),
                villages.join(" ").into(),
                mine.into(),
                done.into(),
                share(done, mine),
                w.calls.get(&c.id).copied().unwrap_or(0).into(),
            ]
        })
        .collect();
    let villages: Vec<Vec<Cell>> = w
        .villages
        .iter()
        .map(|(v, township)| {
            let (here, done) = w.sum(|r| r.village == v.id);
            vec![
                township.as_str().into(),
                v.name.as_str().into(),
                v.standing.zh().into(),
                here.into(),
                done.into(),
                share(done, here),
            ]
        })
        .collect();
    let overdue: Vec<Vec<Cell>> = w
        .overdue
        .0
        .iter()
        .map(|r| {
            let last = r.last_ms.and_then(china_date_ms);
            let missed = weeks_missed(last, today);
            vec![
                r.row.household.head_name.as_str().into(),
                r.row.village.as_str().into(),
                r.row.cadre.clone().into(),
                last.into(),
                if missed == u32::MAX { Cell::Empty } else { missed.into() },
            ]
        })
        .collect();
    let mut book = rust_xlsxwriter::Workbook::new();
    let written = table(
        &mut book,
        "按包村干部",
        &[
            Column("干部", 10.0),
            Column("单位", 16.0),
            Column("联系村", 16.0),
            Column("联系户", 8.0),
            Column("已走访", 8.0),
            Column("完成率", 8.0),
            Column("群众来电", 10.0),
        ],
        &cadres,
    )
    .and_then(|()| {
        let columns = [
            Column("乡镇", 12.0),
            Column("村", 12.0),
            Column("村情类别", 10.0),
            Column("联系户", 8.0),
            Column("已走访", 8.0),
            Column("完成率", 8.0),
        ];
        table(&mut book, "按村", &columns, &villages)
    })
    .and_then(|()| {
        let columns = [
            Column("户主", 10.0),
            Column("村", 12.0),
            Column("联系干部", 10.0),
            Column("上次入户走访", 14.0),
            Column("未走访周数", 12.0),
        ];
        table(&mut book, "超期未走访", &columns, &overdue)
    })
    .and_then(|()| book.save_to_buffer());
    let rows = cadres.len() + villages.len() + overdue.len();
    let name = format!("{}-本周走访-{week}.xlsx", user.unit.name);
    let record = Some(week.to_string());
    Export { book: written, what: "week.xlsx", record, rows, name: &name }.send(&state, &user).await
}

/// What the week's page shows.
struct Week {
    coverage: Vec<CoverageRow>,
    calls: BTreeMap<CadreId, usize>,
    overdue: (Vec<OverdueRow>, usize),
    field: Vec<Cadre>,
    villages: Vec<(Village, String)>,
    units: Vec<Unit>,
}

impl Week {
    /// Active households and visited ones over the coverage rows `keep` keeps.
    fn sum(&self, keep: impl Fn(&CoverageRow) -> bool) -> (usize, usize) {
        self.coverage
            .iter()
            .filter(|r| keep(r))
            .fold((0, 0), |(a, d), r| (a + r.active, d + r.visited))
    }
}
