//! A phone's push: its ops in order, each acknowledged once. Re-sent ops are acknowledged and
//! skipped, refused ones kept aside with their reason (never blocking the ops after them), the
//! rest checked and merged through one working set and written together.

use minqing_shared::ids::OpId;
use minqing_shared::permit::Refusal;
use minqing_shared::sync::{Hlc, Op, PushResponse, Rejection};
use serde_json::value::RawValue;

use super::apply::{Author, apply};
use super::batch::{Batch, Incoming};
use super::working_set::WorkingSet;
use crate::error::ApiError;
use crate::store::{AuditAction, AuditEntry, DeviceAuth, QuarantineEntry, Tx};

/// What one push did, for the response and the metrics.
#[derive(Debug, Default)]
pub struct PushOutcome {
    /// The response body (without `server_time`).
    pub response: PushResponse,
    /// Ops stored.
    pub accepted: u64,
    /// Ops already stored before (re-sent).
    pub duplicates: u64,
    /// The highest clock value among accepted ops.
    pub max_hlc: Option<Hlc>,
}

/// One op of the batch that continues the device's sequence.
struct Fresh<'a> {
    seq: u64,
    incoming: &'a Incoming,
}

/// Stores a batch of ops from `auth`'s device, in order. A batch that does not continue from the
/// device's high-water mark gets `sequence_gap`.
pub fn push(
    tx: &mut Tx<'_>,
    auth: &DeviceAuth,
    batch: &Batch,
    now_ms: i64,
    app_version: Option<&str>,
) -> Result<PushOutcome, ApiError> {
    let author = Author::from(auth);
    let device = auth.device_id;
    // Locks the device's row: two copies of one push run one after the other.
    let start = tx.high_water(device)?;
    let mut out = PushOutcome::default();

    // Sort the batch: re-sent (at or below the mark), fresh (continuing it), or beyond a gap.
    let mut fresh: Vec<Fresh<'_>> = Vec::new();
    let mut resent: Vec<u64> = Vec::new();
    let mut high = start;
    let mut prev_seq: Option<u64> = None;
    for incoming in &batch.ops {
        // An unreadable seq is taken to follow the previous op's, so a broken op is still
        // acknowledged in its place and never blocks the ops after it.
        let seq = incoming.seq.unwrap_or_else(|| prev_seq.map_or(high + 1, |p| p + 1));
        prev_seq = Some(seq);
        if seq <= start {
            resent.push(seq);
            continue;
        }
        if seq != high + 1 {
            if high == start {
                return Err(ApiError::sequence_gap(high + 1));
            }
            break; // The client resends from the new high-water mark.
        }
        fresh.push(Fresh { seq, incoming });
        high = seq;
    }

    // Sent again (the answer was lost): acknowledge them again, with their refusals, so the
    // phone learns of them whichever answer reaches it.
    out.duplicates += resent.len() as u64;
    if let (Some(&from), Some(&to)) = (resent.iter().min(), resent.iter().max()) {
        for (seq, q) in tx.quarantined_between(device, from, to)? {
            if resent.contains(&seq) {
                out.response.rejected.push(Rejection {
                    device_seq: seq,
                    op_id: q.op_id,
                    error: q.error,
                    message: q.message,
                });
            }
        }
    }

    let readable: Vec<&Op> =
        fresh.iter().filter_map(|f| f.incoming.op.as_ref().ok().map(|(op, _)| op)).collect();
    let mut ws = WorkingSet::prefetch(tx, author.cadre_id, author.unit_id, &readable)?;
    let mut refused: Vec<(u64, Refusal, &RawValue, Option<OpId>)> = Vec::new();
    for Fresh { seq, incoming } in &fresh {
        let (op, body) = match &incoming.op {
            Err(r) => {
                refused.push((*seq, r.clone(), &incoming.raw, incoming.op_id));
                continue;
            }
            Ok((op, body)) => (op, body),
        };
        if ws.is_logged(tx, op.op_id)? {
            out.duplicates += 1;
            continue;
        }
        match apply(tx, &mut ws, &author, op, Some(body), now_ms)? {
            Ok(()) => {
                out.accepted += 1;
                out.max_hlc = out.max_hlc.max(Some(op.hlc));
                ws.audit(AuditEntry {
                    at_ms: now_ms,
                    cadre_id: Some(auth.cadre_id),
                    device_id: Some(device),
                    address: None,
                    action: AuditAction::Change,
                    record_type: op.record_type().code().to_owned(),
                    record_id: Some(op.record_id.to_string()),
                    count: 1,
                });
            }
            Err(r) => refused.push((*seq, r, &incoming.raw, Some(op.op_id))),
        }
    }
    ws.flush(tx, now_ms)?;
    if out.duplicates > 0 {
        tx.number_stored_ops();
    }

    let kept: Vec<QuarantineEntry<'_>> = refused
        .iter()
        .map(|(seq, r, raw, op_id)| QuarantineEntry {
            device_id: device,
            device_seq: *seq,
            op_id: *op_id,
            raw: raw.get(),
            error: r.code,
            message: &r.message,
        })
        .collect();
    tx.quarantine(&kept, now_ms)?;
    for (seq, r, _, op_id) in refused {
        out.response.rejected.push(Rejection {
            device_seq: seq,
            op_id,
            error: r.code.to_owned(),
            message: r.message,
        });
    }
    out.response.rejected.sort_by_key(|r| r.device_seq);
    tx.device_synced(device, high, now_ms, app_version)?;
    out.response.acked_through = high;
    Ok(out)
}
