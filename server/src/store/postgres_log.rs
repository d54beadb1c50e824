//! The op log on PostgreSQL: appending (`server_seq` = MAX + 1 under the writers' advisory lock,
//! see `postgres.rs`), quarantine, and the scoped pages that pulls read. `postgres.rs` delegates
//! here.

use minqing_shared::ids::{DeviceId, OpId};
use minqing_shared::sync::{Change, Op};
use postgres::Transaction;
use postgres::types::ToSql;

use super::{LogEntry, QuarantineEntry, Scope, StoreResult, parse};

pub(super) fn append_op(
    c: &mut Transaction<'_>,
    entry: &LogEntry<'_>,
    now_ms: i64,
) -> StoreResult<u64> {
    let op = entry.op;
    // Safe only because every writer holds WRITE_LOCK (see the module docs).
    let row = c.query_one(
        "INSERT INTO ops (server_seq, op_id, device_id, device_seq, record_type, record_id, household_id, unit_id, body, received_ms)
         SELECT COALESCE(MAX(server_seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM ops
         RETURNING server_seq",
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
    Ok(row.get::<_, i64>(0) as u64)
}

pub(super) fn quarantine(
    c: &mut Transaction<'_>,
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
    c: &mut Transaction<'_>,
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

pub(super) fn changes_since(
    c: &mut Transaction<'_>,
    scope: Scope,
    cursor: u64,
    limit: u32,
    except: Option<DeviceId>,
) -> StoreResult<Vec<Change>> {
    let (filter, who): (&str, Vec<String>) = match scope {
        Scope::Cadre { cadre, unit } => (
            "AND (household_id IN (SELECT id FROM households WHERE cadre_id = $4)
              OR (record_type = 'cadre' AND record_id = $4)
              OR (record_type = 'unit' AND record_id = $5)
              OR (record_type = 'village' AND record_id IN
                  (SELECT jsonb_array_elements_text(villages::jsonb) FROM cadres WHERE id = $4)))",
            vec![cadre.to_string(), unit.to_string()],
        ),
        Scope::Unit(unit) => (
            "AND (household_id IN (SELECT h.id FROM households h
                  LEFT JOIN villages v ON v.id = h.village_id
                  LEFT JOIN cadres c ON c.id = h.cadre_id
                  WHERE v.township_id = $4 OR c.unit_id = $4)
              OR unit_id = $4
              OR (record_type = 'unit' AND record_id = $4)
              OR (record_type = 'village' AND record_id IN (SELECT id FROM villages WHERE township_id = $4))
              OR (record_type = 'cadre' AND record_id IN (SELECT id FROM cadres WHERE unit_id = $4)))",
            vec![unit.to_string()],
        ),
        Scope::County => ("", vec![]),
    };
    let sql = format!(
        "SELECT server_seq, body FROM ops WHERE server_seq > $1 AND device_id != $3 {filter}
         ORDER BY server_seq LIMIT $2"
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
    c: &mut Transaction<'_>,
    device: DeviceId,
) -> StoreResult<Option<minqing_shared::sync::Hlc>> {
    c.query_opt(
        "SELECT body FROM ops WHERE device_id = $1 ORDER BY device_seq DESC LIMIT 1",
        &[&device.to_string()],
    )?
    .map(|r| Ok(serde_json::from_str::<Op>(r.get(0))?.hlc))
    .transpose()
}
