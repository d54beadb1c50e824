//! The merged state on SQLite: households (with their per-field stamps), visits, concern events
//! and folded concerns. `sqlite.rs` delegates here.

use minqing_shared::ids::{CadreId, ConcernId, HouseholdId, VisitId};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::visit::Visit;
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreResult, parse};

pub(super) fn household(c: &Connection, id: HouseholdId) -> StoreResult<Option<HouseholdState>> {
    let mut stmt = c.prepare_cached("SELECT state FROM households WHERE id = ?1")?;
    let state: Option<String> = stmt.query_row(params![id.to_string()], |r| r.get(0)).optional()?;
    state.map(|s| Ok(serde_json::from_str(&s)?)).transpose()
}

pub(super) fn put_household(c: &Connection, s: &HouseholdState) -> StoreResult<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO households (id, village_id, cadre_id, head_name, status, deleted, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET village_id = ?2, cadre_id = ?3, head_name = ?4,
           status = ?5, deleted = ?6, state = ?7",
    )?;
    stmt.execute(params![
        s.id.to_string(),
        s.village_id.value.map(|v| v.to_string()),
        s.cadre_id.value.map(|c| c.to_string()),
        s.head_name.value,
        s.status.value.code(),
        s.deleted.value,
        serde_json::to_string(s)?,
    ])?;
    Ok(())
}

pub(super) fn visit_exists(c: &Connection, id: VisitId) -> StoreResult<bool> {
    let mut stmt = c.prepare_cached("SELECT 1 FROM visits WHERE id = ?1")?;
    Ok(stmt.query_row(params![id.to_string()], |_| Ok(())).optional()?.is_some())
}

pub(super) fn insert_visit(c: &Connection, v: &Visit) -> StoreResult<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO visits (id, household_id, cadre_id, visited_ms, mode, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        v.id.to_string(),
        v.household_id.to_string(),
        v.cadre_id.to_string(),
        v.visited_at.timestamp_millis(),
        v.mode.code(),
        serde_json::to_string(v)?,
    ])?;
    Ok(())
}

pub(super) fn visit_owner(
    c: &Connection,
    id: VisitId,
) -> StoreResult<Option<(HouseholdId, CadreId)>> {
    let row = c
        .query_row(
            "SELECT household_id, cadre_id FROM visits WHERE id = ?1",
            params![id.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    row.map(|(h, c)| Ok((parse(&h)?, parse(&c)?))).transpose()
}

pub(super) fn concern_events(c: &Connection, id: ConcernId) -> StoreResult<Vec<ConcernEvent>> {
    let mut stmt = c.prepare_cached("SELECT event FROM concern_events WHERE concern_id = ?1")?;
    let rows = stmt.query_map(params![id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

pub(super) fn insert_concern_event(
    c: &Connection,
    concern: ConcernId,
    e: &ConcernEvent,
) -> StoreResult<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO concern_events (op_id, concern_id, event) VALUES (?1, ?2, ?3)",
    )?;
    stmt.execute(params![e.op_id.to_string(), concern.to_string(), serde_json::to_string(e)?])?;
    Ok(())
}

pub(super) fn concern(c: &Connection, id: ConcernId) -> StoreResult<Option<ConcernState>> {
    let mut stmt = c.prepare_cached("SELECT state FROM concerns WHERE id = ?1")?;
    let state: Option<String> = stmt.query_row(params![id.to_string()], |r| r.get(0)).optional()?;
    state.map(|s| Ok(serde_json::from_str(&s)?)).transpose()
}

pub(super) fn put_concern(c: &Connection, s: &ConcernState) -> StoreResult<()> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO concerns (id, household_id, category, status, raised_ms, deadline, on_ledger, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET household_id = ?2, category = ?3, status = ?4,
           raised_ms = ?5, deadline = ?6, on_ledger = ?7, state = ?8",
    )?;
    stmt.execute(params![
        s.id.to_string(),
        s.household_id.map(|h| h.to_string()),
        s.category.map(|c| c.code()),
        s.status.map(|c| c.code()),
        s.raised_at.map(|t| t.timestamp_millis()),
        s.decision.as_ref().map(|d| d.deadline.to_string()),
        s.on_ledger(),
        serde_json::to_string(s)?,
    ])?;
    Ok(())
}
