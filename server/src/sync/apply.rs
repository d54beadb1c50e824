//! Checking one op against the server's records (scope, authorship, permissions, workflow) and
//! applying it with `shared`'s merge rules. Phones' ops and the server's own office ops pass
//! through the same function, so the history has one shape.

use minqing_shared::concern::{ConcernAction, transition};
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::{CadreId, ConcernId, DeviceId, HouseholdId, UnitId, VillageId, VisitId};
use minqing_shared::org::{Role, UnitKind};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::sync::validate::{OpError, validate_op};
use minqing_shared::sync::{MAX_CLOCK_AHEAD_MS, Op};
use minqing_shared::visit::Visit;

use crate::store::{CadreRow, DeviceAuth, LogEntry, StoreResult, Tx, UnitRow, VillageRow};

/// Who is making a change: the device and the account behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Author {
    /// The device stamping the op (a phone, or the server's own device for office actions).
    pub device_id: DeviceId,
    /// The account.
    pub cadre_id: CadreId,
    /// Its role.
    pub role: Role,
    /// Its unit.
    pub unit_id: UnitId,
    /// Its unit's kind.
    pub unit_kind: UnitKind,
}

impl From<&DeviceAuth> for Author {
    fn from(d: &DeviceAuth) -> Self {
        Self {
            device_id: d.device_id,
            cadre_id: d.cadre_id,
            role: d.role,
            unit_id: d.unit_id,
            unit_kind: d.unit_kind,
        }
    }
}

/// Why an op was not applied: a stable code and a message for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code, e.g. `out_of_scope`.
    pub code: &'static str,
    /// For a person.
    pub message: String,
}

impl Refusal {
    /// A refusal.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<OpError> for Refusal {
    fn from(e: OpError) -> Self {
        Refusal::new(e.code(), e.to_string())
    }
}

/// The outcome of one op: stored at a `server_seq`, or refused. Storage errors abort the batch.
pub type Applied = StoreResult<Result<(), Refusal>>;

fn refuse<T>(code: &'static str, message: impl Into<String>) -> StoreResult<Result<T, Refusal>> {
    Ok(Err(Refusal::new(code, message)))
}

/// Whether `author` may see and change the household `state`.
fn household_in_scope(
    tx: &mut dyn Tx,
    author: &Author,
    state: &HouseholdState,
) -> StoreResult<bool> {
    if author.role.is_county_wide() {
        return Ok(true);
    }
    let linked = state.cadre_id.value;
    if author.role.visits_households() {
        return Ok(linked == Some(author.cadre_id));
    }
    // An office: its township's villages, or households linked to its unit's cadres.
    if let Some(village) = state.village_id.value.map(|v| tx.village(v)).transpose()?.flatten() {
        if village.township_id == author.unit_id {
            return Ok(true);
        }
    }
    match linked {
        Some(c) => Ok(tx.cadre(c)?.is_some_and(|c| c.unit_id == author.unit_id)),
        None => Ok(false),
    }
}

/// Whether `author` may create a household in `village`.
fn village_in_scope(tx: &mut dyn Tx, author: &Author, village: &VillageRow) -> StoreResult<bool> {
    if author.role.is_county_wide() {
        return Ok(true);
    }
    if author.role.visits_households() {
        return Ok(tx.cadre(author.cadre_id)?.is_some_and(|c| c.villages.contains(&village.id)));
    }
    Ok(village.township_id == author.unit_id || author.unit_kind == UnitKind::CountyDepartment)
}

/// Checks `op` from `author` and, if it may be applied, merges it and appends it to the log.
pub fn check_and_apply(tx: &mut dyn Tx, author: &Author, op: &Op, now_ms: i64) -> Applied {
    if let Err(e) = validate_op(op) {
        return Ok(Err(e.into()));
    }
    if op.hlc.ms() > now_ms + MAX_CLOCK_AHEAD_MS {
        return refuse("clock_ahead", "the op's clock is more than an hour ahead of the server's");
    }
    let stamp = op.stamp();
    let (household_id, unit_id) = match &op.payload {
        Payload::Unit(u) => {
            if !author.role.is_county_wide() {
                return refuse("not_allowed", "only the Organization Department edits units");
            }
            tx.put_unit(&UnitRow { id: UnitId(op.record_id), name: u.name.clone(), kind: u.kind })?;
            (None, Some(UnitId(op.record_id)))
        }
        Payload::Village(v) => {
            if !author.role.is_county_wide() {
                return refuse("not_allowed", "only the Organization Department edits villages");
            }
            if tx.unit(v.township_id)?.is_none() {
                return refuse("unknown_unit", "the village's township does not exist");
            }
            tx.put_village(&VillageRow {
                id: VillageId(op.record_id),
                name: v.name.clone(),
                township_id: v.township_id,
                population: v.population,
                standing: v.standing,
            })?;
            (None, Some(v.township_id))
        }
        Payload::Cadre(c) => {
            if !author.role.is_county_wide() {
                return refuse("not_allowed", "only the Organization Department edits cadres");
            }
            if tx.unit(c.unit_id)?.is_none() {
                return refuse("unknown_unit", "the cadre's unit does not exist");
            }
            let Some(existing) = tx.cadre(CadreId(op.record_id))? else {
                return refuse("unknown_cadre", "create accounts with the administration commands");
            };
            tx.put_cadre(
                &CadreRow {
                    name: c.name.clone(),
                    unit_id: c.unit_id,
                    role: c.role,
                    phone: c.phone.clone(),
                    title: c.title.clone(),
                    villages: c.villages.clone(),
                    ..existing
                },
                None,
            )?;
            (None, Some(c.unit_id))
        }
        Payload::MonthlyReport(r) => {
            let allowed = author.role.is_county_wide()
                || (author.role == Role::Office && author.unit_id == r.unit_id);
            if !allowed {
                return refuse("not_allowed", "only the unit's office files its monthly report");
            }
            (None, Some(r.unit_id))
        }
        Payload::Household(patch) => {
            match apply_household(tx, author, HouseholdId(op.record_id), patch, stamp)? {
                Ok(()) => (Some(HouseholdId(op.record_id)), None),
                Err(r) => return Ok(Err(r)),
            }
        }
        Payload::Visit(body) => {
            let visit = Visit {
                id: VisitId(op.record_id),
                household_id: body.household_id,
                cadre_id: body.cadre_id,
                visited_at: body.visited_at,
                mode: body.mode,
                topics: body.topics.clone(),
                policies: body.policies.clone(),
                summary: body.summary.clone(),
                gps: body.gps,
            };
            if !author.role.visits_households() {
                return refuse("not_allowed", "visits are recorded by the linked cadre");
            }
            if visit.cadre_id != author.cadre_id {
                return refuse("forged_author", "a visit is recorded by the cadre who made it");
            }
            if visit.visited_at.timestamp_millis() > now_ms + MAX_CLOCK_AHEAD_MS {
                return refuse("clock_ahead", "the visit's time is in the future");
            }
            if let Err(r) = household_for(tx, author, visit.household_id)? {
                return Ok(Err(r));
            }
            if tx.visit_exists(visit.id)? {
                return refuse("duplicate_record", "a visit with this id already exists");
            }
            tx.insert_visit(&visit)?;
            (Some(visit.household_id), None)
        }
        Payload::VisitAmendment(a) => {
            let Some((household, cadre)) = tx.visit_owner(a.visit_id)? else {
                return refuse("unknown_visit", "the visit corrected does not exist");
            };
            if cadre != author.cadre_id || a.cadre_id != author.cadre_id {
                return refuse("forged_author", "only the cadre who made a visit corrects it");
            }
            (Some(household), None)
        }
        Payload::Concern(step) => {
            if step.actor != author.cadre_id {
                return refuse("forged_author", "a concern's step is taken by its author");
            }
            let id = ConcernId(op.record_id);
            let mut events = tx.concern_events(id)?;
            // The stored state is the fold of the events: derive it rather than read it again.
            let current = (!events.is_empty()).then(|| ConcernState::fold(id, &events));
            let household = match (&step.action, &current) {
                (ConcernAction::Raise { household_id, .. }, None) => *household_id,
                (ConcernAction::Raise { .. }, Some(_)) => {
                    return refuse("illegal_transition", "the concern was already raised");
                }
                (_, Some(state)) => match state.household_id {
                    Some(h) => h,
                    None => return refuse("unknown_concern", "the concern has not been raised"),
                },
                (_, None) => return refuse("unknown_concern", "the concern does not exist"),
            };
            if let Err(r) = household_for(tx, author, household)? {
                return Ok(Err(r));
            }
            let office_only = matches!(step.action, ConcernAction::Assign { .. });
            let ledger_only = matches!(
                step.action,
                ConcernAction::PutOnLedger { .. } | ConcernAction::Supervise { .. }
            );
            if office_only && !author.role.is_office() {
                return refuse(
                    "not_allowed",
                    "decisions are recorded by the office after the joint meeting",
                );
            }
            if ledger_only && !author.role.is_county_wide() {
                return refuse(
                    "not_allowed",
                    "the supervision ledger is kept by the Organization Department",
                );
            }
            let (status, on_ledger) =
                current.as_ref().map_or((None, false), |s| (s.status, s.on_ledger()));
            if let Err(e) = transition(status, on_ledger, &step.action) {
                return refuse("illegal_transition", e.to_string());
            }
            let event = ConcernEvent { op_id: op.op_id, stamp, step: step.clone() };
            tx.insert_concern_event(id, &event)?;
            events.push(event);
            tx.put_concern(&ConcernState::fold(id, &events))?;
            (Some(household), None)
        }
    };
    tx.append_op(&LogEntry { op, household_id, unit_id }, now_ms)?;
    Ok(Ok(()))
}

/// The household `id`, if it exists and `author` may act on it.
fn household_for(
    tx: &mut dyn Tx,
    author: &Author,
    id: HouseholdId,
) -> StoreResult<Result<HouseholdState, Refusal>> {
    let Some(state) = tx.household(id)?.filter(|s| s.village_id.value.is_some()) else {
        return refuse("unknown_household", "the household does not exist");
    };
    if !household_in_scope(tx, author, &state)? {
        return refuse("out_of_scope", "the household is not one of yours");
    }
    Ok(Ok(state))
}

fn apply_household(
    tx: &mut dyn Tx,
    author: &Author,
    id: HouseholdId,
    patch: &HouseholdPatch,
    stamp: minqing_shared::sync::Stamp,
) -> StoreResult<Result<(), Refusal>> {
    let field = author.role.visits_households();
    if field && patch.status == Some(HouseholdStatus::Filed) {
        return refuse("not_allowed", "households are filed 备案 by the office");
    }
    if let Some(Some(target)) = patch.cadre_id {
        if field && target != author.cadre_id {
            return refuse("not_allowed", "a cadre links households to themself only");
        }
        if tx.cadre(target)?.is_none() {
            return refuse("unknown_cadre", "the linked cadre does not exist");
        }
    }
    if let Some(v) = patch.village_id {
        let Some(village) = tx.village(v)? else {
            return refuse("unknown_village", "the village does not exist");
        };
        if !village_in_scope(tx, author, &village)? {
            return refuse("out_of_scope", "the village is not one of yours");
        }
    }
    let mut state = match tx.household(id)? {
        Some(state) => {
            if !household_in_scope(tx, author, &state)? {
                return refuse("out_of_scope", "the household is not one of yours");
            }
            state
        }
        None => {
            if patch.village_id.is_none() || patch.head_name.is_none() {
                return refuse(
                    "missing_field",
                    "a new household needs its village and head of household",
                );
            }
            if field && patch.cadre_id != Some(Some(author.cadre_id)) {
                return refuse("not_allowed", "a cadre's new household is linked to that cadre");
            }
            HouseholdState::new(id)
        }
    };
    state.apply(stamp, patch);
    tx.put_household(&state)?;
    Ok(Ok(()))
}
