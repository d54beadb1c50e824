//! The SQLite side of the office pages' queries (see [`super::office`]): bulk reads of the
//! merged state, visit facts, sessions and evaluation notes. `sqlite.rs` delegates here.

use minqing_shared::ids::HouseholdId;
use minqing_shared::org::{Standing, UnitKind};
use minqing_shared::sync::merge::{ConcernState, HouseholdState};
use minqing_shared::sync::op::RecordType;
use minqing_shared::sync::{Change, Op};
use minqing_shared::visit::{Visit, VisitMode};
use rusqlite::{Connection, OptionalExtension, params};

use super::office::{AssignmentOverride, EvaluationNote, NoteKind, OfficeSession, VisitFact};
use super::sqlite::{CADRE_COLUMNS, cadre_from_row, cadre_row};
use super::{CadreRow, StoreResult, UnitRow, VillageRow};
use super::{code, parse};

pub(super) fn all_units(c: &Connection) -> StoreResult<Vec<UnitRow>> {
    let mut stmt = c.prepare_cached("SELECT id, name, kind FROM units ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?;
    rows.map(|r| {
        let (id, name, kind) = r?;
        Ok(UnitRow { id: parse(&id)?, name, kind: code(&kind, UnitKind::from_code)? })
    })
    .collect()
}

pub(super) fn all_villages(c: &Connection) -> StoreResult<Vec<VillageRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, name, township_id, population, standing FROM villages ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (id, name, township, population, standing) = r?;
        Ok(VillageRow {
            id: parse(&id)?,
            name,
            township_id: parse(&township)?,
            population: population as u32,
            standing: code(&standing, Standing::from_code)?,
        })
    })
    .collect()
}

pub(super) fn all_cadres(c: &Connection) -> StoreResult<Vec<CadreRow>> {
    let mut stmt =
        c.prepare_cached(&format!("SELECT {CADRE_COLUMNS} FROM cadres ORDER BY name"))?;
    let rows = stmt.query_map([], cadre_from_row)?;
    rows.map(|r| cadre_row(r?)).collect()
}

pub(super) fn all_households(c: &Connection) -> StoreResult<Vec<HouseholdState>> {
    let mut stmt = c.prepare_cached("SELECT state FROM households")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

pub(super) fn all_concerns(c: &Connection) -> StoreResult<Vec<ConcernState>> {
    let mut stmt = c.prepare_cached("SELECT state FROM concerns")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

pub(super) fn visit_facts(c: &Connection, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
    let mut stmt = c.prepare_cached(
        "SELECT household_id, cadre_id, visited_ms, mode FROM visits
         WHERE visited_ms >= ?1 AND visited_ms < ?2",
    )?;
    let rows = stmt.query_map(params![from_ms, to_ms], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    rows.map(|r| {
        let (household, cadre, visited_ms, mode) = r?;
        Ok(VisitFact {
            household_id: parse(&household)?,
            cadre_id: parse(&cadre)?,
            visited_ms,
            in_person: mode == VisitMode::InPerson.code(),
        })
    })
    .collect()
}

pub(super) fn last_in_person_visits(c: &Connection) -> StoreResult<Vec<(HouseholdId, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT household_id, MAX(visited_ms) FROM visits WHERE mode = ?1 GROUP BY household_id",
    )?;
    let rows = stmt.query_map(params![VisitMode::InPerson.code()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    rows.map(|r| {
        let (h, ms) = r?;
        Ok((parse(&h)?, ms))
    })
    .collect()
}

pub(super) fn household_visits(c: &Connection, id: HouseholdId) -> StoreResult<Vec<Visit>> {
    let mut stmt = c.prepare_cached(
        "SELECT body FROM visits WHERE household_id = ?1 ORDER BY visited_ms DESC",
    )?;
    let rows = stmt.query_map(params![id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

pub(super) fn ops_of_type(c: &Connection, record_type: RecordType) -> StoreResult<Vec<Change>> {
    let mut stmt = c.prepare_cached(
        "SELECT server_seq, body FROM ops WHERE record_type = ?1 ORDER BY server_seq",
    )?;
    let rows = stmt.query_map(params![record_type.code()], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|r| {
        let (seq, body) = r?;
        Ok(Change { server_seq: seq as u64, op: serde_json::from_str::<Op>(&body)? })
    })
    .collect()
}

pub(super) fn insert_office_session(c: &Connection, s: &OfficeSession) -> StoreResult<()> {
    c.execute(
        "INSERT INTO office_sessions (id_hash, cadre_id, csrf, created_ms, last_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id_hash, s.cadre_id.to_string(), s.csrf, s.created_ms, s.last_ms],
    )?;
    Ok(())
}

pub(super) fn office_session(c: &Connection, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
    let row = c
        .query_row(
            "SELECT cadre_id, csrf, created_ms, last_ms FROM office_sessions WHERE id_hash = ?1",
            params![id_hash],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()?;
    row.map(|(cadre, csrf, created_ms, last_ms)| {
        Ok(OfficeSession {
            id_hash: id_hash.to_owned(),
            cadre_id: parse(&cadre)?,
            csrf,
            created_ms,
            last_ms,
        })
    })
    .transpose()
}

pub(super) fn touch_office_session(c: &Connection, id_hash: &str, now_ms: i64) -> StoreResult<()> {
    c.execute(
        "UPDATE office_sessions SET last_ms = ?2 WHERE id_hash = ?1",
        params![id_hash, now_ms],
    )?;
    Ok(())
}

pub(super) fn delete_office_session(
    c: &Connection,
    id_hash: &str,
    idle_before_ms: i64,
) -> StoreResult<()> {
    c.execute(
        "DELETE FROM office_sessions WHERE id_hash = ?1 OR last_ms < ?2",
        params![id_hash, idle_before_ms],
    )?;
    Ok(())
}

pub(super) fn insert_evaluation_note(c: &Connection, n: &EvaluationNote) -> StoreResult<()> {
    c.execute(
        "INSERT INTO evaluation_notes (id, period, unit_id, cadre_id, kind, text, author, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            n.id.to_string(),
            n.period,
            n.unit_id.to_string(),
            n.cadre_id.map(|c| c.to_string()),
            n.kind.code(),
            n.text,
            n.author.to_string(),
            n.created_ms,
        ],
    )?;
    Ok(())
}

pub(super) fn evaluation_notes(c: &Connection, period: &str) -> StoreResult<Vec<EvaluationNote>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, unit_id, cadre_id, kind, text, author, created_ms FROM evaluation_notes
         WHERE period = ?1 ORDER BY created_ms, id",
    )?;
    let rows = stmt.query_map(params![period], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    rows.map(|r| {
        let (id, unit, cadre, kind, text, author, created_ms) = r?;
        Ok(EvaluationNote {
            id: parse(&id)?,
            period: period.to_owned(),
            unit_id: parse(&unit)?,
            cadre_id: cadre.as_deref().map(parse).transpose()?,
            kind: code(&kind, NoteKind::from_code)?,
            text,
            author: parse(&author)?,
            created_ms,
        })
    })
    .collect()
}

pub(super) fn assignment_overrides(c: &Connection) -> StoreResult<Vec<AssignmentOverride>> {
    let mut stmt = c.prepare_cached(
        "SELECT code, subject, reason, author, created_ms FROM assignment_overrides ORDER BY created_ms",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (code, subject, reason, author, created_ms) = r?;
        Ok(AssignmentOverride {
            code,
            subject: parse(&subject)?,
            reason,
            author: parse(&author)?,
            created_ms,
        })
    })
    .collect()
}

pub(super) fn put_assignment_override(c: &Connection, o: &AssignmentOverride) -> StoreResult<()> {
    c.execute(
        "INSERT INTO assignment_overrides (code, subject, reason, author, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (code, subject) DO UPDATE SET reason = ?3, author = ?4, created_ms = ?5",
        params![o.code, o.subject.to_string(), o.reason, o.author.to_string(), o.created_ms],
    )?;
    Ok(())
}
