//! The sync service: push (check, merge, log, quarantine), pull (scoped pages of the log) and
//! the server's own ops for office actions. Everything here runs inside one store transaction,
//! through one [`WorkingSet`]: read set-wise, checked and merged in memory, written together.

pub mod apply;
mod batch;
mod push;
pub mod working_set;

use minqing_shared::ids::{ConcernId, DeviceId, HouseholdId};
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::{
    Change, HlcClock, MAX_HISTORY_PAGE, MAX_PAGE_BYTES, MAX_PULL_LIMIT, Op, SCHEMA_VERSION,
};
use uuid::Uuid;

pub use apply::{Author, apply};
pub use batch::Batch;
pub use minqing_shared::permit::Refusal;
pub use push::{PushOutcome, push};
pub use working_set::WorkingSet;

use crate::store::{DeviceAuth, Scope, StoreResult, Tx};

/// The scope of a token's account: never sent by the client.
pub fn scope_of(auth: &DeviceAuth) -> Scope {
    Scope::of(auth.role, auth.cadre_id, auth.unit_id, auth.county_id)
}

/// One page of changes after `cursor` for `device` (its own ops left out: it has them);
/// `has_more` says whether another page waits.
pub fn pull(
    tx: &mut Tx<'_>,
    scope: Scope,
    cursor: u64,
    limit: u32,
    device: DeviceId,
) -> StoreResult<(Vec<Change>, u64, bool)> {
    let limit = limit.clamp(1, MAX_PULL_LIMIT);
    let mut changes = tx.changes_since(scope, cursor, limit + 1, Some(device))?;
    let has_more = within_page_bytes(&mut changes, limit as usize);
    let next = changes.last().map_or(cursor, |c| c.server_seq);
    Ok((changes, next, has_more))
}

/// One page of a household's history: its changes after `after` up to `through`, at most
/// [`MAX_HISTORY_PAGE`] and [`MAX_PAGE_BYTES`]; whether more follow.
pub fn history_page(
    tx: &mut Tx<'_>,
    household: HouseholdId,
    after: u64,
    through: u64,
) -> StoreResult<(Vec<Change>, bool)> {
    let mut changes = tx.household_history(household, after, through, MAX_HISTORY_PAGE + 1)?;
    let more = within_page_bytes(&mut changes, MAX_HISTORY_PAGE as usize);
    Ok((changes, more))
}

/// Cuts `changes` (read one past the page) to at most `limit` changes and
/// [`MAX_PAGE_BYTES`] of JSON, at least one; whether any were cut (more follow).
pub fn within_page_bytes(changes: &mut Vec<Change>, limit: usize) -> bool {
    let mut bytes = 0;
    let mut keep = 0;
    for change in changes.iter().take(limit) {
        bytes += serde_json::to_vec(change).map_or(MAX_PAGE_BYTES, |v| v.len());
        if keep > 0 && bytes > MAX_PAGE_BYTES {
            break;
        }
        keep += 1;
    }
    let more = changes.len() > keep;
    changes.truncate(keep);
    more
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
        tx: &mut Tx<'_>,
        author: &Author,
        record_id: Uuid,
        payload: Payload,
        now_ms: i64,
    ) -> StoreResult<Result<(), Refusal>> {
        // The server's device row first, then the record's household: the order every writer
        // takes rows in.
        let seq = tx.high_water(self.id)? + 1;
        let mut ws = WorkingSet::prefetch(tx, author.cadre_id, author.unit_id, &[])?;
        // An office action answers what it has seen: stamp it after every step of the record,
        // however far ahead a phone's clock ran.
        let seen = match &payload {
            Payload::Concern(_) => {
                let id = ConcernId(record_id);
                if let Some(h) = tx.concern_households(&[id])?.get(&id) {
                    ws.household(tx, *h)?;
                }
                ws.concern_events(tx, id)?.iter().map(|e| e.stamp.hlc).max()
            }
            Payload::Household(_) => ws.household(tx, HouseholdId(record_id))?.map(|h| h.max_hlc()),
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
        let result = apply(tx, &mut ws, &author, &op, None, now_ms)?;
        if result.is_ok() {
            ws.flush(tx, now_ms)?;
            tx.set_high_water(self.id, seq)?;
        }
        Ok(result)
    }

    /// Lets later office actions sort after ops the server has accepted.
    pub fn observe(&self, hlc: minqing_shared::sync::Hlc) {
        self.clock.lock().unwrap_or_else(|p| p.into_inner()).observe(hlc);
    }
}
