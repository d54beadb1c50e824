//! 审计日志: the Organization Department searches the audit log by account, a range of days
//! (China time) and action, newest first, [`PAGE_LINES`] lines a page; `/office/audit.csv`
//! exports the same search (from the newest line, at most [`CSV_LINES`]) with the columns of
//! `minqing-server audit --csv`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::calendar::china;
use minqing_shared::ids::{CadreId, DeviceId};
use minqing_shared::sync::op::RecordType;
use serde::Deserialize;

use crate::audit;
use crate::office::kit::act;
use crate::office::kit::download::csv_bytes;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{AuditAction, AuditEntry, AuditQuery, AuditRow, StoreResult, Tx};

/// Lines on one page.
const PAGE_LINES: u32 = 500;
/// Lines in one export at most.
const CSV_LINES: u32 = 100_000;

const COUNTY_ONLY: &str = "审计日志由县委组织部查阅";

/// The search: a login name, the first and last day (China time), `view` or `change`, and the
/// line a page continues after.
#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct Search {
    #[serde(default)]
    user: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    before: String,
}

impl Search {
    /// The search's parameters (without the page), for links.
    fn params(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("user", &self.user), ("from", &self.from), ("to", &self.to)] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        if !self.action.is_empty() {
            q.append_pair("action", &self.action);
        }
        q.finish()
    }

    fn url(&self, path: &str, before: Option<i64>) -> String {
        let mut q = self.params();
        if let Some(b) = before {
            q.push_str(&format!("{}before={b}", if q.is_empty() { "" } else { "&" }));
        }
        if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") }
    }
}

/// Midnight of `day` in China, in ms.
fn day_start(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    midnight.and_local_timezone(china()).single().map_or(0, |t| t.timestamp_millis())
}

fn optional_date(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.add(field, "日期格式应为 2026-12-05");
    }
    parsed
}

/// The search as a query of the store (at most `limit` lines), or what is wrong with it.
fn query(tx: &mut Tx<'_>, s: &Search, limit: u32) -> StoreResult<Result<AuditQuery, FieldErrors>> {
    let mut errors = FieldErrors::default();
    let mut q = AuditQuery { limit, ..AuditQuery::default() };
    let user = s.user.trim();
    if !user.is_empty() {
        match tx.account_by_username(user)? {
            Some(a) => q.cadre = Some(a.cadre.id),
            None => errors.add("user", format!("没有用户「{user}」")),
        }
    }
    let from = optional_date(&mut errors, "from", &s.from);
    let to = optional_date(&mut errors, "to", &s.to);
    if from.zip(to).is_some_and(|(from, to)| from > to) {
        errors.add("to", "结束日期早于开始日期");
    }
    q.since_ms = from.map(day_start);
    q.until_ms = to.and_then(|d| d.succ_opt()).map(day_start);
    if !s.action.is_empty() {
        q.action = AuditAction::from_code(&s.action);
        if q.action.is_none() {
            errors.add("action", "操作应为查看或修改");
        }
    }
    if !s.before.is_empty() {
        q.before_id = s.before.parse().ok();
        if q.before_id.is_none() {
            errors.add("before", "页码不对");
        }
    }
    Ok(if errors.is_empty() { Ok(q) } else { Err(errors) })
}

/// A search's lines, with the names to show them by.
struct Found {
    rows: Vec<AuditRow>,
    cadres: HashMap<CadreId, (String, String)>,
    devices: HashMap<DeviceId, (String, Option<CadreId>)>,
}

async fn search(
    state: &AppState,
    s: &Search,
    limit: u32,
) -> Result<Result<Found, FieldErrors>, OfficeError> {
    let s = s.clone();
    act::read(state, move |tx| {
        let q = match query(tx, &s, limit)? {
            Ok(q) => q,
            Err(errors) => return Ok(Err(errors)),
        };
        let rows = tx.audit_entries(&q)?;
        let cadres = tx.all_cadres()?.into_iter().map(|c| (c.id, (c.username, c.name))).collect();
        let devices = tx.devices(None)?.into_iter().map(|d| (d.id, (d.name, d.cadre_id))).collect();
        Ok(Ok(Found { rows, cadres, devices }))
    })
    .await
}

/// What a record type is, in Chinese.
fn type_zh(code: &str) -> &str {
    match code {
        "pull" => "同步下载",
        audit::ACCOUNT_DISABLED => "停用账号",
        audit::ACCOUNT_ENABLED => "启用账号",
        audit::PASSWORD_RESET => "重置密码",
        audit::DEVICE_REVOKED => "注销手机",
        other => RecordType::from_code(other).map_or(other, |t| t.zh()),
    }
}

impl Found {
    /// 王建国（wang）, or the id of an account since removed.
    fn cadre(&self, id: CadreId) -> String {
        self.cadres
            .get(&id)
            .map_or_else(|| id.to_string(), |(username, name)| format!("{name}（{username}）"))
    }

    fn device(&self, id: DeviceId) -> Markup {
        match self.devices.get(&id) {
            Some((name, _)) => html! { span title=(id) { (name) } },
            None => html! { span.small { (id) } },
        }
    }

    /// The record a line is about: a link to a household or concern, the account or phone of
    /// an account change, else its id.
    fn record(&self, row: &AuditRow) -> Markup {
        let e = &row.entry;
        let Some(id) = e.record_id.as_deref() else { return html! { span.muted { "—" } } };
        match e.record_type.as_str() {
            "household" | "concern" => {
                let href = format!("/office/{}s/{id}", e.record_type);
                html! { a.small href=(href) { (id) } }
            }
            audit::ACCOUNT_DISABLED | audit::ACCOUNT_ENABLED | audit::PASSWORD_RESET => {
                match id.parse() {
                    Ok(cadre) => html! { (self.cadre(cadre)) },
                    Err(_) => html! { span.small { (id) } },
                }
            }
            audit::DEVICE_REVOKED => {
                let device = id.parse().ok().and_then(|d| self.devices.get(&d));
                match device {
                    Some((name, owner)) => html! {
                        "「" (name) "」"
                        @if let Some(owner) = owner { " " (self.cadre(*owner)) }
                    },
                    None => html! { span.small { (id) } },
                }
            }
            _ => html! { span.small { (id) } },
        }
    }
}

/// Where a line came from: the office pages, the command line, or a phone (a device and no
/// address).
fn source(e: &AuditEntry) -> &str {
    match (e.address.as_deref(), e.device_id) {
        (Some("office"), _) => "办公室网页",
        (Some("cli import"), _) => "命令行导入",
        (Some(other), _) => other,
        (None, Some(_)) => "手机App",
        (None, None) => "—",
    }
}

fn render(user: &OfficeUser, s: &Search, found: Result<Found, FieldErrors>) -> Response {
    let (found, errors) = match found {
        Ok(f) => (Some(f), FieldErrors::default()),
        Err(e) => (None, e),
    };
    let body = html! {
        h1 { "审计日志" }
        p.muted {
            "谁在何时、用哪部手机或办公室网页查看或修改了哪条记录：手机的同步下载和上传、办公室查看联系户和民情诉求、"
            "名册导入、账号管理的每项操作。时间为北京时间，由新到旧，每页最多" (PAGE_LINES) "条。"
        }
        (errors.banner())
        form.filters method="get" action="/office/audit" {
            label { "账号 " input name="user" value=(s.user) placeholder="用户名" size="12"; (errors.show("user")) }
            label { "从 " input type="date" name="from" value=(s.from); (errors.show("from")) }
            label { "到 " input type="date" name="to" value=(s.to); (errors.show("to")) }
            label { "操作 " select name="action" {
                option value="" { "全部" }
                option value="view" selected[s.action == "view"] { "查看" }
                option value="change" selected[s.action == "change"] { "修改" }
            } (errors.show("action")) }
            button type="submit" { "查询" }
            " " a href="/office/audit" { "清除" }
            " · " a href=(s.url("/office/audit.csv", None)) { "导出 CSV" }
            span.muted.small { "（本次查询的全部记录，最多" (CSV_LINES / 10_000) "万条）" }
        }
        @if let Some(f) = &found {
            @let more = f.rows.len() > PAGE_LINES as usize;
            @let shown = &f.rows[..f.rows.len().min(PAGE_LINES as usize)];
            table {
                thead { tr {
                    th { "时间" } th { "账号" } th { "设备" } th { "来源" } th { "操作" }
                    th { "类型" } th { "记录" } th.num { "数量" }
                } }
                tbody {
                    @for row in shown {
                        @let e = &row.entry;
                        tr {
                            td.nw { (audit::china_time(e.at_ms)) }
                            td.nw { @match e.cadre_id { Some(c) => { (f.cadre(c)) }, None => { span.muted { "—" } } } }
                            td.nw { @match e.device_id { Some(d) => { (f.device(d)) }, None => { span.muted { "—" } } } }
                            td.nw { (source(e)) }
                            td.nw {
                                @match e.action {
                                    AuditAction::View => { span.badge { "查看" } },
                                    AuditAction::Change => { span.badge.warn { "修改" } },
                                }
                            }
                            td.nw { (type_zh(&e.record_type)) }
                            td { (f.record(row)) }
                            td.num { (e.count) }
                        }
                    }
                    @if shown.is_empty() { tr { td colspan="8" .muted { "没有符合条件的记录" } } }
                }
            }
            p.noprint {
                "本页 " (shown.len()) " 条"
                @if !s.before.is_empty() { " · " a href=(s.url("/office/audit", None)) { "回到最新" } }
                @if more {
                    @if let Some(last) = shown.last() {
                        " · " a href=(s.url("/office/audit", Some(last.id))) { "更早的记录" }
                    }
                }
            }
        }
    };
    shell(user, "审计日志", Nav::Audit, body)
}

/// `GET /office/audit?user=&from=&to=&action=&before=`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(s): Query<Search>,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    // One line more than a page, to know whether there is an earlier page.
    match search(&state, &s, PAGE_LINES + 1).await {
        Ok(found) => render(&user, &s, found),
        Err(e) => e.into_response(),
    }
}

/// `GET /office/audit.csv?user=&from=&to=&action=`: the search from its newest line, as CSV
/// (UTF-8 with a byte-order mark, for Excel).
pub(super) async fn csv(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(s): Query<Search>,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    let s = Search { before: String::new(), ..s };
    let found = match search(&state, &s, CSV_LINES).await {
        Ok(Ok(found)) => found,
        Ok(Err(errors)) => {
            let wrong: Vec<&str> =
                ["user", "from", "to", "action"].iter().filter_map(|f| errors.on(f)).collect();
            return OfficeError::bad_request(wrong.join("；")).into_response();
        }
        Err(e) => return e.into_response(),
    };
    let bytes = csv_bytes(|w| {
        w.write_record(audit::HEADERS)?;
        for row in &found.rows {
            w.write_record(audit::export_row(row))?;
        }
        Ok(())
    });
    let name = format!("审计日志-{}.csv", crate::office::kit::layout::date(state.today()));
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let rows = found.rows.len();
    if let Err(e) = audit::office_export(&state, user.cadre.id, "audit.csv", None, rows).await {
        return OfficeError::from(e).into_response();
    }
    crate::office::kit::download::download("text/csv; charset=utf-8", &name, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_runs_from_midnight_china_time() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // 2025-12-31 16:00 UTC.
        assert_eq!(day_start(day), 1_767_196_800_000);
        assert_eq!(day_start(day.succ_opt().unwrap()) - day_start(day), 24 * 3600 * 1000);
    }

    #[test]
    fn links_keep_the_search_without_the_page() {
        let s = Search {
            user: " wang ".into(),
            to: "2026-01-31".into(),
            action: "view".into(),
            before: "42".into(),
            ..Search::default()
        };
        assert_eq!(
            s.url("/office/audit.csv", None),
            "/office/audit.csv?user=wang&to=2026-01-31&action=view"
        );
        assert_eq!(
            s.url("/office/audit", Some(7)),
            "/office/audit?user=wang&to=2026-01-31&action=view&before=7"
        );
        assert_eq!(Search::default().url("/office/audit", None), "/office/audit");
    }
}
