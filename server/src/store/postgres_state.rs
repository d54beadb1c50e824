//! The merged state on PostgreSQL: households (with their per-field stamps), visits, concern
//! events and folded concerns. `postgres.rs` delegates here.

use super::postgres_conn::CachedTx;
use minqing_shared::ids::{CadreId, ConcernId, HouseholdId, VisitId};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::visit::Visit;

use super::{StoreResult, parse};

/// A household's merged state; with `lock`, its row stays locked until commit (a write that
/// may change it: see `postgres.rs`).
pub(super) fn household(
    c: &mut CachedTx<'_>,
    id: HouseholdId,
    lock: bool,
) -> StoreResult<Option<HouseholdState>> {
    let sql = if lock {
        "SELECT state FROM households WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT state FROM households WHERE id = $1"
    };
    c.query_opt(sql, &[&id.to_string()])?.map(|r| Ok(serde_json::from_str(r.get(0))?)).transpose()
}

pub(super) fn put_household(c: &mut CachedTx<'_>, s: &HouseholdState) -> StoreResult<()> {
    c.execute(
        "INSERT INTO households (id, village_id, cadre_id, head_name, status, deleted, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET village_id = $2, cadre_id = $3, head_name = $4,
           status = $5, deleted = $6, state = $7",
        &[
            &s.id.to_string(),
            &s.village_id.value.map(|v| v.to_string()),
            &s.cadre_id.value.map(|c| c.to_string()),
            &s.head_name.value,
            &s.status.value.code(),
            &s.deleted.value,
            &serde_json::to_string(s)?,
        ],
    )?;
    Ok(())
}

pub(super) fn visit_exists(c: &mut CachedTx<'_>, id: VisitId) -> StoreResult<bool> {
    Ok(c.query_opt("SELECT 1 FROM visits WHERE id = $1", &[&id.to_string()])?.is_some())
}

pub(super) fn insert_visit(c: &mut CachedTx<'_>, v: &Visit) -> StoreResult<()> {
    c.execute(
        "INSERT INTO visits (id, household_id, cadre_id, visited_ms, mode, body) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &v.id.to_string(),
            &v.household_id.to_string(),
            &v.cadre_id.to_string(),
            &v.visited_at.timestamp_millis(),
            &v.mode.code(),
            &serde_json::to_string(v)?,
        ],
    )?;
    Ok(())
}

pub(super) fn visit_owner(
    c: &mut CachedTx<'_>,
    id: VisitId,
) -> StoreResult<Option<(HouseholdId, CadreId)>> {
    c.query_opt("SELECT household_id, cadre_id FROM visits WHERE id = $1", &[&id.to_string()])?
        .map(|r| Ok((parse(r.get::<_, &str>(0))?, parse(r.get::<_, &str>(1))?)))
        .transpose()
}

/// A concern's event log; with `lock`, its household's row and then the concern's are locked
/// first — the order every write takes rows in (see `postgres.rs`) — so that a second writer of
/// a step waits and then reads a log that includes the first one's.
pub(super) fn concern_events(
    c: &mut CachedTx<'_>,
    id: ConcernId,
    lock: bool,
) -> StoreResult<Vec<ConcernEvent>> {
    if lock {
        let id = id.to_string();
        let household = c.query_opt("SELECT household_id FROM concerns WHERE id = $1", &[&id])?;
        if let Some(h) = household.and_then(|r| r.get::<_, Option<String>>(0)) {
            c.execute("SELECT 1 FROM households WHERE id = $1 FOR UPDATE", &[&h])?;
        }
        c.execute("SELECT 1 FROM concerns WHERE id = $1 FOR UPDATE", &[&id])?;
    }
    c.query("SELECT event FROM concern_events WHERE concern_id = $1", &[&id.to_string()])?
        .iter()
        .map(|r| Ok(serde_json::from_str(r.get(0))?))
        .collect()
}

pub(super) fn insert_concern_event(
    c: &mut CachedTx<'_>,
    concern: ConcernId,
    e: &ConcernEvent,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO concern_events (op_id, concern_id, event) VALUES ($1, $2, $3)",
        &[&e.op_id.to_string(), &concern.to_string(), &serde_json::to_string(e)?],
    )?;
    Ok(())
}

pub(super) fn concern(c: &mut CachedTx<'_>, id: ConcernId) -> StoreResult<Option<ConcernState>> {
    c.query_opt("SELECT state FROM concerns WHERE id = $1", &[&id.to_string()])?
        .map(|r| Ok(serde_json::from_str(r.get(0))?))
        .transpose()
}

pub(super) fn put_concern(c: &mut CachedTx<'_>, s: &ConcernState) -> StoreResult<()> {
    c.execute(
        "INSERT INTO concerns (id, household_id, category, status, raised_ms, deadline, on_ledger, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET household_id = $2, category = $3, status = $4,
           raised_ms = $5, deadline = $6, on_ledger = $7, state = $8",
        &[
            &s.id.to_string(),
            &s.household_id.map(|h| h.to_string()),
            &s.category.map(|c| c.code()),
            &s.status.map(|c| c.code()),
            &s.raised_at.map(|t| t.timestamp_millis()),
            &s.decision.as_ref().map(|d| d.deadline.to_string()),
            &s.on_ledger(),
            &serde_json::to_string(s)?,
        ],
    )?;
    Ok(())
}
