//! The op log on PostgreSQL: appending (unnumbered; `postgres.rs` numbers a transaction's ops
//! just before it commits), quarantine, and the scoped pages that pulls read. `postgres.rs` delegates
//! here.

use super::postgres_conn::CachedTx;
use minqing_shared::ids::{DeviceId, HouseholdId, OpId};
use minqing_shared::sync::{Change, Op};
use postgres::types::ToSql;

use super::{DeviceAuth, LogEntry, NewDevice, QuarantineEntry, Scope, StoreResult, code, parse};
use minqing_shared::org::{Role, UnitKind};

pub(super) fn append_op(
    c: &mut CachedTx<'_>,
    entry: &LogEntry<'_>,
    now_ms: i64,
) -> StoreResult<()> {
    let op = entry.op;
    c.execute(
        "INSERT INTO ops (op_id, device_id, device_seq, record_type, record_id, household_id, unit_id, body, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &op.op_id.to_string(),
            &op.device_id.to_string(),
            &(op.device_seq as i64),
            &op.record_type().code(),
            &op.record_id.to_string(),
            &entry.household_id.map(|h| h.to_string()),
            &entry.unit_id.map(|u| u.to_string()),
            &serde_json::to_string(op)?,
            &now_ms,
        ],
    )?;
    Ok(())
}

pub(super) fn quarantine(
    c: &mut CachedTx<'_>,
    q: &QuarantineEntry<'_>,
    now_ms: i64,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO quarantine (device_id, device_seq, op_id, raw, error, message, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &q.device_id.to_string(),
            &(q.device_seq as i64),
            &q.op_id.map(|o| o.to_string()),
            &q.raw,
            &q.error,
            &q.message,
            &now_ms,
        ],
    )?;
    Ok(())
}

pub(super) fn quarantined(
    c: &mut CachedTx<'_>,
    device: DeviceId,
    seq: u64,
) -> StoreResult<Option<(Option<OpId>, String, String)>> {
    c.query_opt(
        "SELECT op_id, error, message FROM quarantine WHERE device_id = $1 AND device_seq = $2
         ORDER BY id DESC LIMIT 1",
        &[&device.to_string(), &(seq as i64)],
    )?
    .map(|r| {
        let op: Option<&str> = r.get(0);
        Ok((op.map(parse).transpose()?, r.get(1), r.get(2)))
    })
    .transpose()
}

/// One page of the changes in `scope` after `cursor`, but the ones `except` made.
///
/// Each way a change can be in scope is its own index range scan, limited to the page, and the
/// page is the first `limit` of their union. A single `WHERE … OR …` made PostgreSQL walk every
/// op after the cursor in `server_seq` order and test each against the scope — 64 ms a pull
/// with 50,000 ops in the log, most of a benchmark run's database time.
pub(super) fn changes_since(
    c: &mut CachedTx<'_>,
    scope: Scope,
    cursor: u64,
    limit: u32,
    except: Option<DeviceId>,
) -> StoreResult<Vec<Change>> {
    // Every branch: after the cursor, not the asking device's own, the first page of it.
    let branch = |from_where: &str| {
        format!(
            "(SELECT o.server_seq FROM {from_where} AND o.server_seq > $1 AND o.device_id != $3
              ORDER BY o.server_seq LIMIT $2)"
        )
    };
    let (branches, who): (Vec<String>, Vec<String>) = match scope {
        Scope::Cadre { cadre, unit } => (
            vec![
                branch("ops o JOIN households h ON h.id = o.household_id WHERE h.cadre_id = $4"),
                branch("ops o WHERE o.record_type = 'cadre' AND o.record_id = $4"),
                branch("ops o WHERE o.record_type = 'unit' AND o.record_id = $5"),
                branch(
                    "ops o WHERE o.record_type = 'village' AND o.record_id IN
                     (SELECT jsonb_array_elements_text(villages::jsonb) FROM cadres WHERE id = $4)",
                ),
            ],
            vec![cadre.to_string(), unit.to_string()],
        ),
        Scope::Unit(unit) => (
            vec![
                branch(
                    "ops o JOIN households h ON h.id = o.household_id
                     WHERE h.village_id IN (SELECT id FROM villages WHERE township_id = $4)",
                ),
                branch(
                    "ops o JOIN households h ON h.id = o.household_id
                     WHERE h.cadre_id IN (SELECT id FROM cadres WHERE unit_id = $4)",
                ),
                branch("ops o WHERE o.unit_id = $4"),
                branch("ops o WHERE o.record_type = 'unit' AND o.record_id = $4"),
                branch(
                    "ops o WHERE o.record_type = 'village' AND o.record_id IN
                     (SELECT id FROM villages WHERE township_id = $4)",
                ),
                branch(
                    "ops o WHERE o.record_type = 'cadre' AND o.record_id IN
                     (SELECT id FROM cadres WHERE unit_id = $4)",
                ),
            ],
            vec![unit.to_string()],
        ),
        Scope::County => (vec![branch("ops o WHERE TRUE")], vec![]),
    };
    let sql = format!(
        "SELECT server_seq, body FROM ops WHERE server_seq IN ({})
         ORDER BY server_seq LIMIT $2",
        branches.join(" UNION ")
    );
    let cursor = cursor as i64;
    let limit = i64::from(limit);
    let except = except.map(|d| d.to_string()).unwrap_or_default();
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&cursor, &limit, &except];
    params.extend(who.iter().map(|w| w as &(dyn ToSql + Sync)));
    c.query(&sql, &params)?
        .iter()
        .map(|r| {
            Ok(Change {
                server_seq: r.get::<_, i64>(0) as u64,
                op: serde_json::from_str::<Op>(r.get(1))?,
            })
        })
        .collect()
}

pub(super) fn last_hlc(
    c: &mut CachedTx<'_>,
    device: DeviceId,
) -> StoreResult<Option<minqing_shared::sync::Hlc>> {
    c.query_opt(
        "SELECT body FROM ops WHERE device_id = $1 ORDER BY device_seq DESC LIMIT 1",
        &[&device.to_string()],
    )?
    .map(|r| Ok(serde_json::from_str::<Op>(r.get(0))?.hlc))
    .transpose()
}

pub(super) fn household_history(
    c: &mut CachedTx<'_>,
    household: HouseholdId,
    through: u64,
) -> StoreResult<Vec<Change>> {
    c.query(
        "SELECT server_seq, body FROM ops WHERE household_id = $1 AND server_seq <= $2
         ORDER BY server_seq",
        &[&household.to_string(), &(through as i64)],
    )?
    .iter()
    .map(|r| {
        Ok(Change {
            server_seq: r.get::<_, i64>(0) as u64,
            op: serde_json::from_str::<Op>(r.get(1))?,
        })
    })
    .collect()
}

pub(super) fn device_by_token_hash(
    c: &mut CachedTx<'_>,
    token_hash: &str,
) -> StoreResult<Option<DeviceAuth>> {
    c.query_opt(
        "SELECT d.id, d.cadre_id, c.role, c.unit_id, u.kind, d.revoked_ms IS NOT NULL, c.disabled
         FROM devices d JOIN cadres c ON c.id = d.cadre_id JOIN units u ON u.id = c.unit_id
         WHERE d.token_hash = $1",
        &[&token_hash],
    )?
    .map(|r| {
        Ok(DeviceAuth {
            device_id: parse(r.get::<_, &str>(0))?,
            cadre_id: parse(r.get::<_, &str>(1))?,
            role: code(r.get(2), Role::from_code)?,
            unit_id: parse(r.get::<_, &str>(3))?,
            unit_kind: code(r.get(4), UnitKind::from_code)?,
            revoked: r.get(5),
            disabled: r.get(6),
        })
    })
    .transpose()
}

pub(super) fn insert_device(
    c: &mut CachedTx<'_>,
    d: &NewDevice<'_>,
    now_ms: i64,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO devices (id, cadre_id, name, token_hash, created_ms, app_version)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&d.id.to_string(), &d.cadre.to_string(), &d.name, &d.token_hash, &now_ms, &d.app_version],
    )?;
    Ok(())
}
