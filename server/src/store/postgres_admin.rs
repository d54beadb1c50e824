//! The PostgreSQL side of the administration's queries, the same as `sqlite_admin.rs` in
//! PostgreSQL's dialect. `postgres.rs` delegates here.

use super::postgres_conn::CachedTx;
use minqing_shared::ids::CadreId;

use super::admin::{AccountRow, AuditAction, AuditEntry, AuditQuery, AuditRow, DeviceRow};
use super::parse;
use super::postgres::{CADRE_COLUMNS, cadre_row};
use super::{CadreRow, StoreError, StoreResult};

type Tx<'a, 'b> = &'a mut CachedTx<'b>;

pub(super) fn set_password(
    t: Tx<'_, '_>,
    cadre: CadreId,
    hash: &str,
    must_change: bool,
) -> StoreResult<()> {
    t.execute(
        "UPDATE cadres SET password_hash = $2, must_change_password = $3 WHERE id = $1",
        &[&cadre.to_string(), &hash, &must_change],
    )?;
    t.execute("DELETE FROM office_sessions WHERE cadre_id = $1", &[&cadre.to_string()])?;
    Ok(())
}

pub(super) fn replace_password(
    t: Tx<'_, '_>,
    cadre: CadreId,
    verified: &str,
    hash: &str,
) -> StoreResult<bool> {
    let n = t.execute(
        "UPDATE cadres SET password_hash = $3, must_change_password = FALSE
         WHERE id = $1 AND password_hash = $2",
        &[&cadre.to_string(), &verified, &hash],
    )?;
    t.execute("DELETE FROM office_sessions WHERE cadre_id = $1", &[&cadre.to_string()])?;
    Ok(n == 1)
}

pub(super) fn must_change_password(t: Tx<'_, '_>, cadre: CadreId) -> StoreResult<bool> {
    Ok(t.query_opt("SELECT must_change_password FROM cadres WHERE id = $1", &[&cadre.to_string()])?
        .is_some_and(|r| r.get::<_, bool>(0)))
}

pub(super) fn set_disabled(t: Tx<'_, '_>, cadre: CadreId, disabled: bool) -> StoreResult<()> {
    t.execute("UPDATE cadres SET disabled = $2 WHERE id = $1", &[&cadre.to_string(), &disabled])?;
    if disabled {
        t.execute("DELETE FROM office_sessions WHERE cadre_id = $1", &[&cadre.to_string()])?;
    }
    Ok(())
}

pub(super) fn all_accounts(t: Tx<'_, '_>) -> StoreResult<Vec<AccountRow>> {
    let sql = format!(
        "SELECT {CADRE_COLUMNS}, disabled, must_change_password FROM cadres ORDER BY username"
    );
    t.query(&sql, &[])?
        .iter()
        .map(|r| {
            Ok(AccountRow {
                cadre: cadre_row(r)?,
                disabled: r.get(8),
                must_change_password: r.get(9),
            })
        })
        .collect()
}

pub(super) fn devices(t: Tx<'_, '_>, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>> {
    let rows = t.query(
        "SELECT d.id, d.cadre_id, c.username, d.name, d.created_ms, d.last_seen_ms, d.revoked_ms,
                d.app_version
         FROM devices d LEFT JOIN cadres c ON c.id = d.cadre_id
         WHERE ($1::TEXT IS NULL OR d.cadre_id = $1)
         ORDER BY c.username, d.created_ms",
        &[&cadre.map(|c| c.to_string())],
    )?;
    rows.iter()
        .map(|r| {
            Ok(DeviceRow {
                id: parse(r.get::<_, &str>(0))?,
                cadre_id: r.get::<_, Option<&str>>(1).map(parse).transpose()?,
                username: r.get(2),
                name: r.get(3),
                created_ms: r.get(4),
                last_seen_ms: r.get(5),
                revoked_ms: r.get(6),
                app_version: r.get(7),
            })
        })
        .collect()
}

pub(super) fn insert_audit(t: Tx<'_, '_>, e: &AuditEntry) -> StoreResult<()> {
    t.execute(
        "INSERT INTO audit (at_ms, cadre_id, device_id, address, action, record_type, record_id, count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &e.at_ms,
            &e.cadre_id.map(|c| c.to_string()),
            &e.device_id.map(|d| d.to_string()),
            &e.address,
            &e.action.code(),
            &e.record_type,
            &e.record_id,
            &i64::from(e.count),
        ],
    )?;
    Ok(())
}

pub(super) fn audit_entries(t: Tx<'_, '_>, q: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
    let rows = t.query(
        "SELECT a.id, a.at_ms, a.cadre_id, a.device_id, a.address, a.action, a.record_type,
                a.record_id, a.count, c.username
         FROM audit a LEFT JOIN cadres c ON c.id = a.cadre_id
         WHERE ($1::TEXT IS NULL OR a.cadre_id = $1) AND ($2::BIGINT IS NULL OR a.at_ms >= $2)
           AND ($4::BIGINT IS NULL OR a.at_ms < $4) AND ($5::TEXT IS NULL OR a.action = $5)
           AND ($6::BIGINT IS NULL OR a.id < $6)
         ORDER BY a.id DESC LIMIT $3",
        &[
            &q.cadre.map(|c| c.to_string()),
            &q.since_ms,
            &i64::from(q.limit),
            &q.until_ms,
            &q.action.map(AuditAction::code),
            &q.before_id,
        ],
    )?;
    rows.iter()
        .map(|r| {
            let action: &str = r.get(5);
            Ok(AuditRow {
                id: r.get(0),
                entry: AuditEntry {
                    at_ms: r.get(1),
                    cadre_id: r.get::<_, Option<&str>>(2).map(parse).transpose()?,
                    device_id: r.get::<_, Option<&str>>(3).map(parse).transpose()?,
                    address: r.get(4),
                    action: AuditAction::from_code(action)
                        .ok_or_else(|| StoreError::Corrupt(format!("audit action {action:?}")))?,
                    record_type: r.get(6),
                    record_id: r.get(7),
                    count: r.get::<_, i64>(8) as u32,
                },
                username: r.get(9),
            })
        })
        .collect()
}

pub(super) fn put_cadre(
    t: Tx<'_, '_>,
    c: &CadreRow,
    password_hash: Option<&str>,
) -> StoreResult<()> {
    t.execute(
        "INSERT INTO cadres (id, username, name, unit_id, role, phone, title, villages, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, ''))
         ON CONFLICT (id) DO UPDATE SET username = $2, name = $3, unit_id = $4, role = $5,
           phone = $6, title = $7, villages = $8,
           password_hash = COALESCE($9, cadres.password_hash)",
        &[
            &c.id.to_string(),
            &c.username,
            &c.name,
            &c.unit_id.to_string(),
            &c.role.code(),
            &c.phone,
            &c.title,
            &serde_json::to_string(&c.villages)?,
            &password_hash,
        ],
    )?;
    Ok(())
}
