//! The op log on SQLite: appending (with `server_seq` from the single writer), quarantine, and
//! the scoped pages that pulls read. `sqlite.rs` delegates here.

use minqing_shared::ids::{DeviceId, HouseholdId, OpId};
use minqing_shared::sync::{Change, Op};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DeviceAuth, LogEntry, NewDevice, QuarantineEntry, Scope, StoreResult, code, parse};
use minqing_shared::org::{Role, UnitKind};

pub(super) fn append_op(c: &Connection, entry: &LogEntry<'_>, now_ms: i64) -> StoreResult<()> {
    let op = entry.op;
    let mut stmt = c.prepare_cached(
        "INSERT INTO ops (op_id, device_id, device_seq, record_type, record_id, household_id, unit_id, body, received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        op.op_id.to_string(),
        op.device_id.to_string(),
        op.device_seq as i64,
        op.record_type().code(),
        op.record_id.to_string(),
        entry.household_id.map(|h| h.to_string()),
        entry.unit_id.map(|u| u.to_string()),
        serde_json::to_string(op)?,
        now_ms,
    ])?;
    Ok(())
}

pub(super) fn quarantine(c: &Connection, q: &QuarantineEntry<'_>, now_ms: i64) -> StoreResult<()> {
    c.execute(
        "INSERT INTO quarantine (device_id, device_seq, op_id, raw, error, message, received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            q.device_id.to_string(),
            q.device_seq as i64,
            q.op_id.map(|o| o.to_string()),
            q.raw,
            q.error,
            q.message,
            now_ms
        ],
    )?;
    Ok(())
}

pub(super) fn quarantined(
    c: &Connection,
    device: DeviceId,
    seq: u64,
) -> StoreResult<Option<(Option<OpId>, String, String)>> {
    let row = c
        .query_row(
            "SELECT op_id, error, message FROM quarantine WHERE device_id = ?1 AND device_seq = ?2
             ORDER BY id DESC LIMIT 1",
            params![device.to_string(), seq as i64],
            |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            },
        )
        .optional()?;
    row.map(|(op, e, m)| Ok((op.map(|o| parse(&o)).transpose()?, e, m))).transpose()
}

pub(super) fn changes_since(
    c: &Connection,
    scope: Scope,
    cursor: u64,
    limit: u32,
    except: Option<DeviceId>,
) -> StoreResult<Vec<Change>> {
    let (filter, who): (&str, Vec<String>) = match scope {
        Scope::Cadre { cadre, unit } => (
            "AND (household_id IN (SELECT id FROM households WHERE cadre_id = ?4)
              OR (record_type = 'cadre' AND record_id = ?4)
              OR (record_type = 'unit' AND record_id = ?5)
              OR (record_type = 'village' AND record_id IN
                  (SELECT value FROM json_each((SELECT villages FROM cadres WHERE id = ?4)))))",
            vec![cadre.to_string(), unit.to_string()],
        ),
        Scope::Unit(unit) => (
            "AND (household_id IN (SELECT h.id FROM households h
                  LEFT JOIN villages v ON v.id = h.village_id
                  LEFT JOIN cadres c ON c.id = h.cadre_id
                  WHERE v.township_id = ?4 OR c.unit_id = ?4)
              OR unit_id = ?4
              OR (record_type = 'unit' AND record_id = ?4)
              OR (record_type = 'village' AND record_id IN (SELECT id FROM villages WHERE township_id = ?4))
              OR (record_type = 'cadre' AND record_id IN (SELECT id FROM cadres WHERE unit_id = ?4)))",
            vec![unit.to_string()],
        ),
        Scope::County => ("", vec![]),
    };
    let sql = format!(
        "SELECT server_seq, body FROM ops WHERE server_seq > ?1 AND device_id != ?3 {filter}
         ORDER BY server_seq LIMIT ?2"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut values: Vec<rusqlite::types::Value> = vec![
        (cursor as i64).into(),
        i64::from(limit).into(),
        except.map(|d| d.to_string()).unwrap_or_default().into(),
    ];
    values.extend(who.into_iter().map(Into::into));
    let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut changes = Vec::new();
    for row in rows {
        let (seq, body) = row?;
        changes.push(Change { server_seq: seq as u64, op: serde_json::from_str::<Op>(&body)? });
    }
    Ok(changes)
}

pub(super) fn last_hlc(
    c: &Connection,
    device: DeviceId,
) -> StoreResult<Option<minqing_shared::sync::Hlc>> {
    let body: Option<String> = c
        .query_row(
            "SELECT body FROM ops WHERE device_id = ?1 ORDER BY device_seq DESC LIMIT 1",
            params![device.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| Ok(serde_json::from_str::<Op>(&b)?.hlc)).transpose()
}

pub(super) fn revoke_device(c: &Connection, device: DeviceId, now_ms: i64) -> StoreResult<bool> {
    let n = c.execute(
        "UPDATE devices SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
        params![device.to_string(), now_ms],
    )?;
    Ok(n == 1)
}

pub(super) fn touch_device(
    c: &Connection,
    device: DeviceId,
    now_ms: i64,
    app_version: Option<&str>,
) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE devices SET last_seen_ms = ?2, app_version = COALESCE(?3, app_version) WHERE id = ?1",
    )?
    .execute(params![device.to_string(), now_ms, app_version])?;
    Ok(())
}

pub(super) fn high_water(c: &Connection, device: DeviceId) -> StoreResult<u64> {
    let hw: Option<i64> = c
        .query_row(
            "SELECT high_water FROM devices WHERE id = ?1",
            params![device.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(hw.unwrap_or(0) as u64)
}

pub(super) fn set_high_water(c: &Connection, device: DeviceId, seq: u64) -> StoreResult<()> {
    c.execute(
        "UPDATE devices SET high_water = ?2 WHERE id = ?1",
        params![device.to_string(), seq as i64],
    )?;
    Ok(())
}

pub(super) fn op_exists(c: &Connection, op_id: OpId) -> StoreResult<bool> {
    Ok(c.query_row("SELECT 1 FROM ops WHERE op_id = ?1", params![op_id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(super) fn last_seq(c: &Connection) -> StoreResult<u64> {
    let seq: Option<i64> = c.query_row("SELECT MAX(server_seq) FROM ops", [], |r| r.get(0))?;
    Ok(seq.unwrap_or(0) as u64)
}

pub(super) fn insert_device(c: &Connection, d: &NewDevice<'_>, now_ms: i64) -> StoreResult<()> {
    c.execute(
        "INSERT INTO devices (id, cadre_id, name, token_hash, created_ms, app_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![d.id.to_string(), d.cadre.to_string(), d.name, d.token_hash, now_ms, d.app_version],
    )?;
    Ok(())
}

pub(super) fn insert_server_device(
    c: &Connection,
    device: DeviceId,
    name: &str,
    now_ms: i64,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO devices (id, name, created_ms) VALUES (?1, ?2, ?3)",
        params![device.to_string(), name, now_ms],
    )?;
    Ok(())
}

pub(super) fn household_history(
    c: &Connection,
    household: HouseholdId,
    through: u64,
) -> StoreResult<Vec<Change>> {
    let mut stmt = c.prepare_cached(
        "SELECT server_seq, body FROM ops WHERE household_id = ?1 AND server_seq <= ?2
         ORDER BY server_seq",
    )?;
    let rows = stmt.query_map(params![household.to_string(), through as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|r| {
        let (seq, body) = r?;
        Ok(Change { server_seq: seq as u64, op: serde_json::from_str::<Op>(&body)? })
    })
    .collect()
}

pub(super) fn device_by_token_hash(
    c: &Connection,
    token_hash: &str,
) -> StoreResult<Option<DeviceAuth>> {
    let row = c
        .query_row(
            "SELECT d.id, d.cadre_id, c.role, c.unit_id, u.kind, d.revoked_ms IS NOT NULL, c.disabled
             FROM devices d JOIN cadres c ON c.id = d.cadre_id JOIN units u ON u.id = c.unit_id
             WHERE d.token_hash = ?1",
            params![token_hash],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            },
        )
        .optional()?;
    row.map(|(device, cadre, role, unit, kind, revoked, disabled)| {
        Ok(DeviceAuth {
            device_id: parse(&device)?,
            cadre_id: parse(&cadre)?,
            role: code(&role, Role::from_code)?,
            unit_id: parse(&unit)?,
            unit_kind: code(&kind, UnitKind::from_code)?,
            revoked,
            disabled,
        })
    })
    .transpose()
}
