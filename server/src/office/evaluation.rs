//! 考核 — evaluations per unit and per cadre for a quarter 季度通报, half-year 半年小结 and year
//! 年终总结: visit coverage, concerns resolved on time, overdue counts, with SVG charts; the
//! Organization Department records rewards 表彰 and criticisms 通报批评; the printable notice
//! 通报 is [`super::notice`].

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::Period;
use minqing_shared::ids::{CadreId, UnitId};
use minqing_shared::org::Unit;
use serde::Deserialize;

use super::act::{self, Failed};
use super::chart;
use super::error::OfficeError;
use super::form::{FieldErrors, FormData};
use super::layout::{Nav, percent, shell};
use super::scope::Scoped;
use super::scores::{Score, scores};
use super::session::{OfficeUser, Post};
use super::stats::day_start_ms;
use crate::state::AppState;
use crate::store::{EvaluationNote, NoteKind};

/// Coverage below this is drawn red.
const COVERAGE_WARN: f64 = 0.8;

/// The page's period.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PeriodQuery {
    #[serde(default)]
    pub period: String,
}

/// Everything the evaluation pages show.
#[derive(Debug)]
pub struct Evaluation {
    /// The records in scope.
    pub s: Scoped,
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
    let u = user.clone();
    act::read(state, move |tx| {
        let s = Scoped::load(tx, &u)?;
        let concerns = s.concerns(tx)?;
        let to = day_start_ms(period.last_day().succ_opt().unwrap_or(period.last_day()));
        let visits = tx.visit_facts(day_start_ms(period.first_day()), to)?;
        let (by_unit, by_cadre) = scores(&s, &concerns, &visits, period);
        let units = s
            .working_units()
            .into_iter()
            .filter(|unit| u.county_wide() || unit.id == u.unit.id)
            .map(|unit| (unit.clone(), by_unit.get(&unit.id).cloned().unwrap_or_default()))
            .collect();
        let cadres = s
            .field
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    s.unit_name(c.unit_id).to_owned(),
                    by_cadre.get(&c.id).cloned().unwrap_or_default(),
                )
            })
            .collect();
        let notes = tx
            .evaluation_notes(&period.code())?
            .into_iter()
            .filter(|n| u.county_wide() || n.unit_id == u.unit.id)
            .collect();
        Ok(Evaluation { s, period, units, cadres, notes })
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
                th { (first) } th { (second) } th.num { "联系户" } th.num { "应走访户次" } th.num { "实走访户次" } th.num { "走访覆盖率" }
                th.num { "反映诉求" } th.num { "按时办结" } th.num { "超时办结" } th.num { "逾期未办" } th.num { "按时办结率" }
            }
            @for (name, unit, s) in rows {
                tr data-row=(name) class=@if s.overdue > 0 { "warn" } {
                    td { (name) } td { (unit) } td.num { (s.households) } td.num { (s.due) } td.num { (s.visited) }
                    td.num { (percent(s.visited, s.due)) } td.num { (s.raised) } td.num { (s.on_time) }
                    td.num { (s.late) } td.num { (s.overdue) } td.num { (percent(s.on_time, s.on_time + s.late + s.overdue)) }
                }
            }
        }
    }
}

/// The rewards and criticisms list.
pub fn notes_list(e: &Evaluation) -> Markup {
    let target = |n: &EvaluationNote| {
        let unit = e.s.unit_name(n.unit_id).to_owned();
        match n.cadre_id {
            Some(c) => format!("{unit} {}", e.s.cadre_name(Some(c))),
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
                    @for c in &e.s.field { option value=(c.id) selected[f.get("cadre") == c.id.to_string()] { (c.name) "（" (e.s.unit_name(c.unit_id)) "）" } }
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

async fn render(
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
    let coverage: Vec<(String, f64)> = if user.county_wide() {
        e.units.iter().map(|(u, s)| (u.name.clone(), s.coverage())).collect()
    } else {
        e.cadres.iter().map(|(n, _, s)| (n.clone(), s.coverage())).collect()
    };
    let on_time: Vec<(String, f64)> = if user.county_wide() {
        e.units.iter().map(|(u, s)| (u.name.clone(), s.on_time_rate())).collect()
    } else {
        e.cadres.iter().map(|(n, _, s)| (n.clone(), s.on_time_rate())).collect()
    };
    let body = html! {
        h1 { (e.period.label_zh()) "民情联系户工作考核" }
        (periods_nav(e.period))
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
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, shell(&user, "考核", Nav::Evaluation, body)).into_response()
}

/// `GET /office/evaluation`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = period_of(&q.period, state.today());
    render(user, state, period, FormData::default(), FieldErrors::default()).await
}

/// `POST /office/evaluation/notes`: a reward or criticism (Organization Department only).
pub(super) async fn add_note(State(state): State<AppState>, Post(user, form): Post) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden("奖惩由县委组织部记录").into_response();
    }
    let Ok(period) = form.get("period").parse::<Period>() else {
        return OfficeError::bad_request("考核周期无效").into_response();
    };
    let mut errors = FieldErrors::default();
    let unit = form.get("unit").parse::<UnitId>().ok();
    let cadre = form.get("cadre").parse::<CadreId>().ok();
    let kind = NoteKind::from_code(form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "请选择表彰奖励或通报批评");
    }
    errors.text("text", form.get("text"), 500, true);
    let author = user.cadre.id;
    let text = form.get("text").to_owned();
    let cadre_given = !form.get("cadre").is_empty();
    let stored = act::write(&state, move |tx, state| {
        let mut errors = errors.clone();
        let unit_row = unit.map(|u| tx.unit(u)).transpose()?.flatten();
        if unit_row.is_none() {
            errors.add("unit", "请选择单位");
        }
        let cadre_row = cadre.map(|c| tx.cadre(c)).transpose()?.flatten();
        if cadre_given && cadre_row.as_ref().is_none_or(|c| Some(c.unit_id) != unit) {
            errors.add("cadre", "干部须属于所选单位");
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let (Some(unit), Some(kind)) = (unit, kind) else { return Ok(Err(errors)) };
        let note = EvaluationNote {
            id: uuid::Uuid::now_v7(),
            period: period.code(),
            unit_id: unit,
            cadre_id: cadre_row.map(|c| c.id),
            kind,
            text: text.clone(),
            author,
            created_ms: state.now_ms(),
        };
        tx.insert_evaluation_note(&note)?;
        Ok::<_, Failed>(Ok(()))
    })
    .await;
    match stored {
        Ok(Ok(())) => {
            Redirect::to(&format!("/office/evaluation?period={}", period.code())).into_response()
        }
        Ok(Err(errors)) => render(user, state, period, form, errors).await,
        Err(Failed::Refused(msg)) => {
            let mut errors = FieldErrors::default();
            errors.form = Some(msg);
            render(user, state, period, form, errors).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}
