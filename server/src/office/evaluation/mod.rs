//! `/office/evaluation` 考核 — evaluations per unit and per cadre for a quarter 季度通报, half-year 半年小结 and year
//! 年终总结: visit coverage, concerns resolved on time, overdue counts, with SVG charts; the
//! Organization Department records rewards 表彰 and criticisms 通报批评; the printable notice
//! 通报 is [`crate::office::evaluation::notice`].

pub mod export;
pub mod notes;
pub mod notice;

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::{Period, due_weeks};
use minqing_shared::ids::{CadreId, UnitId};
use minqing_shared::org::{Cadre, Unit, UnitKind};
use serde::Deserialize;

use crate::office::figures::scores::{Score, scores};
use crate::office::kit::act;
use crate::office::kit::chart;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, percent, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{ConcernFilter, EvaluationNote, NoteKind};

/// Coverage below this is drawn red.
const COVERAGE_WARN: f64 = 0.8;

/// The page's period.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PeriodQuery {
    #[serde(default)]
    pub period: String,
}

/// Everything the evaluation pages show.
#[derive(Debug)]
pub struct Evaluation {
    /// The field cadres in scope.
    pub field: Vec<Cadre>,
    /// Names of the units and cadres the notes name.
    pub names: BTreeMap<String, String>,
    /// The period.
    pub period: Period,
    /// Units evaluated, with their scores.
    pub units: Vec<(Unit, Score)>,
    /// Cadres, with their unit's name and scores.
    pub cadres: Vec<(String, String, Score)>,
    /// Rewards and criticisms recorded for the period, in scope.
    pub notes: Vec<EvaluationNote>,
}

/// Loads the evaluation of `period` for `user`.
pub async fn load(
    state: &AppState,
    user: &OfficeUser,
    period: Period,
) -> Result<Evaluation, OfficeError> {
    let (scope, today) = (user.scope(), user.today);
    let (county_wide, own) = (user.county_wide(), user.unit.id);
    act::read(state, move |tx| {
        let weeks = due_weeks(period, today);
        let households = tx.active_households(scope)?;
        let visited = match (weeks.first(), weeks.last()) {
            (Some(first), Some(last)) => tx.visited_weeks(scope, (*first, *last))?,
            _ => Vec::new(),
        };
        let range = period.ms_range();
        let doubted = tx.place_doubted(scope, range.clone())?;
        let raised = ConcernFilter {
            raised_from_ms: Some(range.start),
            raised_before_ms: Some(range.end),
            ..ConcernFilter::default()
        };
        let concerns = tx.concern_facts(scope, &raised, today)?;
        let (by_unit, by_cadre) = scores(&households, &visited, &doubted, &concerns, weeks.len());
        let all_units = tx.scope_units(scope)?;
        let unit_name = |id: UnitId| {
            all_units.iter().find(|u| u.id == id).map_or("—".to_owned(), |u| u.name.clone())
        };
        let field = tx.field_cadres(scope)?;
        let cadres = field
            .iter()
            .map(|c| {
                let score = by_cadre.get(&c.id).cloned().unwrap_or_default();
                (c.name.clone(), unit_name(c.unit_id), score)
            })
            .collect();
        let notes: Vec<EvaluationNote> = tx
            .evaluation_notes(&period.code())?
            .into_iter()
            .filter(|n| {
                if county_wide {
                    all_units.iter().any(|u| u.id == n.unit_id)
                } else {
                    n.unit_id == own
                }
            })
            .collect();
        let noted: Vec<CadreId> = notes.iter().filter_map(|n| n.cadre_id).collect();
        let mut names: BTreeMap<String, String> =
            all_units.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
        names.extend(tx.cadre_names(&noted)?.into_iter().map(|(id, n)| (id.to_string(), n)));
        let units = all_units
            .into_iter()
            .filter(|u| u.kind != UnitKind::OrganizationDepartment)
            .filter(|u| county_wide || u.id == own)
            .map(|u| {
                let score = by_unit.get(&u.id).cloned().unwrap_or_default();
                (u, score)
            })
            .collect();
        Ok(Evaluation { field, names, period, units, cadres, notes })
    })
    .await
}

/// The period asked for, or this quarter.
pub fn period_of(q: &str, today: chrono::NaiveDate) -> Period {
    q.parse().unwrap_or_else(|_| Period::quarter_of(today))
}

/// The scores table (units or cadres).
pub fn score_table(first: &str, second: &str, rows: &[(String, String, &Score)]) -> Markup {
    html! {
        table {
            tr {
                th { (first) } th { (second) } th.num { "联系户" } th.num { "应走访户次" } th.num { "实走访户次" } th.num { "走访覆盖率" } th.num { "位置存疑" }
                th.num { "反映诉求" } th.num { "按时办结" } th.num { "超时办结" } th.num { "逾期未办" } th.num { "按时办结率" }
            }
            @for (name, unit, s) in rows {
                tr data-row=(name) class=@if s.overdue > 0 { "warn" } {
                    td { (name) } td { (unit) } td.num { (s.households) } td.num { (s.due) } td.num { (s.visited) }
                    td.num { (percent(s.visited, s.due)) } td.num { (s.place_doubt) } td.num { (s.raised) } td.num { (s.on_time) }
                    td.num { (s.late) } td.num { (s.overdue) } td.num { (percent(s.on_time, s.on_time + s.late + s.overdue)) }
                }
            }
        }
    }
}

/// The rewards and criticisms list.
pub fn notes_list(e: &Evaluation) -> Markup {
    let name = |id: String| e.names.get(&id).cloned().unwrap_or_else(|| "—".into());
    let target = |n: &EvaluationNote| {
        let unit = name(n.unit_id.to_string());
        match n.cadre_id {
            Some(c) => format!("{unit} {}", name(c.to_string())),
            None => unit,
        }
    };
    html! {
        @for (kind, title) in [(NoteKind::Reward, "表彰奖励"), (NoteKind::Criticism, "通报批评")] {
            @let list: Vec<&EvaluationNote> = e.notes.iter().filter(|n| n.kind == kind).collect();
            h2 { (title) "（" (list.len()) "）" }
            @if list.is_empty() { p.muted { "无" } }
            ol { @for n in list { li { b { (target(n)) } "：" (n.text) } } }
        }
    }
}

fn note_form(user: &OfficeUser, e: &Evaluation, f: &FormData, errors: &FieldErrors) -> Markup {
    html! {
        form method="post" action="/office/evaluation/notes" {
            (user.csrf_field())
            input type="hidden" name="period" value=(e.period.code());
            (errors.banner())
            div.form-grid {
                label for="unit" { "单位" }
                div { select id="unit" name="unit" {
                    option value="" { "— 请选择 —" }
                    @for (u, _) in &e.units { option value=(u.id) selected[f.get("unit") == u.id.to_string()] { (u.name) } }
                } (errors.show("unit")) }
                label for="cadre" { "干部（可选）" }
                div { select id="cadre" name="cadre" {
                    option value="" { "— 整个单位 —" }
                    @for c in &e.field { option value=(c.id) selected[f.get("cadre") == c.id.to_string()] { (c.name) "（" (e.names.get(&c.unit_id.to_string()).map_or("—", String::as_str)) "）" } }
                } (errors.show("cadre")) }
                label { "类别" }
                div {
                    label { input type="radio" name="kind" value="reward" checked[f.get("kind") == "reward"]; "表彰奖励" } " "
                    label { input type="radio" name="kind" value="criticism" checked[f.get("kind") == "criticism"]; "通报批评" }
                    (errors.show("kind"))
                }
                label for="text" { "事由" }
                div { textarea id="text" name="text" { (f.get("text")) } (errors.show("text")) }
                span {}
                div { button.primary type="submit" { "记录" } }
            }
        }
    }
}

fn periods_nav(p: Period) -> Markup {
    let year = p.first_day().format("%Y").to_string().parse::<i32>().unwrap_or(2026);
    let list = [
        Period::Quarter { year, quarter: 1 },
        Period::Quarter { year, quarter: 2 },
        Period::Quarter { year, quarter: 3 },
        Period::Quarter { year, quarter: 4 },
        Period::HalfYear { year, half: 1 },
        Period::HalfYear { year, half: 2 },
        Period::Year { year },
    ];
    html! {
        p.noprint {
            a href=(format!("/office/evaluation?period={}", year - 1)) { "← " (year - 1) "年" } " · "
            @for q in list {
                @if q == p { b { (q.label_zh()) } } @else { a href=(format!("/office/evaluation?period={}", q.code())) { (q.label_zh()) } } " · "
            }
            a href=(format!("/office/evaluation?period={}", year + 1)) { (year + 1) "年 →" } "　"
            a href=(format!("/office/evaluation/notice?period={}", p.code())) { "打印通报" }
        }
    }
}

pub(crate) async fn render(
    user: OfficeUser,
    state: AppState,
    period: Period,
    f: FormData,
    errors: FieldErrors,
) -> Response {
    let e = match load(&state, &user, period).await {
        Ok(e) => e,
        Err(err) => return err.into_response(),
    };
    let unit_rows: Vec<(String, String, &Score)> =
        e.units.iter().map(|(u, s)| (u.name.clone(), u.kind.zh().to_owned(), s)).collect();
    let cadre_rows: Vec<(String, String, &Score)> =
        e.cadres.iter().map(|(n, u, s)| (n.clone(), u.clone(), s)).collect();
    let coverage: Vec<(String, Option<f64>)> = if user.county_wide() {
        e.units.iter().map(|(u, s)| (u.name.clone(), s.coverage())).collect()
    } else {
        e.cadres.iter().map(|(n, _, s)| (n.clone(), s.coverage())).collect()
    };
    let on_time: Vec<(String, Option<f64>)> = if user.county_wide() {
        e.units.iter().map(|(u, s)| (u.name.clone(), s.on_time_rate())).collect()
    } else {
        e.cadres.iter().map(|(n, _, s)| (n.clone(), s.on_time_rate())).collect()
    };
    let body = html! {
        h1 { (e.period.label_zh()) "民情联系户工作考核" }
        (periods_nav(e.period))
        p.noprint { a href=(format!("/office/evaluation/export.xlsx?period={}", e.period.code())) { "导出Excel" } }
        div.noprint { (chart::bars("走访覆盖率", &coverage, COVERAGE_WARN)) " " (chart::bars("诉求按时办结率", &on_time, COVERAGE_WARN)) }
        h2 { "各单位" }
        (score_table("单位", "类别", &unit_rows))
        h2 { "包村干部" }
        (score_table("干部", "单位", &cadre_rows))
        (notes_list(&e))
        @if user.county_wide() {
            h2 { "记录奖惩" }
            (note_form(&user, &e, &f, &errors))
        }
    };
    let status = errors.status();
    (status, shell(&user, "考核", Nav::Evaluation, body)).into_response()
}

/// `GET /office/evaluation`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = period_of(&q.period, user.today);
    render(user, state, period, FormData::default(), FieldErrors::default()).await
}
