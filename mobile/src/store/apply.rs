//! Applying an op to the phone's records with `shared`'s merge rules — the same rules the server
//! uses, so both reach the same state. Used for the phone's own changes and for pulled ones.

use minqing_shared::ids::ConcernId;
use minqing_shared::sync::Op;
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::sync::op::{AmendmentBody, Payload};
use minqing_shared::visit::Visit;
use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use super::queries::stored_visit;

/// Merges `op` into the local records. Idempotent: applying an op twice changes nothing.
pub fn apply_op(c: &Connection, op: &Op) -> Result<()> {
    let id = op.record_id.to_string();
    match &op.payload {
        Payload::Unit(u) => {
            c.execute(
                "INSERT INTO units (id, name, kind) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, kind = ?3",
                params![id, u.name, u.kind.code()],
            )?;
        }
        Payload::Village(v) => {
            c.execute(
                "INSERT INTO villages (id, name, township_id, population, standing) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, township_id = ?3, population = ?4, standing = ?5",
                params![id, v.name, v.township_id.to_string(), v.population, v.standing.code()],
            )?;
        }
        Payload::Cadre(profile) => {
            c.execute(
                "UPDATE account SET cadre = ?2 WHERE cadre_id = ?1",
                params![id, serde_json::to_string(profile)?],
            )?;
        }
        Payload::Household(patch) => {
            let current: Option<String> = c
                .query_row("SELECT state FROM households WHERE id = ?1", [&id], |r| r.get(0))
                .optional()?;
            let mut state = match current {
                Some(s) => serde_json::from_str(&s)?,
                None => HouseholdState::new(op.record_id.into()),
            };
            if state.apply(op.stamp(), patch) {
                c.execute(
                    "INSERT INTO households (id, village_id, head_name, deleted, state) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (id) DO UPDATE SET village_id = ?2, head_name = ?3, deleted = ?4, state = ?5",
                    params![
                        id,
                        state.village_id.value.map(|v| v.to_string()),
                        state.head_name.value,
                        state.deleted.value,
                        serde_json::to_string(&state)?
                    ],
                )?;
            }
        }
        Payload::Visit(body) => {
            let visit = body.clone().into_visit(op.record_id.into());
            // Applied again (a household's history fetched anew), it comes back as its
            // amendments left it: corrected, or not at all if voided.
            let mut stmt = c.prepare_cached(
                "SELECT body FROM amendments WHERE visit_id = ?1 AND body IS NOT NULL ORDER BY rowid",
            )?;
            let amendments = stmt
                .query_map([&id], |r| r.get::<_, String>(0))?
                .map(|r| Ok(serde_json::from_str::<AmendmentBody>(&r?)?))
                .collect::<Result<Vec<_>>>()?;
            if let Some(v) = amendments.iter().try_fold(visit, |v, a| v.amended(a)) {
                put_visit(c, &v)?;
            }
        }
        Payload::VisitAmendment(a) => {
            let added = c.execute(
                "INSERT OR IGNORE INTO amendments (id, visit_id, note, body) VALUES (?1, ?2, ?3, ?4)",
                params![id, a.visit_id.to_string(), a.note, serde_json::to_string(a)?],
            )?;
            if let (1, Some(visit)) = (added, stored_visit(c, a.visit_id)?) {
                c.execute("DELETE FROM visits WHERE id = ?1", [a.visit_id.to_string()])?;
                if let Some(v) = visit.amended(a) {
                    put_visit(c, &v)?;
                }
            }
        }
        Payload::Concern(step) => {
            let event = ConcernEvent { op_id: op.op_id, stamp: op.stamp(), step: step.clone() };
            let added = c.execute(
                "INSERT OR IGNORE INTO concern_events (op_id, concern_id, event) VALUES (?1, ?2, ?3)",
                params![op.op_id.to_string(), id, serde_json::to_string(&event)?],
            )?;
            if added == 1 {
                refold_concern(c, op.record_id.into())?;
            }
        }
        // Monthly reports are the offices' business; a cadre's phone keeps none.
        Payload::MonthlyReport(_) => {}
    }
    Ok(())
}

fn put_visit(c: &Connection, visit: &Visit) -> Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO visits (id, household_id, visited_ms, mode, visit) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            visit.id.to_string(),
            visit.household_id.to_string(),
            visit.visited_at.timestamp_millis(),
            visit.mode.code(),
            serde_json::to_string(visit)?
        ],
    )?;
    Ok(())
}

/// Recomputes a concern from its events, leaving out steps the server refused.
pub(crate) fn refold_concern(c: &Connection, id: ConcernId) -> Result<()> {
    let mut stmt = c.prepare_cached(
        "SELECT e.event FROM concern_events e
         WHERE e.concern_id = ?1
           AND e.op_id NOT IN (SELECT op_id FROM rejections WHERE op_id IS NOT NULL)",
    )?;
    let events = stmt
        .query_map([id.to_string()], |r| r.get::<_, String>(0))?
        .map(|r| Ok(serde_json::from_str::<ConcernEvent>(&r?)?))
        .collect::<Result<Vec<_>>>()?;
    let state = ConcernState::fold(id, &events);
    c.execute(
        "INSERT INTO concerns (id, household_id, raised_ms, state) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET household_id = ?2, raised_ms = ?3, state = ?4",
        params![
            id.to_string(),
            state.household_id.map(|h| h.to_string()),
            state.raised_at.map(|t| t.timestamp_millis()),
            serde_json::to_string(&state)?
        ],
    )?;
    Ok(())
}
