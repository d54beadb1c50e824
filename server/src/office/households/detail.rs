//! `/office/households/{id}`: one household's registration form 联系户登记表, printable, with
//! its latest visits (the contact card) and the concerns it raised.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::Label;
use minqing_shared::household::{HouseholdKind, HouseholdStatus, RetireReason};
use minqing_shared::ids::HouseholdId;
use minqing_shared::photo::PhotoId;
use minqing_shared::place;
use minqing_shared::sync::op::AmendmentBody;

use crate::office::kit::act;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::layout::{Nav, date, date_zh, shell, time};
use crate::office::kit::session::OfficeUser;
use crate::office::photos::thumbnails;
use crate::state::AppState;

/// Visits shown on the form.
const VISITS_SHOWN: usize = 12;
/// Older visits read to learn the household's place for the shown ones.
const PLACE_VISITS: usize = 30;

/// `GET /office/households/{id}`: the printable registration form.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<HouseholdId>() else {
        return OfficeError::not_found("联系户不存在").into_response();
    };
    render(user, state, id, FieldErrors::default()).await
}

/// The page, with `errors` from a refused change (停止联系 without a reason …).
pub(crate) async fn render(
    user: OfficeUser,
    state: AppState,
    id: HouseholdId,
    errors: FieldErrors,
) -> Response {
    let scope = user.scope();
    let loaded = act::read(&state, move |tx| {
        let Some(row) = tx.household_row(scope, id)? else {
            return Err(OfficeError::not_found("联系户不存在或不在本单位范围内"));
        };
        let village = tx.village(row.household.village_id)?;
        let cadre = row.household.cadre_id.map(|c| tx.cadre(c)).transpose()?.flatten();
        // Each shown visit is judged against the place learned before it (`shared::place`),
        // from the visits of the half-year before the oldest shown.
        let visits = tx.household_visits(id, VISITS_SHOWN + PLACE_VISITS)?;
        let limit = tx.place_doubt_m()?;
        let amendments = tx.household_amendments(id, VISITS_SHOWN)?;
        let concerns = tx.household_concerns(id)?;
        let records: Vec<uuid::Uuid> = visits
            .iter()
            .take(VISITS_SHOWN)
            .map(|v| v.id.0)
            .chain(concerns.iter().map(|c| c.id.0))
            .collect();
        let photos = tx.photos_of(&records)?;
        let warnings = cadre_warnings(tx, scope, row.household.cadre_id)?;
        Ok((row, village, cadre, visits, limit, amendments, concerns, photos, warnings))
    })
    .await;
    let (row, village, cadre, visits, limit, amendments, concerns, photos, warnings) = match loaded
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let h = &row.household;
    let today = user.today;
    if let Err(e) =
        crate::audit::office_view(&state, user.cadre.id, "household", id.to_string()).await
    {
        return e.into_response();
    }
    let village = village.as_ref();
    let cadre = cadre.as_ref();
    let places = place::check_all(&visits, None, limit);
    let shown: Vec<_> = visits.iter().zip(&places).take(VISITS_SHOWN).collect();
    let status = errors.status();
    let photos_of = |record: uuid::Uuid| -> Vec<(PhotoId, bool)> {
        photos.iter().filter(|(r, _, _)| *r == record).map(|(_, p, s)| (p.clone(), *s)).collect()
    };
    let body = html! {
        (errors.banner())
        @if !warnings.is_empty() && !h.deleted {
            div.alert.warn.noprint {
                "联系安排提示："
                @for w in &warnings { (w) "。" }
                " " a href="/office/households#warnings" { "到名册说明原因后确认" }
            }
        }
        @if let Some(r) = h.retirement.filter(|_| h.deleted) {
            div.alert.warn {
                "已停止联系：" (r.reason.zh()) "，自" (date_zh(r.on)) "起。"
                form.inline.noprint method="post" action=(format!("/office/households/{}/restore", h.id)) {
                    (user.csrf_field())
                    " " button type="submit" { "恢复联系" }
                }
            }
        }
        div.noprint {
            a href="/office/households" { "← 返回名册" } " "
            button type="button" data-print { "打印" }
            @if !h.deleted {
                " " a href=(format!("/office/households/{}/edit", h.id)) { "修改信息 / 调整联系干部" }
            }
            @if h.status != HouseholdStatus::Filed && !h.deleted {
                form.inline method="post" action="/office/households/file" {
                    (user.csrf_field())
                    input type="hidden" name="id" value=(h.id);
                    " " button.primary type="submit" { "确认并备案" }
                }
            }
        }
        div.doc {
            h1 { "联系户登记表" }
            p.small { "所属乡镇：" (row.township)
                "　　状态：" (h.status.zh()) "　　登记编号：" (h.id.to_string()[..8]) }
            table {
                tr { th { "户主姓名" } td { (h.head_name) } th { "联系电话" } td { (h.phone) } }
                tr { th { "所在村" } td { (row.village) } th { "组别/住址" } td { (h.address) } }
                tr { th { "村情类别" } td { (village.map_or("—", |v| v.standing.zh())) }
                     th { "人口/定额" } td { @if let Some(v) = village { (v.population) "人 / " (minqing_shared::org::contact_quota(v.population)) "户" } } }
                tr { th { "户别" } td colspan="3" {
                    @for k in HouseholdKind::ALL {
                        (if h.kinds.contains(k) { "☑" } else { "☐" }) (k.zh()) "　"
                    }
                } }
                tr { th { "联系干部" } td { (cadre.map_or("—", |c| c.name.as_str())) }
                     th { "职务/电话" } td { @if let Some(c) = cadre { (c.title) " " (c.phone) } } }
                tr { th { "备注" } td colspan="3" { (h.notes) } }
            }
            h2 { "走访记录（民情联系卡）" }
            table.small {
                tr { th { "时间" } th { "方式" } th { "恳谈内容" } th { "情况摘要" } th { "位置" } }
                @for (v, place) in &shown {
                    tr {
                        td.nw { (time(v.visited_at)) } td.nw { (v.mode.zh()) }
                        td { @for t in &v.topics { (t.zh()) " " } }
                        td { (v.summary) (thumbnails(&photos_of(v.id.0))) }
                        td {
                            @if place.is_doubtful() { span.badge.bad { "位置存疑" } br; }
                            @if v.counts_as_weekly_visit() { span.small { (place.zh()) } }
                        }
                    }
                }
                @if shown.is_empty() { tr { td colspan="5" .muted { "尚无走访记录" } } }
            }
            @if !amendments.is_empty() {
                h2 { "走访更正记录" }
                table.small {
                    tr { th { "原走访" } th { "更正" } th { "原因" } th { "更正时间" } }
                    @for a in &amendments {
                        tr {
                            td {
                                @if let Some(v) = &a.original {
                                    (time(v.visited_at)) " " (v.mode.zh()) " " (v.summary)
                                }
                            }
                            td { (amendment_text(&a.body)) }
                            td { (a.body.note) }
                            td { (time(a.at)) }
                        }
                    }
                }
            }
            h2 { "反映的民情诉求" }
            table.small {
                tr { th { "反映时间" } th { "类别" } th { "内容" } th { "状态" } }
                @for c in &concerns {
                    tr {
                        td { (c.raised_at.map(time).unwrap_or_default()) }
                        td { (c.category.map_or("—", |k| k.zh())) }
                        td {
                            a href=(format!("/office/concerns/{}", c.id)) { (c.description) }
                            (thumbnails(&photos_of(c.id.0)))
                        }
                        td { (c.effective_status(today).map_or("—", |st| st.zh())) }
                    }
                }
                @if concerns.is_empty() { tr { td colspan="4" .muted { "无" } } }
            }
            @if !h.deleted {
                form.noprint.filters method="post" action=(format!("/office/households/{}/retire", h.id)) {
                    (user.csrf_field())
                    b { "停止联系" } " "
                    label { "原因 "
                        select name="reason" {
                            option value="" { "— 请选择 —" }
                            @for r in RetireReason::ALL { option value=(r.code()) { (r.zh()) } }
                        }
                    }
                    (errors.show("reason"))
                    " " label { "日期 " input type="date" name="on" value=(today); }
                    (errors.show("on"))
                    " " button type="submit" { "停止联系" }
                    span.muted.small { " 迁出、去世或不再联系的，停止后不再计入走访和考核，手机上随之移除。" }
                }
            }
            div.sign {
                div { "村党支部、村委会意见（盖章）" br; br; "　　年　　月　　日" }
                div { "包村干部确认（签字）" br; br; "　　年　　月　　日" }
                div { "乡镇党委备案（盖章）" br; br; "　　年　　月　　日" }
            }
            p.small.muted { "打印日期：" (date(today)) }
        }
    };
    let page = shell(&user, &format!("联系户登记表 · {}", h.head_name), Nav::Households, body);
    (status, page).into_response()
}

/// The assignment rules the household's cadre breaks (a move just made can cause one), not yet
/// accepted with a reason on the roster.
fn cadre_warnings(
    tx: &mut crate::store::Tx<'_>,
    scope: crate::store::Scope,
    cadre: Option<minqing_shared::ids::CadreId>,
) -> Result<Vec<String>, OfficeError> {
    let Some(cadre) = cadre else { return Ok(Vec::new()) };
    let (villages, field) = (tx.scope_villages(scope)?, tx.field_cadres(scope)?);
    let (warnings, _) = super::overrides::warnings(tx, scope, &villages, &field)?;
    let accepted = tx.assignment_overrides()?;
    Ok(warnings
        .iter()
        .filter(|w| w.subject() == cadre.0)
        .filter(|w| !accepted.iter().any(|o| o.code == w.code() && o.subject == w.subject()))
        .map(|w| w.message(minqing_shared::Lang::Zh))
        .collect())
}

/// What an amendment changed, in a clerk's words: 作废, or the fields corrected.
fn amendment_text(a: &AmendmentBody) -> String {
    if a.void {
        return "作废".to_owned();
    }
    let mut parts = Vec::new();
    if let Some(at) = a.visited_at {
        parts.push(format!("时间改为 {}", time(at)));
    }
    if let Some(mode) = a.mode {
        parts.push(format!("方式改为 {}", mode.zh()));
    }
    if let Some(summary) = &a.summary {
        parts.push(format!("摘要改为「{summary}」"));
    }
    if let Some(policies) = &a.policies {
        parts.push(format!("宣讲政策改为「{policies}」"));
    }
    if a.topics.is_some() {
        parts.push("恳谈内容已改".to_owned());
    }
    format!("更正：{}", parts.join("；"))
}
