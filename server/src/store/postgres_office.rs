//! The PostgreSQL side of the office pages' queries (see [`super::office`]), the same as
//! `sqlite_office.rs` in PostgreSQL's dialect. `postgres.rs` delegates here.

use super::postgres_conn::CachedTx;
use minqing_shared::ids::HouseholdId;
use minqing_shared::org::{Standing, UnitKind};
use minqing_shared::sync::merge::{ConcernState, HouseholdState};
use minqing_shared::sync::op::RecordType;
use minqing_shared::sync::{Change, Op};
use minqing_shared::visit::{Visit, VisitMode};

use super::office::{AssignmentOverride, EvaluationNote, NoteKind, OfficeSession, VisitFact};
use super::postgres::{CADRE_COLUMNS, cadre_row};
use super::{CadreRow, StoreResult, UnitRow, VillageRow};
use super::{code, parse};

type Tx<'a, 'b> = &'a mut CachedTx<'b>;

pub(super) fn all_units(t: Tx<'_, '_>) -> StoreResult<Vec<UnitRow>> {
    let rows = t.query("SELECT id, name, kind FROM units ORDER BY name", &[])?;
    rows.iter()
        .map(|r| {
            Ok(UnitRow {
                id: parse(r.get::<_, &str>(0))?,
                name: r.get(1),
                kind: code(r.get(2), UnitKind::from_code)?,
            })
        })
        .collect()
}

pub(super) fn all_villages(t: Tx<'_, '_>) -> StoreResult<Vec<VillageRow>> {
    let rows = t.query(
        "SELECT id, name, township_id, population, standing FROM villages ORDER BY name",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(VillageRow {
                id: parse(r.get::<_, &str>(0))?,
                name: r.get(1),
                township_id: parse(r.get::<_, &str>(2))?,
                population: r.get::<_, i64>(3) as u32,
                standing: code(r.get(4), Standing::from_code)?,
            })
        })
        .collect()
}

pub(super) fn all_cadres(t: Tx<'_, '_>) -> StoreResult<Vec<CadreRow>> {
    let rows = t.query(&format!("SELECT {CADRE_COLUMNS} FROM cadres ORDER BY name"), &[])?;
    rows.iter().map(cadre_row).collect()
}

pub(super) fn all_households(t: Tx<'_, '_>) -> StoreResult<Vec<HouseholdState>> {
    let rows = t.query("SELECT state FROM households", &[])?;
    rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect()
}

pub(super) fn all_concerns(t: Tx<'_, '_>) -> StoreResult<Vec<ConcernState>> {
    let rows = t.query("SELECT state FROM concerns", &[])?;
    rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect()
}

pub(super) fn visit_facts(t: Tx<'_, '_>, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
    let rows = t.query(
        "SELECT household_id, cadre_id, visited_ms, mode FROM visits
         WHERE visited_ms >= $1 AND visited_ms < $2",
        &[&from_ms, &to_ms],
    )?;
    rows.iter()
        .map(|r| {
            Ok(VisitFact {
                household_id: parse(r.get::<_, &str>(0))?,
                cadre_id: parse(r.get::<_, &str>(1))?,
                visited_ms: r.get(2),
                in_person: r.get::<_, &str>(3) == VisitMode::InPerson.code(),
            })
        })
        .collect()
}

pub(super) fn last_in_person_visits(t: Tx<'_, '_>) -> StoreResult<Vec<(HouseholdId, i64)>> {
    let rows = t.query(
        "SELECT household_id, MAX(visited_ms) FROM visits WHERE mode = $1 GROUP BY household_id",
        &[&VisitMode::InPerson.code()],
    )?;
    rows.iter().map(|r| Ok((parse(r.get::<_, &str>(0))?, r.get::<_, i64>(1)))).collect()
}

pub(super) fn household_visits(t: Tx<'_, '_>, id: HouseholdId) -> StoreResult<Vec<Visit>> {
    let rows = t.query(
        "SELECT body FROM visits WHERE household_id = $1 ORDER BY visited_ms DESC",
        &[&id.to_string()],
    )?;
    rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect()
}

pub(super) fn ops_of_type(t: Tx<'_, '_>, record_type: RecordType) -> StoreResult<Vec<Change>> {
    let rows = t.query(
        "SELECT server_seq, body FROM ops WHERE record_type = $1 ORDER BY server_seq NULLS LAST, id",
        &[&record_type.code()],
    )?;
    rows.iter()
        .map(|r| {
            let op: Op = serde_json::from_str(r.get(1))?;
            // Ops this very transaction appended are numbered only at its commit: they come last.
            let seq = r.get::<_, Option<i64>>(0).map_or(u64::MAX, |s| s as u64);
            Ok(Change { server_seq: seq, op })
        })
        .collect()
}

pub(super) fn insert_office_session(t: Tx<'_, '_>, s: &OfficeSession) -> StoreResult<()> {
    t.execute(
        "INSERT INTO office_sessions (id_hash, cadre_id, csrf, created_ms, last_ms)
         VALUES ($1, $2, $3, $4, $5)",
        &[&s.id_hash, &s.cadre_id.to_string(), &s.csrf, &s.created_ms, &s.last_ms],
    )?;
    Ok(())
}

pub(super) fn office_session(t: Tx<'_, '_>, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
    let row = t.query_opt(
        "SELECT cadre_id, csrf, created_ms, last_ms FROM office_sessions WHERE id_hash = $1",
        &[&id_hash],
    )?;
    row.map(|r| {
        Ok(OfficeSession {
            id_hash: id_hash.to_owned(),
            cadre_id: parse(r.get::<_, &str>(0))?,
            csrf: r.get(1),
            created_ms: r.get(2),
            last_ms: r.get(3),
        })
    })
    .transpose()
}

pub(super) fn touch_office_session(t: Tx<'_, '_>, id_hash: &str, now_ms: i64) -> StoreResult<()> {
    t.execute("UPDATE office_sessions SET last_ms = $2 WHERE id_hash = $1", &[&id_hash, &now_ms])?;
    Ok(())
}

pub(super) fn delete_office_session(
    t: Tx<'_, '_>,
    id_hash: &str,
    idle_before_ms: i64,
) -> StoreResult<()> {
    t.execute(
        "DELETE FROM office_sessions WHERE id_hash = $1 OR last_ms < $2",
        &[&id_hash, &idle_before_ms],
    )?;
    Ok(())
}

pub(super) fn insert_evaluation_note(t: Tx<'_, '_>, n: &EvaluationNote) -> StoreResult<()> {
    t.execute(
        "INSERT INTO evaluation_notes (id, period, unit_id, cadre_id, kind, text, author, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &n.id.to_string(),
            &n.period,
            &n.unit_id.to_string(),
            &n.cadre_id.map(|c| c.to_string()),
            &n.kind.code(),
            &n.text,
            &n.author.to_string(),
            &n.created_ms,
        ],
    )?;
    Ok(())
}

pub(super) fn evaluation_notes(t: Tx<'_, '_>, period: &str) -> StoreResult<Vec<EvaluationNote>> {
    let rows = t.query(
        "SELECT id, unit_id, cadre_id, kind, text, author, created_ms FROM evaluation_notes
         WHERE period = $1 ORDER BY created_ms, id",
        &[&period],
    )?;
    rows.iter()
        .map(|r| {
            Ok(EvaluationNote {
                id: parse(r.get::<_, &str>(0))?,
                period: period.to_owned(),
                unit_id: parse(r.get::<_, &str>(1))?,
                cadre_id: r.get::<_, Option<&str>>(2).map(parse).transpose()?,
                kind: code(r.get(3), NoteKind::from_code)?,
                text: r.get(4),
                author: parse(r.get::<_, &str>(5))?,
                created_ms: r.get(6),
            })
        })
        .collect()
}

pub(super) fn assignment_overrides(t: Tx<'_, '_>) -> StoreResult<Vec<AssignmentOverride>> {
    let rows = t.query(
        "SELECT code, subject, reason, author, created_ms FROM assignment_overrides ORDER BY created_ms",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(AssignmentOverride {
                code: r.get(0),
                subject: parse(r.get::<_, &str>(1))?,
                reason: r.get(2),
                author: parse(r.get::<_, &str>(3))?,
                created_ms: r.get(4),
            })
        })
        .collect()
}

pub(super) fn put_assignment_override(t: Tx<'_, '_>, o: &AssignmentOverride) -> StoreResult<()> {
    t.execute(
        "INSERT INTO assignment_overrides (code, subject, reason, author, created_ms)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code, subject) DO UPDATE SET reason = $3, author = $4, created_ms = $5",
        &[&o.code, &o.subject.to_string(), &o.reason, &o.author.to_string(), &o.created_ms],
    )?;
    Ok(())
}
