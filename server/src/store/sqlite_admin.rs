//! The SQLite side of the administration's queries (see [`super::admin`]): passwords, disabled
//! accounts, devices and the audit log. `sqlite.rs` delegates here.

use minqing_shared::ids::CadreId;
use rusqlite::{Connection, OptionalExtension, params};

use super::admin::{AccountRow, AuditAction, AuditEntry, AuditQuery, AuditRow, DeviceRow};
use super::parse;
use super::sqlite::{CADRE_COLUMNS, cadre_from_row, cadre_row};
use super::{StoreError, StoreResult};

pub(super) fn set_password(
    c: &Connection,
    cadre: CadreId,
    hash: &str,
    must_change: bool,
) -> StoreResult<()> {
    c.execute(
        "UPDATE cadres SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
        params![cadre.to_string(), hash, must_change],
    )?;
    c.execute("DELETE FROM office_sessions WHERE cadre_id = ?1", params![cadre.to_string()])?;
    Ok(())
}

pub(super) fn replace_password(
    c: &Connection,
    cadre: CadreId,
    verified: &str,
    hash: &str,
) -> StoreResult<bool> {
    let n = c.execute(
        "UPDATE cadres SET password_hash = ?3, must_change_password = 0
         WHERE id = ?1 AND password_hash = ?2",
        params![cadre.to_string(), verified, hash],
    )?;
    c.execute("DELETE FROM office_sessions WHERE cadre_id = ?1", params![cadre.to_string()])?;
    Ok(n == 1)
}

pub(super) fn must_change_password(c: &Connection, cadre: CadreId) -> StoreResult<bool> {
    Ok(c.query_row(
        "SELECT must_change_password FROM cadres WHERE id = ?1",
        params![cadre.to_string()],
        |r| r.get::<_, bool>(0),
    )
    .optional()?
    .unwrap_or(false))
}

pub(super) fn set_disabled(c: &Connection, cadre: CadreId, disabled: bool) -> StoreResult<()> {
    c.execute(
        "UPDATE cadres SET disabled = ?2 WHERE id = ?1",
        params![cadre.to_string(), disabled],
    )?;
    if disabled {
        c.execute("DELETE FROM office_sessions WHERE cadre_id = ?1", params![cadre.to_string()])?;
    }
    Ok(())
}

pub(super) fn all_accounts(c: &Connection) -> StoreResult<Vec<AccountRow>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {CADRE_COLUMNS}, disabled, must_change_password FROM cadres ORDER BY username"
    ))?;
    let rows = stmt
        .query_map([], |r| Ok((cadre_from_row(r)?, r.get::<_, bool>(8)?, r.get::<_, bool>(9)?)))?;
    rows.map(|r| {
        let (cadre, disabled, must_change_password) = r?;
        Ok(AccountRow { cadre: cadre_row(cadre)?, disabled, must_change_password })
    })
    .collect()
}

pub(super) fn devices(c: &Connection, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>> {
    let mut stmt = c.prepare(
        "SELECT d.id, d.cadre_id, c.username, d.name, d.created_ms, d.last_seen_ms, d.revoked_ms,
                d.app_version
         FROM devices d LEFT JOIN cadres c ON c.id = d.cadre_id
         WHERE (?1 IS NULL OR d.cadre_id = ?1)
         ORDER BY c.username, d.created_ms",
    )?;
    let rows = stmt.query_map(params![cadre.map(|c| c.to_string())], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    rows.map(|r| {
        let (id, cadre, username, name, created_ms, last_seen_ms, revoked_ms, app_version) = r?;
        Ok(DeviceRow {
            id: parse(&id)?,
            cadre_id: cadre.map(|c| parse(&c)).transpose()?,
            username,
            name,
            created_ms,
            last_seen_ms,
            revoked_ms,
            app_version,
        })
    })
    .collect()
}

pub(super) fn insert_audit(c: &Connection, e: &AuditEntry) -> StoreResult<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO audit (at_ms, cadre_id, device_id, address, action, record_type, record_id, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    stmt.execute(params![
        e.at_ms,
        e.cadre_id.map(|c| c.to_string()),
        e.device_id.map(|d| d.to_string()),
        e.address,
        e.action.code(),
        e.record_type,
        e.record_id,
        i64::from(e.count),
    ])?;
    Ok(())
}

pub(super) fn audit_entries(c: &Connection, q: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
    let mut stmt = c.prepare(
        "SELECT a.id, a.at_ms, a.cadre_id, a.device_id, a.address, a.action, a.record_type,
                a.record_id, a.count, c.username
         FROM audit a LEFT JOIN cadres c ON c.id = a.cadre_id
         WHERE (?1 IS NULL OR a.cadre_id = ?1) AND (?2 IS NULL OR a.at_ms >= ?2)
           AND (?4 IS NULL OR a.at_ms < ?4) AND (?5 IS NULL OR a.action = ?5)
           AND (?6 IS NULL OR a.id < ?6)
         ORDER BY a.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            q.cadre.map(|c| c.to_string()),
            q.since_ms,
            i64::from(q.limit),
            q.until_ms,
            q.action.map(AuditAction::code),
            q.before_id,
        ],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        },
    )?;
    rows.map(|r| {
        let (id, at_ms, cadre, device, address, action, record_type, record_id, count, username) =
            r?;
        Ok(AuditRow {
            id,
            entry: AuditEntry {
                at_ms,
                cadre_id: cadre.map(|c| parse(&c)).transpose()?,
                device_id: device.map(|d| parse(&d)).transpose()?,
                address,
                action: AuditAction::from_code(&action)
                    .ok_or_else(|| StoreError::Corrupt(format!("audit action {action:?}")))?,
                record_type,
                record_id,
                count: count as u32,
            },
            username,
        })
    })
    .collect()
}
