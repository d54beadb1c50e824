//! Accounts, devices and the audit log from the command line: `account create|disable|enable|
//! reset-password`, `device list|revoke`, `audit`. Each returns the text to print.

use chrono::{NaiveDate, TimeZone};
use minqing_shared::ids::DeviceId;
use minqing_shared::sync::wire::EraseOrder;

use super::import::{self, ImportError, initial_password};
use super::roster::{At, CadreIn, Problem, Roster, phone_ok, split_list};
use crate::audit;
use crate::password::hash_password;
use crate::store::{AuditQuery, Db};

/// A command-line failure, for a person.
pub type CliResult = Result<String, Box<dyn std::error::Error + Send + Sync>>;

fn cst_time(ms: i64) -> String {
    minqing_shared::calendar::china()
        .timestamp_millis_opt(ms)
        .single()
        .map_or_else(|| ms.to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
}

fn account(
    db: &Db,
    username: &str,
) -> Result<crate::store::Account, Box<dyn std::error::Error + Send + Sync>> {
    db.read(|tx| tx.account_by_username(username))?
        .ok_or_else(|| format!("没有用户「{username}」 (no such account)").into())
}

/// What `account create` needs besides the username.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub name: String,
    pub unit: String,
    pub role: String,
    pub phone: String,
    pub title: String,
    pub villages: String,
}

/// Creates an account as a one-row import (the same checks; the profile is logged as an op so
/// phones pull it); prints its initial password, to be changed at the first login.
pub fn create(db: &Db, a: &NewAccount, target: &super::county::Target, now_ms: i64) -> CliResult {
    if db.read(|tx| tx.account_by_username(&a.username))?.is_some() {
        return Err(format!("用户「{}」已存在 (the account exists)", a.username).into());
    }
    let at = At { source: "account create".into(), line: 1 };
    let mut problems = Vec::new();
    let role = super::roster::role_label(&a.role);
    if role.is_none() {
        problems.push(Problem {
            at: at.to_string(),
            message: format!("职务类别「{}」不对 (unknown role)", a.role),
        });
    }
    if !phone_ok(&a.phone) {
        problems.push(Problem {
            at: at.to_string(),
            message: format!("手机「{}」不是电话号码 (bad phone number)", a.phone),
        });
    }
    let roster = Roster {
        cadres: role
            .map(|role| CadreIn {
                at,
                name: a.name.clone(),
                unit: a.unit.clone(),
                role,
                title: a.title.clone(),
                phone: a.phone.clone(),
                villages: split_list(&a.villages),
                username: a.username.clone(),
            })
            .into_iter()
            .collect(),
        ..Roster::default()
    };
    let report =
        import::run_roster(db, &roster, target, problems, false, now_ms).map_err(|e| match e {
            ImportError::Problems { report, .. } => report,
            other => other.to_string(),
        })?;
    let (username, _, password) = report.passwords.first().cloned().unwrap_or_default();
    Ok(format!(
        "已创建用户 {username}，初始密码 {password}（首次登录须修改） (created; initial password, to be changed at first login)\n"
    ))
}

/// Disables or enables an account; a disabled account's phones are refused at once.
pub fn set_disabled(db: &Db, username: &str, disabled: bool) -> CliResult {
    let a = account(db, username)?;
    db.write(|tx| tx.set_disabled(a.cadre.id, disabled))?;
    Ok(if disabled {
        format!("已停用 {username} (disabled; its phones are refused at their next request)\n")
    } else {
        format!("已启用 {username} (enabled)\n")
    })
}

/// A new random initial password and its hash, for [`Tx::set_password`] with `must_change`
/// (hashing takes a while: do it before the write transaction).
///
/// [`Tx::set_password`]: crate::store::Tx::set_password
pub fn fresh_password() -> (String, String) {
    let password = initial_password();
    let hash = hash_password(&password);
    (password, hash)
}

/// Sets a new random password that must be changed at the next login; the account's phones
/// and office sessions are signed out.
pub fn reset_password(db: &Db, username: &str, now_ms: i64) -> CliResult {
    let a = account(db, username)?;
    let (password, hash) = fresh_password();
    db.write(|tx| tx.set_password(a.cadre.id, &hash, true, now_ms))?;
    Ok(format!(
        "{username} 的新密码 {password}（下次登录须修改） (new password, to be changed at the next login)\n"
    ))
}

/// Lists devices, of one account or all: id, account, name, app version, logged in, last sync,
/// revoked.
pub fn list_devices(db: &Db, username: Option<&str>) -> CliResult {
    let cadre = username.map(|u| account(db, u)).transpose()?.map(|a| a.cadre.id);
    let devices = db.read(|tx| tx.devices(cadre))?;
    let mut out = String::from(
        "设备 device\t用户 user\t名称 name\t版本 app version\t登录 logged in\t最后同步 last sync\t状态 state\n",
    );
    for d in devices {
        let state = match (d.erased_ms, d.erase, d.revoked_ms) {
            (Some(t), _, _) => format!("已擦除 erased {}", cst_time(t)),
            (None, Some(order), None) => format!(
                "待{} {} ordered {}{}",
                erase_zh(order),
                order.code(),
                d.erase_requested_ms.map_or("-".to_owned(), cst_time),
                d.erase_delivered_ms
                    .map_or(String::new(), |t| format!(", 手机已收到 heard {}", cst_time(t)))
            ),
            (None, _, Some(t)) => format!("已注销 revoked {}", cst_time(t)),
            (None, _, None) => "正常 active".to_owned(),
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            d.id,
            d.username.as_deref().unwrap_or("(server)"),
            printable(&d.name),
            printable(d.app_version.as_deref().unwrap_or("-")),
            cst_time(d.created_ms),
            d.last_seen_ms.map_or("-".to_owned(), cst_time),
            state
        ));
    }
    Ok(out)
}

/// `text` for a terminal: control and invisible characters (a name stored before they were
/// refused) shown escaped, so a row cannot move the cursor or draw another row.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || minqing_shared::sync::validate::is_invisible(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Revokes a device (a lost phone): its token stops working at its next request.
pub fn revoke_device(db: &Db, device: &str, now_ms: i64) -> CliResult {
    let id: DeviceId =
        device.parse().map_err(|_| format!("「{device}」不是设备号 (not a device id)"))?;
    if db.write(|tx| tx.revoke_device(id, now_ms))? {
        Ok(format!("已注销设备 {id} (revoked: the phone is refused at its next request)\n"))
    } else {
        Err(format!("设备 {id} 不存在或已注销 (no such device, or already revoked)").into())
    }
}

/// 擦除 or 交回.
fn erase_zh(order: EraseOrder) -> &'static str {
    match order {
        EraseOrder::Wipe => "擦除",
        EraseOrder::Retire => "交回",
    }
}

/// Orders a phone erased at its next contact: `wipe` (lost: at once) or `retire` (handed over:
/// after sending what it holds). Audited.
pub fn order_erase(db: &Db, device: &str, order: EraseOrder, now_ms: i64) -> CliResult {
    let id: DeviceId =
        device.parse().map_err(|_| format!("「{device}」不是设备号 (not a device id)"))?;
    let taken = db.write(|tx| {
        if !tx.order_erase(id, order, now_ms)? {
            return Ok(false);
        }
        let record_type = match order {
            EraseOrder::Wipe => crate::audit::DEVICE_WIPE_ORDERED,
            EraseOrder::Retire => crate::audit::DEVICE_RETIRE_ORDERED,
        };
        let who = crate::audit::Who { cadre: None, device: None, address: Some("cli".into()) };
        let action = crate::store::AuditAction::Change;
        crate::audit::record(tx, &who, action, record_type, Some(id.to_string()), 1, now_ms)?;
        Ok::<_, crate::store::StoreError>(true)
    })?;
    if taken {
        Ok(format!(
            "已要求{}设备 {id}：手机下次联网时执行 (ordered {}: carried out at the phone's next contact)\n",
            erase_zh(order),
            order.code()
        ))
    } else {
        Err(format!(
            "设备 {id} 不存在、已注销或已擦除 (no such phone, or revoked or erased already)"
        )
        .into())
    }
}

/// Searches the audit log (newest first), as a table or CSV.
pub fn search_audit(
    db: &Db,
    who: Option<&str>,
    since: Option<&str>,
    csv: bool,
    limit: u32,
) -> CliResult {
    let cadre = who.map(|u| account(db, u)).transpose()?.map(|a| a.cadre.id);
    let since_ms = since
        .map(|d| {
            let day = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| format!("日期「{d}」应为 YYYY-MM-DD (a date like 2026-01-31)"))?;
            Ok::<_, String>(minqing_shared::calendar::china_midnight_ms(day))
        })
        .transpose()?;
    let rows = db.read(|tx| {
        tx.audit_entries(&AuditQuery { cadre, since_ms, limit, ..AuditQuery::default() })
    })?;
    if csv {
        let mut w = crate::spreadsheet::SafeCsv::new(b"");
        w.write_record(audit::HEADERS)?;
        for r in &rows {
            w.write_record(audit::export_row(r))?;
        }
        return Ok(String::from_utf8(w.into_bytes()?)?);
    }
    let mut out = audit::HEADERS.join("\t");
    out.push('\n');
    for r in &rows {
        out.push_str(&audit::export_row(r).join("\t"));
        out.push('\n');
    }
    Ok(out)
}
