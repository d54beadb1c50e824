//! `GET /office/evaluation/export.xlsx?period=2026-Q4`: the evaluation as sheets — 各单位,
//! 包村干部 (each with the page's columns, rates as percent cells, empty where nothing was due)
//! and 奖惩 (the rewards and criticisms recorded for the period). Audited as an export.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minqing_shared::Label;

use super::{PeriodQuery, load, period_of};
use crate::office::figures::scores::Score;
use crate::office::kit::session::OfficeUser;
use crate::office::kit::xlsx::{Cell, Column, Export, table};
use crate::state::AppState;
use crate::store::NoteKind;

/// The score columns after the two naming ones, as the page shows them.
const SCORES: [Column; 10] = [
    Column("联系户", 8.0),
    Column("应走访户次", 11.0),
    Column("实走访户次", 11.0),
    Column("走访覆盖率", 11.0),
    Column("位置存疑", 9.0),
    Column("反映诉求", 9.0),
    Column("按时办结", 9.0),
    Column("超时办结", 9.0),
    Column("逾期未办", 9.0),
    Column("按时办结率", 11.0),
];

fn row(name: &str, second: &str, s: &Score) -> Vec<Cell> {
    let rate = |r: Option<f64>| r.map_or(Cell::Empty, Cell::Percent);
    vec![
        name.into(),
        second.into(),
        s.households.into(),
        s.due.into(),
        s.visited.into(),
        rate(s.coverage()),
        s.place_doubt.into(),
        s.raised.into(),
        s.on_time.into(),
        s.late.into(),
        s.overdue.into(),
        rate(s.on_time_rate()),
    ]
}

/// `GET /office/evaluation/export.xlsx`.
pub(crate) async fn xlsx(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = period_of(&q.period, user.today);
    let e = match load(&state, &user, period).await {
        Ok(e) => e,
        Err(err) => return err.into_response(),
    };
    let units: Vec<Vec<Cell>> = e.units.iter().map(|(u, s)| row(&u.name, u.kind.zh(), s)).collect();
    let cadres: Vec<Vec<Cell>> = e.cadres.iter().map(|(n, u, s)| row(n, u, s)).collect();
    let name = |id: String| e.names.get(&id).cloned().unwrap_or_else(|| "—".into());
    let notes: Vec<Vec<Cell>> = e
        .notes
        .iter()
        .map(|n| {
            let kind = if n.kind == NoteKind::Reward { "表彰奖励" } else { "通报批评" };
            let cadre = n.cadre_id.map(|c| name(c.to_string()));
            vec![
                kind.into(),
                name(n.unit_id.to_string()).into(),
                cadre.into(),
                n.text.as_str().into(),
            ]
        })
        .collect();
    let columns = |first: &'static str, second: &'static str| -> Vec<Column> {
        [Column(first, 16.0), Column(second, 12.0)].into_iter().chain(SCORES).collect()
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    let written = table(&mut book, "各单位", &columns("单位", "类别"), &units)
        .and_then(|()| table(&mut book, "包村干部", &columns("干部", "单位"), &cadres))
        .and_then(|()| {
            let columns = [
                Column("类别", 10.0),
                Column("单位", 16.0),
                Column("干部", 10.0),
                Column("事由", 48.0),
            ];
            table(&mut book, "奖惩", &columns, &notes)
        })
        .and_then(|()| book.save_to_buffer());
    let rows = units.len() + cadres.len() + notes.len();
    let name = format!("{}-{}考核.xlsx", user.unit.name, period.label_zh());
    let record = Some(period.code());
    Export { book: written, what: "evaluation.xlsx", record, rows, name: &name }
        .send(&state, &user)
        .await
}
