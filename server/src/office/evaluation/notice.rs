//! The printable notice 通报 of an evaluation period: the quarterly notice 季度通报, the half-year
//! summary 半年小结 or the year-end summary 年终总结, with each unit's figures and the rewards
//! and criticisms recorded.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::Period;

use super::{PeriodQuery, load, notes_list, period_of, score_table};
use crate::office::figures::scores::Score;
use crate::office::kit::layout::{Nav, date_zh, percent, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

fn kind_of(p: Period) -> &'static str {
    match p {
        Period::Quarter { .. } => "季度通报",
        Period::HalfYear { .. } => "半年小结",
        Period::Year { .. } => "年终总结",
    }
}

/// `GET /office/evaluation/notice`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = period_of(&q.period, user.today);
    let e = match load(&state, &user, period).await {
        Ok(e) => e,
        Err(err) => return err.into_response(),
    };
    let mut total = Score::default();
    for (_, s) in &e.units {
        total.add(s);
    }
    let rows: Vec<(String, String, &Score)> =
        e.units.iter().map(|(u, s)| (u.name.clone(), u.kind.zh().to_owned(), s)).collect();
    let mut ranked: Vec<&(minqing_shared::org::Unit, Score)> =
        e.units.iter().filter(|(_, s)| s.due > 0).collect();
    ranked.sort_by(|a, b| b.1.coverage().unwrap_or(0.0).total_cmp(&a.1.coverage().unwrap_or(0.0)));
    let body = html! {
        p.noprint { a href=(format!("/office/evaluation?period={}", period.code())) { "← 返回考核" } " " button type="button" data-print { "打印" } }
        div.doc {
            h1 { "关于" (period.label_zh()) "民情联系户工作情况的通报" }
            p.small style="text-align:center" { "（" (kind_of(period)) "）" }
            p { "各乡镇党委、县直各单位：" }
            p {
                "　　" (period.label_zh()) "，全县（" (e.units.len()) "个单位）共联系" (total.households) "户，应走访"
                (total.due) "户次，实际入户走访" (total.visited) "户次，走访覆盖率" (percent(total.visited, total.due))
                "；收集民情诉求" (total.raised) "件，按时办结" (total.on_time) "件，超时办结" (total.late)
                "件，逾期未办" (total.overdue) "件。现将各单位情况通报如下："
            }
            @if let (Some(best), Some(worst)) = (ranked.first(), ranked.last()) {
                p { "　　走访覆盖率最高的是" b { (best.0.name) } "（" (percent(best.1.visited, best.1.due)) "），最低的是"
                    b { (worst.0.name) } "（" (percent(worst.1.visited, worst.1.due)) "）。" }
            }
            (score_table("单位", "类别", &rows))
            (notes_list(&e))
            p { "　　希望各单位对照通报，查找不足，确保每名包村干部每周到每户联系户走访一次，反映的问题件件有着落。" }
            div.sign { div {} div { (user.unit.name) br; (date_zh(user.today)) } }
        }
    };
    // "2026年第四季度 · 季度通报": the kind after a separator, never "季度季度通报".
    shell(&user, &format!("{} · {}", period.label_zh(), kind_of(period)), Nav::Evaluation, body)
}
