//! `/office/accounts` 账号管理: the Organization Department's page of every account and the phones logged in to
//! it, searchable by username, name, unit or phone number. Its forms — disable, enable, reset
//! a password, revoke a lost phone — are in [`crate::office::accounts::actions`].

pub mod actions;

use std::collections::HashMap;

use minqing_shared::ids::CountyId;
use minqing_shared::org::Unit;
use minqing_shared::scope::Scope;
use minqing_shared::sync::wire::EraseOrder;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::ids::{CadreId, UnitId};
use serde::Deserialize;

use crate::office::kit::act;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FormData;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{AccountRow, DeviceRow};

/// Accounts on one page of the list.
const PAGE_ROWS: usize = 200;

pub(crate) const COUNTY_ONLY: &str = "账号管理由县委组织部进行";

/// The list's search, kept across the actions; `done` and `id` name what was just done.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    q: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    pub(crate) page: usize,
    #[serde(default)]
    done: String,
    #[serde(default)]
    id: String,
}

impl Filter {
    /// The search as the action forms carry it back.
    pub(crate) fn from_form(form: &FormData) -> Self {
        Self {
            q: form.get("q").to_owned(),
            unit: form.get("unit").to_owned(),
            page: form.get("page").parse().unwrap_or(0),
            ..Self::default()
        }
    }

    /// The list's address with this search (and `extra` pairs).
    pub(crate) fn url(&self, page: usize, extra: &[(&str, &str)]) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("q", self.q.as_str()), ("unit", self.unit.as_str())] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        if page > 0 {
            q.append_pair("page", &page.to_string());
        }
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        let q = q.finish();
        if q.is_empty() { "/office/accounts".into() } else { format!("/office/accounts?{q}") }
    }

    /// The hidden fields that bring an action back to this search.
    pub(crate) fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="q" value=(self.q);
            input type="hidden" name="unit" value=(self.unit);
            input type="hidden" name="page" value=(self.page);
        }
    }

    fn matches(&self, a: &AccountRow, unit: &str) -> bool {
        let q = self.q.trim().to_lowercase();
        let c = &a.cadre;
        (self.unit.is_empty() || c.unit_id.to_string() == self.unit)
            && (q.is_empty()
                || [c.username.as_str(), c.name.as_str(), unit, c.phone.as_str()]
                    .iter()
                    .any(|field| field.to_lowercase().contains(&q)))
    }
}

/// Every account, the units and every phone, by account.
struct Loaded {
    accounts: Vec<AccountRow>,
    units: Vec<Unit>,
    devices: HashMap<CadreId, Vec<DeviceRow>>,
}

impl Loaded {
    fn unit_name(&self, id: UnitId) -> &str {
        self.units.iter().find(|u| u.id == id).map_or("—", |u| u.name.as_str())
    }

    fn account(&self, id: &str) -> Option<&AccountRow> {
        self.accounts.iter().find(|a| a.cadre.id.to_string() == id)
    }

    fn device(&self, id: &str) -> Option<&DeviceRow> {
        self.devices.values().flatten().find(|d| d.id.to_string() == id)
    }
}

/// The accounts of `county`, their units and phones.
async fn load(state: &AppState, county: CountyId) -> Result<Loaded, OfficeError> {
    act::read(state, move |tx| {
        let mut units = tx.scope_units(Scope::County(county))?;
        units.sort_by(|a, b| a.name.cmp(&b.name));
        let accounts: Vec<AccountRow> = tx
            .all_accounts()?
            .into_iter()
            .filter(|a| units.iter().any(|u| u.id == a.cadre.unit_id))
            .collect();
        let mut devices: HashMap<CadreId, Vec<DeviceRow>> = HashMap::new();
        for d in tx.devices(None)? {
            if let Some(cadre) = d.cadre_id.filter(|c| accounts.iter().any(|a| a.cadre.id == *c)) {
                devices.entry(cadre).or_default().push(d);
            }
        }
        Ok(Loaded { accounts, units, devices })
    })
    .await
}

/// A time in ms as China time, 2026-12-05 14:30.
pub(crate) fn at(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), crate::office::kit::layout::time)
}

/// Who an account is, for a message: 王建国（wang）.
pub(crate) fn who(a: &AccountRow) -> String {
    format!("{}（{}）", a.cadre.name, a.cadre.username)
}

/// The message after an action, from `done` and `id` of the list's address.
fn done_message(l: &Loaded, f: &Filter) -> Option<String> {
    let device_owner = || {
        let d = l.device(&f.id)?;
        let owner = l.account(&d.cadre_id?.to_string())?;
        Some((d, owner))
    };
    match f.done.as_str() {
        "disabled" => l.account(&f.id).map(|a| {
            format!(
                "已停用{}的账号：其手机在下次同步时即被拒绝，办公室登录随即失效。可随时重新启用。",
                who(a)
            )
        }),
        "enabled" => {
            l.account(&f.id).map(|a| format!("已启用{}的账号，可以重新登录和同步。", who(a)))
        }
        "wipe" | "retire" => device_owner().map(|(d, owner)| {
            let what = if f.done == "wipe" {
                "它下次联网时即删除本机全部资料，不再上传"
            } else {
                "它下次联网时先上传尚未同步的记录，再删除本机全部资料"
            };
            format!(
                "已要求{}的手机「{}」{}：{what}；完成后此处显示“已擦除”。",
                who(owner),
                d.name,
                if f.done == "wipe" { "擦除" } else { "交回" }
            )
        }),
        "revoked" => device_owner().map(|(d, owner)| {
            format!(
                "已注销{}的手机「{}」：它在下次同步时即被拒绝；如手机仍在本人手中，须重新登录。",
                who(owner),
                d.name
            )
        }),
        _ => None,
    }
}

fn device_line(user: &OfficeUser, f: &Filter, a: &AccountRow, d: &DeviceRow) -> Markup {
    html! {
        div.device {
            b { (d.name) } " · " (d.app_version.as_deref().unwrap_or("版本未知"))
            " · 登录 " (at(d.created_ms))
            " · 最后同步 " (d.last_seen_ms.map_or("未同步".to_owned(), at))
            " "
            @if let Some(t) = d.erased_ms {
                span.badge.ok { "已擦除 " (at(t)) }
            } @else if let Some(t) = d.revoked_ms {
                span.badge.bad { "已注销 " (at(t)) }
            } @else {
                @if let Some(order) = d.erase {
                    span.badge.warn {
                        @match order { EraseOrder::Wipe => "待擦除", EraseOrder::Retire => "待交回" }
                        @if let Some(t) = d.erase_delivered_ms { "（手机已收到 " (at(t)) "）" }
                    }
                    " "
                }
                form.inline method="post" action="/office/accounts/revoke-device" {
                    (user.csrf_field())
                    (f.hidden())
                    input type="hidden" name="account" value=(a.cadre.id);
                    input type="hidden" name="device" value=(d.id);
                    button type="submit" title="手机丢失或更换时注销" { "注销" }
                }
                @for (order, label, title) in [
                    (EraseOrder::Wipe, "擦除", "手机丢失：下次联网时删除本机全部资料"),
                    (EraseOrder::Retire, "交回", "手机交回：上传未同步的记录后删除本机资料"),
                ] {
                    @if d.erase.is_none() || (d.erase == Some(EraseOrder::Retire) && order == EraseOrder::Wipe) {
                        form.inline method="post" action="/office/accounts/erase-device" {
                            (user.csrf_field())
                            (f.hidden())
                            input type="hidden" name="account" value=(a.cadre.id);
                            input type="hidden" name="device" value=(d.id);
                            input type="hidden" name="order" value=(order.code());
                            button type="submit" title=(title) { (label) }
                        }
                    }
                }
            }
        }
    }
}

fn render(user: &OfficeUser, l: &Loaded, f: &Filter, error: Option<&str>) -> Response {
    let rows: Vec<&AccountRow> =
        l.accounts.iter().filter(|a| f.matches(a, l.unit_name(a.cadre.unit_id))).collect();
    let pages = rows.len().div_ceil(PAGE_ROWS).max(1);
    let page_no = f.page.min(pages - 1);
    let f = Filter { page: page_no, ..f.clone() };
    let phones: Vec<&DeviceRow> =
        rows.iter().flat_map(|a| l.devices.get(&a.cadre.id).into_iter().flatten()).collect();
    let revoked = phones.iter().filter(|d| d.revoked_ms.is_some()).count();
    let disabled = rows.iter().filter(|a| a.disabled).count();
    let message = done_message(l, &f);
    let body = html! {
        h1 { "账号管理" }
        p.muted {
            "全县的账号和登录这些账号的手机。停用账号后，其手机在下次同步时即被拒绝；"
            "重置密码生成新的初始密码（只显示一次），本人下次登录须修改；手机丢失时擦除（下次联网即删除本机资料），交回时先上传再删除，或直接注销登录。"
            "每项操作都记入" a href="/office/audit?action=change" { "审计日志" } "。"
        }
        @if let Some(e) = error { div.alert.error role="alert" { (e) } }
        @if let Some(m) = message { div.alert.info role="status" { (m) } }
        form.filters method="get" action="/office/accounts" {
            label { "搜索 " input type="search" name="q" value=(f.q) placeholder="用户名、姓名、单位或手机号" size="24"; }
            label { "单位 " select name="unit" {
                option value="" { "全部" }
                @for u in &l.units { option value=(u.id) selected[f.unit == u.id.to_string()] { (u.name) } }
            } }
            button type="submit" { "查询" }
            @if !f.q.is_empty() || !f.unit.is_empty() { " " a href="/office/accounts" { "清除" } }
        }
        p {
            "共 " b { (rows.len()) } " 个账号（" (disabled) " 个已停用），手机 " (phones.len())
            " 台（" (revoked) " 台已注销）"
        }
        table {
            thead { tr {
                th { "用户名" } th { "姓名" } th { "单位" } th { "职务类别" } th { "手机号" }
                th { "状态" } th { "登录的手机（名称 · 版本 · 登录时间 · 最后同步）" } th { "操作" }
            } }
            tbody {
                @for a in rows.iter().skip(page_no * PAGE_ROWS).take(PAGE_ROWS) {
                    @let c = &a.cadre;
                    tr class=@if a.disabled { "bad" } {
                        td.nw { (c.username) }
                        td.nw { (c.name) }
                        td { (l.unit_name(c.unit_id)) }
                        td.nw { (c.role.zh()) }
                        td.nw { (c.phone) }
                        td.nw {
                            @if a.disabled { span.badge.bad { "已停用" } } @else { span.badge.ok { "正常" } }
                            @if a.must_change_password { " " span.badge.warn title="下次登录须修改密码" { "待改密码" } }
                        }
                        td.small {
                            @match l.devices.get(&c.id) {
                                Some(ds) if !ds.is_empty() => { @for d in ds { (device_line(user, &f, a, d)) } }
                                _ => { span.muted { "—" } }
                            }
                        }
                        td.nw {
                            @if a.disabled {
                                form.inline method="post" action="/office/accounts/enable" {
                                    (user.csrf_field()) (f.hidden())
                                    input type="hidden" name="account" value=(c.id);
                                    button type="submit" { "启用" }
                                }
                            } @else if c.id != user.cadre.id {
                                form.inline method="post" action="/office/accounts/disable" {
                                    (user.csrf_field()) (f.hidden())
                                    input type="hidden" name="account" value=(c.id);
                                    button type="submit" { "停用" }
                                }
                            }
                            " "
                            form.inline method="post" action="/office/accounts/reset-password" {
                                (user.csrf_field()) (f.hidden())
                                input type="hidden" name="account" value=(c.id);
                                button type="submit" { "重置密码" }
                            }
                            @if minqing_shared::permit::Class::of(c.role) == minqing_shared::permit::Class::Field {
                                " "
                                a href=(format!("/office/cards?unit={}&kind=setup#setup-{}", c.unit_id, c.username)) { "安装二维码" }
                            }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            p.noprint {
                "第 " (page_no + 1) "/" (pages) " 页（每页" (PAGE_ROWS) "个） "
                @if page_no > 0 { a href=(f.url(page_no - 1, &[])) { "上一页" } " " }
                @if page_no + 1 < pages { a href=(f.url(page_no + 1, &[])) { "下一页" } }
            }
        }
    };
    shell(user, "账号管理", Nav::Accounts, body)
}

/// `GET /office/accounts?q=&unit=&page=`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    match load(&state, user.unit.county_id).await {
        Ok(l) => render(&user, &l, &f, None),
        Err(e) => e.into_response(),
    }
}

/// The list again with a refusal on top (nothing was changed).
pub(crate) async fn refused(
    user: &OfficeUser,
    state: &AppState,
    f: &Filter,
    message: &str,
) -> Response {
    match load(state, user.unit.county_id).await {
        Ok(l) => render(user, &l, f, Some(message)),
        Err(e) => e.into_response(),
    }
}
