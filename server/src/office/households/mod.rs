//! `/office/households` 联系户 — the registry: quota use per village and cadre, the seed's
//! assignment warnings, one page of households with their kinds, linked cadre and status, and
//! filing 备案 (`file.rs`; proposed or confirmed households are confirmed and filed in one step).

pub mod detail;
pub mod edit;
pub mod export;
pub mod file;
pub mod new;
pub mod overrides;

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::{CadreId, VillageId};
use minqing_shared::org::{Cadre, Village};
use minqing_shared::rules::{HouseholdCounts, Warning};
use serde::Deserialize;

use crate::office::kit::act;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{HouseholdFilter, HouseholdRow};
use overrides::Overrides;

/// The status filter's value for the retired households (停止联系).
const RETIRED: &str = "retired";

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
    fn query(&self) -> HouseholdFilter {
        HouseholdFilter {
            village: self.village.parse().ok(),
            status: HouseholdStatus::from_code(&self.status),
            text: self.q.clone(),
            retired: self.status == RETIRED,
        }
    }
}

/// What the registry page shows.
struct Registry {
    counts: BTreeMap<HouseholdStatus, usize>,
    per_village: BTreeMap<(VillageId, HouseholdStatus), u32>,
    villages: Vec<(Village, String)>,
    field: Vec<Cadre>,
    warnings: Vec<Warning>,
    rule_counts: HouseholdCounts,
    overrides: Overrides,
    names: BTreeMap<CadreId, String>,
    rows: Vec<HouseholdRow>,
    total: usize,
    page: usize,
}

/// `GET /office/households`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Response {
    render(user, state, f, FieldErrors::default()).await
}

/// The registry page, with `errors` shown (422 if any).
pub(crate) async fn render(
    user: OfficeUser,
    state: AppState,
    f: Filter,
    errors: FieldErrors,
) -> Response {
    let (scope, filter, page) = (user.scope(), f.query(), f.page);
    let loaded = act::read(&state, move |tx| {
        let (villages, field) = (tx.scope_villages(scope)?, tx.field_cadres(scope)?);
        let (warnings, rule_counts) = overrides::warnings(tx, scope, &villages, &field)?;
        let overrides: Overrides = tx
            .assignment_overrides()?
            .into_iter()
            .map(|o| ((o.code.clone(), o.subject), o))
            .collect();
        let authors: Vec<CadreId> = overrides.values().map(|o| o.author).collect();
        let counts = tx.household_status_counts(scope)?;
        let total: usize = counts.values().sum();
        let pages = total.div_ceil(PAGE_ROWS).max(1);
        let page = page.min(pages - 1);
        let (rows, total) = tx.households_page(scope, &filter, page * PAGE_ROWS, PAGE_ROWS)?;
        Ok(Registry {
            counts,
            per_village: tx.village_status_counts(scope)?,
            villages,
            field,
            warnings,
            rule_counts,
            overrides,
            names: tx.cadre_names(&authors)?,
            rows,
            total,
            page,
        })
    })
    .await;
    let registry = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let status = errors.status();
    (status, shell(&user, "联系户", Nav::Households, body(&user, &registry, &f, &errors)))
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

fn body(user: &OfficeUser, r: &Registry, f: &Filter, errors: &FieldErrors) -> Markup {
    let total: usize = r.counts.values().sum();
    let count = |st: HouseholdStatus| r.counts.get(&st).copied().unwrap_or(0);
    let village_count =
        |v: VillageId, st: HouseholdStatus| r.per_village.get(&(v, st)).copied().unwrap_or(0);
    let pages = r.total.div_ceil(PAGE_ROWS).max(1);
    let page_no = r.page;
    html! {
        h1 { "联系户登记与备案" }
        div.tiles {
            div.tile { "联系户总数" b { (total) } }
            div.tile { "已备案" b { (count(HouseholdStatus::Filed)) } }
            div.tile { "已确认待备案" b { (count(HouseholdStatus::Confirmed)) } }
            div.tile { "村两委拟定待确认" b { (count(HouseholdStatus::Proposed)) } }
        }
        (errors.banner())
        (overrides::section(user, &r.warnings, &r.overrides, &r.names))
        h2 { "各村联系户定额" }
        table {
            thead { tr {
                th { "乡镇" } th { "村" } th.num { "人口" } th { "村情类别" } th.num { "定额" }
                th { "包村干部（已确认/定额）" } th.num { "拟定" } th.num { "已确认" } th.num { "已备案" }
            } }
            tbody {
                @for (v, township) in &r.villages {
                    @let quota = Quota::of(v);
                    tr {
                        td { (township) }
                        td { a href=(format!("/office/households?village={}", v.id)) { (v.name) } }
                        td.num { (v.population) }
                        td { (v.standing.zh()) }
                        td.num { (quota.households) }
                        td {
                            @for c in r.field.iter().filter(|c| c.villages.contains(&v.id)) {
                                @let used = r.quota_use(c.id, v.id);
                                span class=(quota.badge(used)) { (c.name) " " (used) "/" (quota.households) } " "
                            }
                        }
                        td.num { (village_count(v.id, HouseholdStatus::Proposed)) }
                        td.num { (village_count(v.id, HouseholdStatus::Confirmed)) }
                        td.num { (village_count(v.id, HouseholdStatus::Filed)) }
                    }
                }
            }
        }
        h2 { "联系户名册" }
        form.filters method="get" action="/office/households" {
            label { "村 " select name="village" {
                option value="" { "全部" }
                @for (v, _) in &r.villages {
                    option value=(v.id) selected[f.village == v.id.to_string()] { (v.name) }
                }
            } }
            label { "状态 " select name="status" {
                option value="" { "全部" }
                @for st in HouseholdStatus::ALL {
                    option value=(st.code()) selected[f.status == st.code()] { (st.zh()) }
                }
                option value=(RETIRED) selected[f.status == RETIRED] { "已停止联系" }
            } }
            label { "户主/住址 " input name="q" value=(f.q) size="10"; }
            button type="submit" { "筛选" } " "
            a href="/office/households/new" { "＋ 登记新联系户" } " · "
            a href="/office/households.csv" { "导出CSV" } " "
            a href="/office/households.xlsx" { "导出Excel" }
        }
        form method="post" action="/office/households/file" {
            (user.csrf_field())
            table {
                thead { tr {
                    th { "选" } th { "户主" } th { "村" } th { "组别/住址" } th { "电话" }
                    th { "户别" } th { "联系干部" } th { "状态" } th { "登记表" }
                } }
                tbody {
                    @for row in &r.rows {
                        @let h = &row.household;
                        tr {
                            td { @if h.status != HouseholdStatus::Filed {
                                input type="checkbox" name="id" value=(h.id) aria-label=(format!("选择{}", h.head_name));
                            } }
                            td { (h.head_name) }
                            td { (row.village) }
                            td { (h.address) }
                            td { (h.phone) }
                            td.small { @for k in &h.kinds { (k.zh()) " " } }
                            td { (row.cadre.as_deref().unwrap_or("—")) }
                            td {
                                @match h.retirement.filter(|_| h.deleted) {
                                    Some(r) => span.badge { "已停止联系（" (r.reason.zh()) "）" },
                                    None => (status_badge(h.status)),
                                }
                            }
                            td { a href=(format!("/office/households/{}", h.id)) { "查看/打印" } }
                        }
                    }
                }
            }
            p {
                "共 " (r.total) " 户"
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

/// A village's quota 定额 and how its use is shown.
struct Quota {
    households: u32,
}

impl Quota {
    fn of(v: &Village) -> Self {
        Quota { households: v.quota() }
    }

    fn badge(&self, used: u32) -> &'static str {
        match used.cmp(&self.households) {
            std::cmp::Ordering::Greater => "badge bad",
            std::cmp::Ordering::Equal => "badge ok",
            std::cmp::Ordering::Less => "badge",
        }
    }
}

impl Registry {
    /// A cadre's active households in a village: the quota's use.
    fn quota_use(&self, cadre: CadreId, village: VillageId) -> u32 {
        self.rule_counts.active.get(&(cadre, village)).copied().unwrap_or(0)
    }
}
