//! The outbox: each local change stamped as an op (dense `device_seq`, the device's hybrid
//! logical clock, the clock offset it was stamped with), queued, sent in order, acknowledged or
//! kept with the server's refusal — corrected and queued again when the refusal was for a clock
//! that ran fast (`retime.rs`).

use minqing_shared::ids::{DeviceId, OpId};
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::validate::validate_op;
use minqing_shared::sync::{Op, Rejection, SCHEMA_VERSION};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::apply::{apply_op, refold_concern};
use super::retime::{CLOCK_AHEAD, corrected, replace};
use super::{Account, Result, Store, StoreError, load_account};

/// Stamps an op of this device for `payload`, checks it, writes it to the outbox and applies it.
pub fn stamp_and_apply(
    c: &Connection,
    record_id: Uuid,
    payload: Payload,
    now_ms: i64,
) -> Result<Op> {
    let mut account = load_account(c)?.ok_or(StoreError::NotLoggedIn)?;
    account.last_seq += 1;
    let op = Op {
        op_id: OpId::new(),
        device_id: account.device_id,
        device_seq: account.last_seq,
        record_id,
        schema_version: SCHEMA_VERSION,
        hlc: account.clock.tick(now_ms),
        payload,
    };
    validate_op(&op).map_err(|e| StoreError::Invalid(e.to_string()))?;
    append(c, &account, &op)?;
    apply_op(c, &op)?;
    Ok(op)
}

/// Appends `op`, the newest of `account` (its seq and clock already moved on), to the outbox.
pub(crate) fn append(c: &Connection, account: &Account, op: &Op) -> Result<()> {
    queue(c, op, account.clock.offset_ms)?;
    c.execute(
        "UPDATE account SET last_seq = ?1, clock = ?2",
        params![account.last_seq as i64, serde_json::to_string(&account.clock)?],
    )?;
    Ok(())
}

/// Puts `op`, stamped with the clock offset `offset_ms`, in the outbox.
fn queue(c: &Connection, op: &Op, offset_ms: i64) -> Result<()> {
    c.execute(
        "INSERT INTO outbox (device_seq, op_id, op, offset_ms) VALUES (?1, ?2, ?3, ?4)",
        params![op.device_seq as i64, op.op_id.to_string(), serde_json::to_string(op)?, offset_ms],
    )?;
    Ok(())
}

/// After a new login (a new device id), gives the ops not yet acknowledged fresh seqs of the new
/// device. Their op ids stay, so the server recognises any that did arrive.
pub(crate) fn restamp_pending(c: &Connection, device: DeviceId) -> Result<()> {
    let mut stmt =
        c.prepare("SELECT op, offset_ms FROM outbox WHERE acked = 0 ORDER BY device_seq")?;
    let pending = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .map(|r| {
            let (op, offset) = r?;
            Ok((serde_json::from_str::<Op>(&op)?, offset))
        })
        .collect::<Result<Vec<_>>>()?;
    c.execute("DELETE FROM outbox", [])?;
    let mut seq = 0;
    for (mut op, offset) in pending {
        seq += 1;
        op.device_id = device;
        op.device_seq = seq;
        queue(c, &op, offset)?;
    }
    c.execute("UPDATE account SET last_seq = ?1", [seq as i64])?;
    Ok(())
}

impl Store {
    /// The oldest unacknowledged ops, at most `max_ops` and about `max_bytes` of JSON.
    pub fn pending_ops(&self, max_ops: usize, max_bytes: usize) -> Result<Vec<Op>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT op FROM outbox WHERE acked = 0 ORDER BY device_seq LIMIT ?1",
            )?;
            let mut ops = Vec::new();
            let mut bytes = 0;
            for row in stmt.query_map([max_ops as i64], |r| r.get::<_, String>(0))? {
                let text = row?;
                bytes += text.len();
                if !ops.is_empty() && bytes > max_bytes {
                    break;
                }
                ops.push(serde_json::from_str(&text)?);
            }
            Ok(ops)
        })
    }

    /// The number of ops not yet acknowledged.
    pub fn pending_count(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM outbox WHERE acked = 0", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
        })
    }

    /// Marks ops up to `acked_through` as stored on the server, and keeps the refused ones with
    /// the server's reason (their concern steps no longer count locally). An op refused because
    /// the phone's clock ran fast when it was stamped is sent again corrected, if the offset
    /// learned from the server (at `server_ms`, observed before this call) explains it. Returns
    /// how many corrected copies were queued.
    pub fn acknowledge(
        &self,
        acked_through: u64,
        rejected: &[Rejection],
        now_ms: i64,
        server_ms: i64,
    ) -> Result<u64> {
        self.write(|tx| {
            tx.execute("UPDATE outbox SET acked = 1 WHERE device_seq <= ?1 AND acked = 0", [acked_through as i64])?;
            let offset = load_account(tx)?.map_or(0, |a| a.clock.offset_ms);
            let mut copies = 0;
            for r in rejected {
                // The phone's own outbox says which op that seq was.
                let row: Option<(String, i64)> = tx
                    .query_row("SELECT op, offset_ms FROM outbox WHERE device_seq = ?1", [r.device_seq as i64], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()?;
                let Some((op, stamped_offset)) = row else { continue };
                let op: Op = serde_json::from_str(&op)?;
                let retimed: bool = tx.query_row(
                    "SELECT COUNT(*) > 0 FROM rejections WHERE op_id = ?1 AND retimed_as IS NOT NULL",
                    [op.op_id.to_string()],
                    |row| row.get(0),
                )?;
                if retimed {
                    continue; // The refusal was heard before (a lost answer); its copy is queued.
                }
                tx.execute(
                    "INSERT OR REPLACE INTO rejections (op_id, device_seq, error, message, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![op.op_id.to_string(), r.device_seq as i64, r.error, r.message, now_ms],
                )?;
                if r.error == CLOCK_AHEAD {
                    if let Some(copy) = corrected(&op, stamped_offset, offset, server_ms) {
                        replace(tx, &op, copy)?;
                        copies += 1;
                        continue;
                    }
                }
                // What the server refused no longer counts here either.
                match op.payload {
                    Payload::Concern(_) => refold_concern(tx, op.record_id.into())?,
                    Payload::Visit(_) => {
                        tx.execute("DELETE FROM visits WHERE id = ?1", [op.record_id.to_string()])?;
                    }
                    _ => {}
                }
            }
            Ok(copies)
        })
    }

    /// After a `sequence_gap` answer: the server holds exactly the ops before `expected`.
    pub fn reset_acks_from(&self, expected: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE outbox SET acked = (device_seq < ?1)", [expected as i64])?;
            Ok(())
        })
    }
}
