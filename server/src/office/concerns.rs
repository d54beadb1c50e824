//! 民情诉求 — every concern in scope, filtered by category, status, age and village, and the
//! office's closing step 办结 (the detail page is [`super::detail`]).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::china_date;
use minqing_shared::concern::{Category, ConcernAction, ConcernStatus, Step};
use minqing_shared::ids::ConcernId;
use minqing_shared::sync::merge::ConcernState;
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::validate::MAX_TEXT_CHARS;
use serde::Deserialize;

use super::act::{self, Failed};
use super::detail::{self, Entered};
use super::error::OfficeError;
use super::form::FieldErrors;
use super::layout::{Nav, date, shell};
use super::session::{OfficeUser, Post};
use crate::state::AppState;

const PAGE_ROWS: usize = 200;

/// The list's filters.
#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct Filter {
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    page: usize,
}

const AGES: &[(&str, &str)] =
    &[("week", "7天内"), ("month", "30天内"), ("older", "超过30天"), ("stale", "超过90天")];

fn age_ok(age: &str, raised: Option<NaiveDate>, today: NaiveDate) -> bool {
    let Some(days) = raised.map(|d| (today - d).num_days()) else { return age.is_empty() };
    match age {
        "week" => days <= 7,
        "month" => days <= 30,
        "older" => days > 30,
        "stale" => days > 90,
        _ => true,
    }
}

/// A concern's status as a coloured badge.
pub fn status_badge(st: Option<ConcernStatus>) -> Markup {
    let Some(st) = st else { return html! { span.badge { "—" } } };
    let class = match st {
        ConcernStatus::Overdue => "badge bad",
        ConcernStatus::Escalated | ConcernStatus::Raised => "badge warn",
        s if s.is_closed() => "badge ok",
        _ => "badge",
    };
    html! { span class=(class) { (st.zh()) } }
}

/// The first `n` characters of a text.
pub fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(n).collect::<String>())
    }
}

/// `GET /office/concerns`.
pub(super) async fn list(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Response {
    let (s, concerns) = match act::scoped_concerns(&state, &user).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let today = s.today;
    let village_of: BTreeMap<_, _> = s.households.iter().map(|h| (h.id, h)).collect();
    let rows: Vec<&ConcernState> = concerns
        .iter()
        .filter(|c| f.category.is_empty() || c.category.is_some_and(|k| k.code() == f.category))
        .filter(|c| {
            f.status.is_empty() || c.effective_status(today).is_some_and(|st| st.code() == f.status)
        })
        .filter(|c| age_ok(&f.age, c.raised_at.map(china_date), today))
        .filter(|c| {
            f.village.is_empty()
                || c.household_id
                    .and_then(|h| village_of.get(&h))
                    .is_some_and(|h| h.village_id.to_string() == f.village)
        })
        .collect();
    let mut by_category: BTreeMap<Category, usize> = BTreeMap::new();
    for c in &rows {
        if let Some(k) = c.category {
            *by_category.entry(k).or_default() += 1;
        }
    }
    let pages = rows.len().div_ceil(PAGE_ROWS).max(1);
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
                @for v in &s.villages { option value=(v.id) selected[f.village == v.id.to_string()] { (v.name) } }
            } }
            button type="submit" { "筛选" }
        }
        table.small {
            tr { @for (k, _) in &by_category { th.num { (k.zh()) } } th.num { "合计" } }
            tr { @for (_, n) in &by_category { td.num { (n) } } td.num { b { (rows.len()) } } }
        }
        table {
            thead { tr {
                th { "反映日期" } th { "村" } th { "户主" } th { "类别" } th { "诉求内容" }
                th { "包村干部" } th { "状态" } th { "承办人 / 完成时限" } th { "督办" }
            } }
            tbody {
                @for c in rows.iter().skip(page_no * PAGE_ROWS).take(PAGE_ROWS) {
                    @let h = c.household_id.and_then(|h| village_of.get(&h));
                    @let st = c.effective_status(today);
                    tr class=@if st == Some(ConcernStatus::Overdue) { "bad" } {
                        td.nw { (c.raised_at.map(|t| date(china_date(t))).unwrap_or_default()) }
                        td { (h.map_or("—", |h| s.village_name(h.village_id))) }
                        td { (h.map_or("—", |h| h.head_name.as_str())) }
                        td { (c.category.map_or("—", |k| k.zh())) }
                        td { a href=(format!("/office/concerns/{}", c.id)) { (clip(&c.description, 36)) } }
                        td { (s.cadre_name(c.raised_by)) }
                        td { (status_badge(st)) }
                        td { @if let Some(d) = &c.decision { (d.handler) " / " (date(d.deadline)) } }
                        td { @if c.on_ledger() { span.badge.bad { "挂账" } } }
                    }
                }
            }
        }
        p { "共 " (rows.len()) " 条" @if pages > 1 { "，第 " (page_no + 1) "/" (pages) " 页（每页" (PAGE_ROWS) "条，可按条件筛选）" } }
    };
    shell(&user, "民情诉求", Nav::Concerns, body)
}

/// Parses a concern id from the path.
pub fn concern_id(id: &str) -> Result<ConcernId, OfficeError> {
    id.parse().map_err(|_| OfficeError::not_found("民情诉求不存在"))
}

/// Records one step on a concern, by the office, as an op.
pub async fn step(
    state: &AppState,
    user: &OfficeUser,
    id: ConcernId,
    action: ConcernAction,
) -> Result<(), Failed> {
    let author = act::author(user, state);
    act::write(state, move |tx, state| {
        let step = Step { actor: author.cadre_id, at: state.now(), action: action.clone() };
        act::act(tx, state, &author, id.0, Payload::Concern(step))
    })
    .await
}

/// Where to go after a form: a path of the office pages (else the concern itself).
pub fn back(to: &str, id: ConcernId) -> String {
    if to.starts_with("/office") && !to.starts_with("//") {
        to.to_owned()
    } else {
        format!("/office/concerns/{id}")
    }
}

/// `POST /office/concerns/{id}/complete`: 办结.
pub(super) async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let id = match concern_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let mut errors = FieldErrors::default();
    errors.text("note", form.get("note"), MAX_TEXT_CHARS, true);
    if errors.is_empty() {
        let action = ConcernAction::Complete { note: form.get("note").to_owned() };
        match step(&state, &user, id, action).await {
            Ok(_) => return Redirect::to(&back(form.get("back"), id)).into_response(),
            Err(Failed::Refused(msg)) => errors.form = Some(msg),
            Err(Failed::Error(e)) => return e.into_response(),
        }
    }
    detail::render(user, state, id, Entered { which: "complete", form, errors }).await
}
