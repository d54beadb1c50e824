//! `/office/concerns` 民情诉求 — the concerns in scope, a page at a time, filtered by category,
//! status, age, village, unit, cadre and text; one concern's page and the office's steps on it are
//! the modules below, one per URL.

pub mod complete;
pub mod decide;
pub mod detail;
pub mod export;
pub mod ledger;
pub mod progress;
pub mod supervise;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::html;
use minqing_shared::Label;
use minqing_shared::calendar::{china_date, china_midnight_ms};
use minqing_shared::concern::{Category, ConcernStatus};
use minqing_shared::org::{Cadre, Unit, Village};
use serde::Deserialize;

use crate::office::kit::act;
use crate::office::kit::concern::{clip, status_badge};
use crate::office::kit::layout::{Nav, date, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{ConcernFilter, ConcernList};

const PAGE_ROWS: usize = 200;

/// The list's filters, as the query string carries them.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    cadre: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: usize,
}

const AGES: &[(&str, &str)] =
    &[("week", "7天内"), ("month", "30天内"), ("older", "超过30天"), ("stale", "超过90天")];

/// Raised within `age` of `today`, as instants: (from, before).
fn age_range(age: &str, today: NaiveDate) -> (Option<i64>, Option<i64>) {
    let days_ago = |n: u64| today.checked_sub_days(chrono::Days::new(n)).map(china_midnight_ms);
    match age {
        "week" => (days_ago(7), None),
        "month" => (days_ago(30), None),
        "older" => (None, days_ago(30)),
        "stale" => (None, days_ago(90)),
        _ => (None, None),
    }
}

impl Filter {
    fn query(&self, today: NaiveDate) -> ConcernFilter {
        let (raised_from_ms, raised_before_ms) = age_range(&self.age, today);
        ConcernFilter {
            category: Category::from_code(&self.category),
            status: ConcernStatus::from_code(&self.status),
            raised_from_ms,
            raised_before_ms,
            village: self.village.parse().ok(),
            unit: self.unit.parse().ok(),
            cadre: self.cadre.parse().ok(),
            text: self.q.chars().take(50).collect(),
            ..ConcernFilter::default()
        }
    }

    /// The filters as a query string being written.
    fn pairs(&self) -> form_urlencoded::Serializer<'static, String> {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("category", &self.category)
            .append_pair("status", &self.status)
            .append_pair("age", &self.age)
            .append_pair("village", &self.village)
            .append_pair("unit", &self.unit)
            .append_pair("cadre", &self.cadre)
            .append_pair("q", &self.q);
        q
    }

    /// The same list as an xlsx download (every row).
    fn export_link(&self) -> String {
        format!("/office/concerns.xlsx?{}", self.pairs().finish())
    }

    /// The query string of page `page` of the same list.
    fn page_link(&self, page: usize) -> String {
        format!("/office/concerns?{}", self.pairs().append_pair("page", &page.to_string()).finish())
    }
}

/// The list, and what its filters offer.
struct Listed {
    list: ConcernList,
    villages: Vec<(Village, String)>,
    units: Vec<Unit>,
    cadres: Vec<Cadre>,
}

/// `GET /office/concerns`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Response {
    let (scope, today, query, page) = (user.scope(), user.today, f.query(user.today), f.page);
    let loaded = act::read(&state, move |tx| {
        let list = tx.concerns_page(scope, &query, today, page * PAGE_ROWS, PAGE_ROWS)?;
        let villages = tx.scope_villages(scope)?;
        let units = tx.scope_units(scope)?;
        let cadres = tx.field_cadres(scope)?;
        Ok(Listed { list, villages, units, cadres })
    })
    .await;
    let Listed { list, villages, units, cadres } = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let pages = list.total.div_ceil(PAGE_ROWS).max(1);
    let page_no = f.page.min(pages - 1);
    let body = html! {
        h1 { "民情诉求" }
        form.filters method="get" action="/office/concerns" {
            label { "类别 " select name="category" {
                option value="" { "全部" }
                @for k in Category::ALL { option value=(k.code()) selected[f.category == k.code()] { (k.zh()) } }
            } }
            label { "状态 " select name="status" {
                option value="" { "全部" }
                @for st in ConcernStatus::ALL { option value=(st.code()) selected[f.status == st.code()] { (st.zh()) } }
            } }
            label { "时间 " select name="age" {
                option value="" { "全部" }
                @for (code, label) in AGES { option value=(code) selected[f.age == *code] { (label) } }
            } }
            label { "村 " select name="village" {
                option value="" { "全部" }
                @for (v, _) in &villages { option value=(v.id) selected[f.village == v.id.to_string()] { (v.name) } }
            } }
            @if units.len() > 1 {
                label { "单位 " select name="unit" {
                    option value="" { "全部" }
                    @for u in &units { option value=(u.id) selected[f.unit == u.id.to_string()] { (u.name) } }
                } }
            }
            label { "干部 " select name="cadre" {
                option value="" { "全部" }
                @for c in &cadres { option value=(c.id) selected[f.cadre == c.id.to_string()] { (c.name) } }
            } }
            label { "内容 " input name="q" value=(f.q) size="8"; }
            button type="submit" { "筛选" }
        }
        table.small {
            tr { @for (k, _) in &list.by_category { th.num { (k.zh()) } } th.num { "合计" } }
            tr { @for (_, n) in &list.by_category { td.num { (n) } } td.num { b { (list.total) } } }
        }
        table {
            thead { tr {
                th { "反映日期" } th { "村" } th { "户主" } th { "类别" } th { "诉求内容" }
                th { "包村干部" } th { "状态" } th { "承办人 / 完成时限" } th { "督办" }
            } }
            tbody {
                @for row in &list.rows {
                    @let c = &row.concern;
                    @let st = c.effective_status(user.today);
                    tr class=@if st == Some(ConcernStatus::Overdue) { "bad" } {
                        td.nw { (c.raised_at.map(|t| date(china_date(t))).unwrap_or_default()) }
                        td { (row.village) }
                        td { (row.head) }
                        td { (c.category.map_or("—", |k| k.zh())) }
                        td { a href=(format!("/office/concerns/{}", c.id)) { (clip(&c.description, 36)) } }
                        td { (row.raised_by.as_deref().unwrap_or("—")) }
                        td { (status_badge(st)) }
                        td { @if let Some(d) = &c.decision { (d.handler) " / " (date(d.deadline)) } }
                        td { @if c.on_ledger() { span.badge.bad { "挂账" } } }
                    }
                }
            }
        }
        p {
            a.noprint href=(f.export_link()) { "导出Excel（按当前筛选）" } "　"
            "共 " (list.total) " 条"
            @if pages > 1 {
                "，第 " (page_no + 1) "/" (pages) " 页 "
                @if page_no > 0 { a href=(f.page_link(page_no - 1)) { "上一页" } " " }
                @if page_no + 1 < pages { a href=(f.page_link(page_no + 1)) { "下一页" } }
            }
        }
    };
    shell(&user, "民情诉求", Nav::Concerns, body)
}
