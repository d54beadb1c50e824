//! 联系户 — the registry: quota use per village and cadre, the seed's assignment warnings, the
//! households with their kinds, linked cadre and status, and filing 备案 (proposed or
//! confirmed households are confirmed and filed by the office in one step).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::household::{Household, HouseholdStatus};
use minqing_shared::ids::{CadreId, HouseholdId, VillageId};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use serde::Deserialize;

use super::act::{self, Failed};
use super::error::OfficeError;
use super::form::FieldErrors;
use super::layout::{Nav, shell};
use super::overrides::{self, Overrides};
use super::scope::Scoped;
use super::session::{OfficeUser, Post};
use crate::state::AppState;

/// Rows shown per page of the registry.
const PAGE_ROWS: usize = 300;

/// The registry's filters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    village: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: usize,
}

impl Filter {
    fn matches(&self, h: &Household) -> bool {
        let village = self.village.is_empty() || h.village_id.to_string() == self.village;
        let status = self.status.is_empty() || h.status.code() == self.status;
        let q = self.q.trim();
        let text = q.is_empty() || h.head_name.contains(q) || h.address.contains(q);
        village && status && text
    }
}

/// `GET /office/households`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Response {
    render(user, state, f, FieldErrors::default()).await
}

/// The registry page, with `errors` shown (422 if any).
pub(super) async fn render(
    user: OfficeUser,
    state: AppState,
    f: Filter,
    errors: FieldErrors,
) -> Response {
    let u = user.clone();
    let loaded = act::read(&state, move |tx| {
        let s = Scoped::load(tx, &u)?;
        let o: Overrides = tx
            .assignment_overrides()?
            .into_iter()
            .map(|o| ((o.code.clone(), o.subject), o))
            .collect();
        Ok((s, o))
    })
    .await;
    let (scoped, overrides) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, shell(&user, "联系户", Nav::Households, body(&user, &scoped, &overrides, &f, &errors)))
        .into_response()
}

fn status_badge(s: HouseholdStatus) -> Markup {
    let class = match s {
        HouseholdStatus::Filed => "badge ok",
        HouseholdStatus::Confirmed => "badge warn",
        HouseholdStatus::Proposed => "badge",
    };
    html! { span class=(class) { (s.zh()) } }
}

/// Confirmed or filed households per (cadre, village).
type PerCadre = BTreeMap<(CadreId, VillageId), u32>;
/// Proposed, confirmed and filed households per village.
type PerVillage = BTreeMap<VillageId, [u32; 3]>;

fn quota_use(s: &Scoped) -> (PerCadre, PerVillage) {
    let mut per_cadre = BTreeMap::new();
    let mut per_village: BTreeMap<VillageId, [u32; 3]> = BTreeMap::new();
    for h in &s.households {
        let i = match h.status {
            HouseholdStatus::Proposed => 0,
            HouseholdStatus::Confirmed => 1,
            HouseholdStatus::Filed => 2,
        };
        per_village.entry(h.village_id).or_default()[i] += 1;
        if let (Some(c), true) = (h.cadre_id, h.status.is_confirmed()) {
            *per_cadre.entry((c, h.village_id)).or_default() += 1;
        }
    }
    (per_cadre, per_village)
}

fn body(user: &OfficeUser, s: &Scoped, o: &Overrides, f: &Filter, errors: &FieldErrors) -> Markup {
    let (per_cadre, per_village) = quota_use(s);
    let warnings = s.warnings();
    let rows: Vec<&Household> = s.households.iter().filter(|h| f.matches(h)).collect();
    let total = s.households.len();
    let count = |st: HouseholdStatus| s.households.iter().filter(|h| h.status == st).count();
    let pages = rows.len().div_ceil(PAGE_ROWS).max(1);
    let page_no = f.page.min(pages - 1);
    let shown = rows.iter().skip(page_no * PAGE_ROWS).take(PAGE_ROWS);
    html! {
        h1 { "联系户登记与备案" }
        div.tiles {
            div.tile { "联系户总数" b { (total) } }
            div.tile { "已备案" b { (count(HouseholdStatus::Filed)) } }
            div.tile { "已确认待备案" b { (count(HouseholdStatus::Confirmed)) } }
            div.tile { "村两委拟定待确认" b { (count(HouseholdStatus::Proposed)) } }
        }
        (errors.banner())
        (overrides::section(user, s, &warnings, o))
        h2 { "各村联系户定额" }
        table {
            thead { tr {
                th { "乡镇" } th { "村" } th.num { "人口" } th { "村情类别" } th.num { "定额" }
                th { "包村干部（已确认/定额）" } th.num { "拟定" } th.num { "已确认" } th.num { "已备案" }
            } }
            tbody {
                @for v in &s.villages {
                    @let counts = per_village.get(&v.id).copied().unwrap_or_default();
                    tr {
                        td { (s.unit_name(v.township_id)) }
                        td { a href=(format!("/office/households?village={}", v.id)) { (v.name) } }
                        td.num { (v.population) }
                        td { (v.standing.zh()) }
                        td.num { (minqing_shared::org::contact_quota(v.population)) }
                        td {
                            @for c in s.field.iter().filter(|c| c.villages.contains(&v.id)) {
                                @let used = per_cadre.get(&(c.id, v.id)).copied().unwrap_or(0);
                                @let quota = minqing_shared::org::contact_quota(v.population);
                                span class=(if used > quota { "badge bad" } else if used == quota { "badge ok" } else { "badge" }) {
                                    (c.name) " " (used) "/" (quota)
                                } " "
                            }
                        }
                        td.num { (counts[0]) } td.num { (counts[1]) } td.num { (counts[2]) }
                    }
                }
            }
        }
        h2 { "联系户名册" }
        form.filters method="get" action="/office/households" {
            label { "村 " select name="village" {
                option value="" { "全部" }
                @for v in &s.villages {
                    option value=(v.id) selected[f.village == v.id.to_string()] { (v.name) }
                }
            } }
            label { "状态 " select name="status" {
                option value="" { "全部" }
                @for st in HouseholdStatus::ALL {
                    option value=(st.code()) selected[f.status == st.code()] { (st.zh()) }
                }
            } }
            label { "户主/住址 " input name="q" value=(f.q) size="10"; }
            button type="submit" { "筛选" } " "
            a href="/office/households/new" { "＋ 登记新联系户" } " · "
            a href="/office/households.csv" { "导出CSV" }
        }
        form method="post" action="/office/households/file" {
            (user.csrf_field())
            table {
                thead { tr {
                    th { "选" } th { "户主" } th { "村" } th { "组别/住址" } th { "电话" }
                    th { "户别" } th { "联系干部" } th { "状态" } th { "登记表" }
                } }
                tbody {
                    @for h in shown {
                        tr {
                            td { @if h.status != HouseholdStatus::Filed {
                                input type="checkbox" name="id" value=(h.id) aria-label=(format!("选择{}", h.head_name));
                            } }
                            td { (h.head_name) }
                            td { (s.village_name(h.village_id)) }
                            td { (h.address) }
                            td { (h.phone) }
                            td.small { @for k in &h.kinds { (k.zh()) " " } }
                            td { (s.cadre_name(h.cadre_id)) }
                            td { (status_badge(h.status)) }
                            td { a href=(format!("/office/households/{}", h.id)) { "查看/打印" } }
                        }
                    }
                }
            }
            p {
                "共 " (rows.len()) " 户"
                @if pages > 1 {
                    "，第 " (page_no + 1) "/" (pages) " 页 "
                    @if page_no > 0 { a href=(page_link(f, page_no - 1)) { "上一页" } " " }
                    @if page_no + 1 < pages { a href=(page_link(f, page_no + 1)) { "下一页" } }
                }
            }
            button.primary type="submit" { "确认并备案所选联系户" }
            span.muted.small { " 备案后，包村干部手机同步即可看到“已备案”。" }
        }
    }
}

fn page_link(f: &Filter, page: usize) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("village", &f.village)
        .append_pair("status", &f.status)
        .append_pair("q", &f.q)
        .append_pair("page", &page.to_string())
        .finish();
    format!("/office/households?{q}")
}

/// `POST /office/households/file`: files the selected households (all or none).
pub(super) async fn file(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let mut errors = FieldErrors::default();
    let ids: Vec<HouseholdId> = form.all("id").iter().filter_map(|s| s.parse().ok()).collect();
    if ids.is_empty() || ids.len() != form.all("id").len() {
        errors.form = Some("请先勾选要备案的联系户".into());
        return render(user, state, Filter::default(), errors).await;
    }
    let author = act::author(&user, &state);
    let done = act::write(&state, move |tx, state| {
        for id in &ids {
            let current = tx.household(*id)?.and_then(|h| h.household());
            let Some(h) = current.filter(|h| !h.deleted) else {
                return Err(Failed::Refused("联系户不存在".into()));
            };
            if h.status == HouseholdStatus::Filed {
                continue;
            }
            let patch =
                HouseholdPatch { status: Some(HouseholdStatus::Filed), ..Default::default() };
            act::act(tx, state, &author, id.0, Payload::Household(patch))?;
        }
        Ok(ids.len())
    })
    .await;
    match done {
        Ok(_) => Redirect::to("/office/households?status=filed").into_response(),
        Err(Failed::Refused(msg)) => {
            errors.form = Some(msg);
            render(user, state, Filter::default(), errors).await
        }
        Err(Failed::Error(e)) => e.into_response(),
    }
}

/// A household in scope, or 404.
pub fn in_scope(s: &Scoped, id: HouseholdId) -> Result<&Household, OfficeError> {
    s.household(id).ok_or_else(|| OfficeError::not_found("联系户不存在或不在本单位范围内"))
}
