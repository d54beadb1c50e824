//! The sync service: push (check, merge, log, quarantine), pull (scoped pages of the log) and
//! the server's own ops for office actions. Everything here runs inside one store transaction.

pub mod apply;

use minqing_shared::ids::{ConcernId, DeviceId, HouseholdId};
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::{
    Change, HlcClock, MAX_PULL_LIMIT, Op, PushResponse, Rejection, SCHEMA_VERSION,
};
use serde_json::Value;
use uuid::Uuid;

pub use apply::{Author, Refusal, check_and_apply};

use crate::error::ApiError;
use crate::store::{DeviceAuth, QuarantineEntry, Scope, StoreResult, Tx};

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
    pub max_hlc: Option<minqing_shared::sync::Hlc>,
}

/// A stable code for an op that could not be read.
fn decode_error_code(e: &serde_json::Error) -> &'static str {
    if e.to_string().starts_with("unknown variant") { "unknown_value" } else { "malformed_op" }
}

/// Stores a batch of ops from `auth`'s device, in order: re-sent ones are acknowledged and
/// skipped, refused ones quarantined, the rest merged and logged. A batch that does not continue
/// from the device's high-water mark gets `sequence_gap`.
pub fn push(
    tx: &mut dyn Tx,
    auth: &DeviceAuth,
    ops: &[Value],
    now_ms: i64,
    app_version: Option<&str>,
) -> Result<PushOutcome, ApiError> {
    let author = Author::from(auth);
    let device = auth.device_id;
    let start = tx.high_water(device)?;
    let mut high = start;
    let mut out = PushOutcome::default();
    let mut prev_seq: Option<u64> = None;
    for raw in ops {
        // An unreadable seq is taken to follow the previous op's, so a broken op is still
        // acknowledged in its place and never blocks the ops after it.
        let seq = match raw.get("device_seq").and_then(Value::as_u64) {
            Some(seq) => seq,
            None => prev_seq.map_or(high + 1, |p| p + 1),
        };
        prev_seq = Some(seq);
        if seq <= high {
            // Sent again (the answer was lost): acknowledge it again, with its refusal if it
            // was refused, so the phone learns of it whichever answer reaches it.
            out.duplicates += 1;
            if let Some((op_id, error, message)) = tx.quarantined(device, seq)? {
                out.response.rejected.push(Rejection { device_seq: seq, op_id, error, message });
            }
            continue;
        }
        if seq > high + 1 {
            if high == start {
                return Err(ApiError::sequence_gap(high + 1));
            }
            break; // The client resends from the new high-water mark.
        }
        let op_id = raw.get("op_id").and_then(Value::as_str).and_then(|s| s.parse().ok());
        let result = match serde_json::from_value::<Op>(raw.clone()) {
            Err(e) => {
                Err(Refusal::new(decode_error_code(&e), format!("the op could not be read: {e}")))
            }
            Ok(op) if op.device_id != device => {
                Err(Refusal::new("wrong_device", "the op was made on another device"))
            }
            Ok(op) if tx.op_exists(op.op_id)? => {
                out.duplicates += 1;
                Ok(None)
            }
            Ok(op) => match check_and_apply(tx, &author, &op, now_ms)? {
                Ok(_) => {
                    crate::audit::record(
                        tx,
                        &crate::audit::Who {
                            cadre: Some(auth.cadre_id),
                            device: Some(device),
                            address: None,
                        },
                        crate::store::AuditAction::Change,
                        op.record_type().code(),
                        Some(op.record_id.to_string()),
                        1,
                        now_ms,
                    )?;
                    Ok(Some(op.hlc))
                }
                Err(refusal) => Err(refusal),
            },
        };
        match result {
            Ok(Some(hlc)) => {
                out.accepted += 1;
                out.max_hlc = out.max_hlc.max(Some(hlc));
            }
            Ok(None) => {}
            Err(refusal) => {
                let raw_text = raw.to_string();
                tx.quarantine(
                    &QuarantineEntry {
                        device_id: device,
                        device_seq: seq,
                        op_id,
                        raw: &raw_text,
                        error: refusal.code,
                        message: &refusal.message,
                    },
                    now_ms,
                )?;
                out.response.rejected.push(Rejection {
                    device_seq: seq,
                    op_id,
                    error: refusal.code.to_owned(),
                    message: refusal.message,
                });
            }
        }
        high = seq;
    }
    if high != start {
        tx.set_high_water(device, high)?;
    }
    tx.touch_device(device, now_ms, app_version)?;
    out.response.acked_through = high;
    Ok(out)
}

/// The scope of a token's account: never sent by the client.
pub fn scope_of(auth: &DeviceAuth) -> Scope {
    if auth.role.is_county_wide() {
        Scope::County
    } else if auth.role.is_office() {
        Scope::Unit(auth.unit_id)
    } else {
        Scope::Cadre { cadre: auth.cadre_id, unit: auth.unit_id }
    }
}

/// One page of changes after `cursor` for `device` (its own ops left out: it has them);
/// `has_more` says whether another page waits.
pub fn pull(
    tx: &mut dyn Tx,
    scope: Scope,
    cursor: u64,
    limit: u32,
    device: DeviceId,
) -> StoreResult<(Vec<Change>, u64, bool)> {
    let limit = limit.clamp(1, MAX_PULL_LIMIT);
    let mut changes = tx.changes_since(scope, cursor, limit + 1, Some(device))?;
    let has_more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    let next = changes.last().map_or(cursor, |c| c.server_seq);
    Ok((changes, next, has_more))
}

/// The server's own device, which stamps office actions.
#[derive(Debug)]
pub struct ServerDevice {
    /// Its id.
    pub id: DeviceId,
    /// Its clock.
    pub clock: std::sync::Mutex<HlcClock>,
}

impl ServerDevice {
    /// Records an office action as an op of the server's device, through the same checks and
    /// merge as a phone's op; or why the action was refused.
    pub fn act(
        &self,
        tx: &mut dyn Tx,
        author: &Author,
        record_id: Uuid,
        payload: Payload,
        now_ms: i64,
    ) -> StoreResult<Result<(), Refusal>> {
        let seq = tx.high_water(self.id)? + 1;
        // An office action answers what it has seen: stamp it after every step of the record,
        // however far ahead a phone's clock ran.
        let seen = match &payload {
            Payload::Concern(_) => {
                tx.concern_events(ConcernId(record_id))?.iter().map(|e| e.stamp.hlc).max()
            }
            Payload::Household(_) => tx.household(HouseholdId(record_id))?.map(|h| h.max_hlc()),
            _ => None,
        };
        let hlc = {
            let mut clock = self.clock.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(seen) = seen {
                clock.observe(seen);
            }
            clock.tick(now_ms)
        };
        let op = Op {
            op_id: minqing_shared::ids::OpId::new(),
            device_id: self.id,
            device_seq: seq,
            record_id,
            schema_version: SCHEMA_VERSION,
            hlc,
            payload,
        };
        let author = Author { device_id: self.id, ..*author };
        let result = check_and_apply(tx, &author, &op, now_ms)?;
        if result.is_ok() {
            tx.set_high_water(self.id, seq)?;
        }
        Ok(result)
    }

    /// Lets later office actions sort after ops the server has accepted.
    pub fn observe(&self, hlc: minqing_shared::sync::Hlc) {
        self.clock.lock().unwrap_or_else(|p| p.into_inner()).observe(hlc);
    }
}
