//! What one write transaction's ops read and change, held in memory: the records are read set-wise
//! before the ops are checked (the households locked in id order), the ops are checked and merged
//! against this copy in order, and everything they changed is written at the end in a few
//! multi-row statements. A push of twenty ops is a dozen statements, not a dozen per op.
//!
//! Whatever the prefetch did not foresee is read on first use, one record at a time; the copy is
//! the truth for the rest of the transaction, so later ops see earlier ones' changes.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use minqing_shared::calendar::YearMonth;
use minqing_shared::concern::ConcernAction;
use minqing_shared::ids::{CadreId, ConcernId, HouseholdId, OpId, UnitId, VillageId, VisitId};
use minqing_shared::org::{Cadre, Unit, Village};
use minqing_shared::scope::Placement;
use minqing_shared::sync::Op;
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState, ReportState};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::Visit;

use crate::store::ReportsOf;
use crate::store::{AuditEntry, LogEntry, StoreResult, Tx};

/// One transaction's records and pending writes.
#[derive(Debug, Default)]
pub struct WorkingSet {
    /// Households read (`None`: known not to exist).
    households: BTreeMap<HouseholdId, Option<HouseholdState>>,
    changed_households: BTreeSet<HouseholdId>,
    /// Each concern's events, as read and as appended here.
    events: BTreeMap<ConcernId, Vec<ConcernEvent>>,
    new_events: Vec<(ConcernId, ConcernEvent)>,
    changed_concerns: BTreeSet<ConcernId>,
    /// Visits known to exist (`true`) or not (`false`).
    visits: BTreeMap<VisitId, bool>,
    new_visits: Vec<Visit>,
    cadres: BTreeMap<CadreId, Option<Cadre>>,
    villages: BTreeMap<VillageId, Option<Village>>,
    units: BTreeMap<UnitId, Option<Unit>>,
    /// Monthly reports read, by unit and month.
    reports: BTreeMap<UnitId, BTreeMap<YearMonth, ReportState>>,
    /// Op ids known to be in the log (read, or appended here).
    logged: BTreeSet<OpId>,
    /// Op ids looked up at prefetch: in the log exactly when in `logged`.
    looked_up: BTreeSet<OpId>,
    /// The ops appended.
    log: Vec<Logged>,
    audits: Vec<AuditEntry>,
}

/// An op appended to the log, with the columns scope is computed from.
#[derive(Debug)]
struct Logged {
    op: Op,
    /// Its body, if it came serialized (a push's; the others are serialized at flush).
    body: Option<String>,
    household: Option<HouseholdId>,
    unit: Option<UnitId>,
}

/// Every id the ops will touch, so they are read in a few statements.
#[derive(Default)]
struct Wanted {
    households: BTreeSet<HouseholdId>,
    concerns: BTreeSet<ConcernId>,
    visits: BTreeSet<VisitId>,
    ops: BTreeSet<OpId>,
    cadres: BTreeSet<CadreId>,
    villages: BTreeSet<VillageId>,
}

fn vec<T: Clone>(set: &BTreeSet<T>) -> Vec<T> {
    set.iter().cloned().collect()
}

impl WorkingSet {
    /// Reads what `ops` will touch: their households (locked, in id order), concerns' events,
    /// visits, cadres and villages, and which of them are already logged. `author` is the
    /// account making them.
    pub fn prefetch(
        tx: &mut Tx<'_>,
        author: CadreId,
        author_unit: UnitId,
        ops: &[&Op],
    ) -> StoreResult<Self> {
        let mut w = Wanted::default();
        w.cadres.insert(author);
        for op in ops {
            w.ops.insert(op.op_id);
            match &op.payload {
                Payload::Household(patch) => {
                    w.households.insert(HouseholdId(op.record_id));
                    note_patch(&mut w, patch);
                }
                Payload::Visit(v) => {
                    w.households.insert(v.household_id);
                    w.visits.insert(VisitId(op.record_id));
                }
                Payload::Concern(step) => {
                    w.concerns.insert(ConcernId(op.record_id));
                    if let ConcernAction::Raise { household_id, .. } = step.action {
                        w.households.insert(household_id);
                    }
                }
                _ => {}
            }
        }
        let mut set = WorkingSet::default();
        // A concern's household never changes: find it unlocked, lock the households, then
        // read the events (their writers hold the household too).
        let concern_households = tx.concern_households(&vec(&w.concerns))?;
        w.households.extend(concern_households.values().copied());
        let wanted_households = vec(&w.households);
        for id in &wanted_households {
            set.households.insert(*id, None);
        }
        for state in tx.households(&wanted_households)? {
            w.cadres.extend(state.cadre_id.value);
            w.villages.extend(state.village_id.value);
            set.households.insert(state.id, Some(state));
        }
        let mut events = tx.concern_events_of(&vec(&w.concerns))?;
        for id in &w.concerns {
            set.events.insert(*id, events.remove(id).unwrap_or_default());
        }
        let stored_visits: BTreeSet<VisitId> =
            tx.stored_visits(&vec(&w.visits))?.into_iter().collect();
        for id in &w.visits {
            set.visits.insert(*id, stored_visits.contains(id));
        }
        set.logged = tx.logged_ops(&vec(&w.ops))?.into_iter().collect();
        set.looked_up = w.ops;
        for id in &w.cadres {
            set.cadres.insert(*id, None);
        }
        for c in tx.cadres(&vec(&w.cadres))? {
            w.villages.extend(c.villages.iter().copied());
            set.cadres.insert(c.id, Some(c));
        }
        for id in &w.villages {
            set.villages.insert(*id, None);
        }
        let mut units: BTreeSet<UnitId> = [author_unit].into();
        for v in tx.villages(&vec(&w.villages))? {
            units.insert(v.township_id);
            set.villages.insert(v.id, Some(v));
        }
        units.extend(set.cadres.values().flatten().map(|c| c.unit_id));
        for id in &units {
            set.units.insert(*id, None);
        }
        for u in tx.units(&vec(&units))? {
            set.units.insert(u.id, Some(u));
        }
        Ok(set)
    }

    /// A household's merged state, if it exists.
    pub fn household(
        &mut self,
        tx: &mut Tx<'_>,
        id: HouseholdId,
    ) -> StoreResult<Option<&HouseholdState>> {
        if let Entry::Vacant(slot) = self.households.entry(id) {
            let state = tx.household(id)?;
            slot.insert(state);
        }
        Ok(self.households.get(&id).and_then(Option::as_ref))
    }

    /// Stores a household's new merged state.
    pub fn put_household(&mut self, state: HouseholdState) {
        self.changed_households.insert(state.id);
        self.households.insert(state.id, Some(state));
    }

    /// A cadre, if it exists.
    pub fn cadre(&mut self, tx: &mut Tx<'_>, id: CadreId) -> StoreResult<Option<&Cadre>> {
        if let Entry::Vacant(slot) = self.cadres.entry(id) {
            let cadre = tx.cadre(id)?;
            slot.insert(cadre);
        }
        Ok(self.cadres.get(&id).and_then(Option::as_ref))
    }

    /// Notes a cadre's profile as changed (a cadre op, written at once by the caller).
    pub fn forget_cadre(&mut self, id: CadreId) {
        self.cadres.remove(&id);
    }

    /// A village, if it exists.
    pub fn village(&mut self, tx: &mut Tx<'_>, id: VillageId) -> StoreResult<Option<&Village>> {
        if let Entry::Vacant(slot) = self.villages.entry(id) {
            let village = tx.village(id)?;
            slot.insert(village);
        }
        Ok(self.villages.get(&id).and_then(Option::as_ref))
    }

    /// A unit, if it exists.
    pub fn unit(&mut self, tx: &mut Tx<'_>, id: UnitId) -> StoreResult<Option<&Unit>> {
        if let Entry::Vacant(slot) = self.units.entry(id) {
            let unit = tx.units(&[id])?.pop();
            slot.insert(unit);
        }
        Ok(self.units.get(&id).and_then(Option::as_ref))
    }

    /// Notes a unit's profile as changed (a unit op, written at once by the caller).
    pub fn forget_unit(&mut self, id: UnitId) {
        self.units.remove(&id);
    }

    /// Notes a village's profile as changed (a village op, written at once by the caller).
    pub fn forget_village(&mut self, id: VillageId) {
        self.villages.remove(&id);
    }

    /// Where a household sits, as scope sees it.
    pub fn placement(
        &mut self,
        tx: &mut Tx<'_>,
        village: Option<VillageId>,
        cadre: Option<CadreId>,
    ) -> StoreResult<Placement> {
        let township = match village {
            Some(v) => self.village(tx, v)?.map(|v| v.township_id),
            None => None,
        };
        let cadre_unit = match cadre {
            Some(c) => self.cadre(tx, c)?.map(|c| c.unit_id),
            None => None,
        };
        let county = match township.or(cadre_unit) {
            Some(u) => self.unit(tx, u)?.map(|u| u.county_id),
            None => None,
        };
        Ok(Placement { county, township, cadre, cadre_unit })
    }

    /// Every event of a concern (empty: not raised).
    pub fn concern_events(
        &mut self,
        tx: &mut Tx<'_>,
        id: ConcernId,
    ) -> StoreResult<&Vec<ConcernEvent>> {
        if let Entry::Vacant(slot) = self.events.entry(id) {
            let events = tx.concern_events(id)?;
            slot.insert(events);
        }
        Ok(self.events.entry(id).or_default())
    }

    /// Appends an event to a concern.
    pub fn push_event(&mut self, id: ConcernId, event: ConcernEvent) {
        self.events.entry(id).or_default().push(event.clone());
        self.new_events.push((id, event));
        self.changed_concerns.insert(id);
    }

    /// Whether a visit with this id is stored.
    pub fn visit_exists(&mut self, tx: &mut Tx<'_>, id: VisitId) -> StoreResult<bool> {
        if let Some(known) = self.visits.get(&id) {
            return Ok(*known);
        }
        let exists = !tx.stored_visits(&[id])?.is_empty();
        self.visits.insert(id, exists);
        Ok(exists)
    }

    /// A visit, stored or stored by this push.
    pub fn visit(&mut self, tx: &mut Tx<'_>, id: VisitId) -> StoreResult<Option<Visit>> {
        if let Some(v) = self.new_visits.iter().find(|v| v.id == id) {
            return Ok(Some(v.clone()));
        }
        tx.visit(id)
    }

    /// Replaces `old` by its amended form (`None`: voided). Its id stays taken.
    pub fn amend_visit(
        &mut self,
        tx: &mut Tx<'_>,
        old: &Visit,
        amended: Option<Visit>,
    ) -> StoreResult<()> {
        match self.new_visits.iter().position(|v| v.id == old.id) {
            Some(at) => {
                self.new_visits.remove(at);
            }
            None => tx.remove_visit(old)?,
        }
        if let Some(v) = amended {
            self.new_visits.push(v);
        }
        Ok(())
    }

    /// Stores a visit.
    pub fn insert_visit(&mut self, visit: Visit) {
        self.visits.insert(visit.id, true);
        self.new_visits.push(visit);
    }

    /// A unit's monthly report for `month`, as its ops leave it.
    pub fn report(
        &mut self,
        tx: &mut Tx<'_>,
        unit: UnitId,
        month: YearMonth,
    ) -> StoreResult<Option<&ReportState>> {
        if let Entry::Vacant(slot) = self.reports.entry(unit) {
            let reports = tx.monthly_reports(ReportsOf::Unit(unit))?;
            let by_month = reports.into_iter().map(|((_, m), r)| (m, r)).collect();
            slot.insert(by_month);
        }
        Ok(self.reports.get(&unit).and_then(|r| r.get(&month)))
    }

    /// Notes a report's new state.
    pub fn put_report(&mut self, unit: UnitId, month: YearMonth, record: ReportState) {
        self.reports.entry(unit).or_default().insert(month, record);
    }

    /// Whether the op is already in the log.
    pub fn is_logged(&mut self, tx: &mut Tx<'_>, id: OpId) -> StoreResult<bool> {
        if self.logged.contains(&id) || self.looked_up.contains(&id) {
            return Ok(self.logged.contains(&id));
        }
        tx.op_exists(id)
    }

    /// Appends an op to the log (written at [`flush`](Self::flush)), with its body if it was
    /// serialized before the transaction.
    pub fn log(
        &mut self,
        op: Op,
        body: Option<String>,
        household: Option<HouseholdId>,
        unit: Option<UnitId>,
    ) {
        self.logged.insert(op.op_id);
        self.log.push(Logged { op, body, household, unit });
    }

    /// Adds a line to the audit log (written at [`flush`](Self::flush)).
    pub fn audit(&mut self, entry: AuditEntry) {
        self.audits.push(entry);
    }

    /// How many ops were appended.
    pub fn logged_count(&self) -> usize {
        self.log.len()
    }

    /// Writes everything the ops changed, a statement per table.
    pub fn flush(&mut self, tx: &mut Tx<'_>, now_ms: i64) -> StoreResult<()> {
        let households: Vec<&HouseholdState> = self
            .changed_households
            .iter()
            .filter_map(|id| self.households.get(id).and_then(Option::as_ref))
            .collect();
        tx.put_households(&households)?;
        let visits: Vec<&Visit> = self.new_visits.iter().collect();
        tx.insert_visits(&visits)?;
        let events: Vec<(ConcernId, &ConcernEvent)> =
            self.new_events.iter().map(|(id, e)| (*id, e)).collect();
        tx.insert_concern_events(&events)?;
        let folded: Vec<ConcernState> = self
            .changed_concerns
            .iter()
            .map(|id| ConcernState::fold(*id, self.events.get(id).into_iter().flatten()))
            .collect();
        tx.put_concerns(&folded.iter().collect::<Vec<_>>())?;
        let bodies = self
            .log
            .iter()
            .map(|l| match &l.body {
                Some(body) => Ok(Cow::Borrowed(body.as_str())),
                None => serde_json::to_string(&l.op).map(Cow::Owned),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let entries: Vec<LogEntry<'_>> = self
            .log
            .iter()
            .zip(&bodies)
            .map(|(l, body)| LogEntry {
                op: &l.op,
                body,
                household_id: l.household,
                unit_id: l.unit,
            })
            .collect();
        tx.append_ops(&entries, now_ms)?;
        tx.insert_audits(&self.audits)?;
        self.changed_households.clear();
        self.new_visits.clear();
        self.new_events.clear();
        self.changed_concerns.clear();
        self.log.clear();
        self.audits.clear();
        Ok(())
    }
}

fn note_patch(w: &mut Wanted, patch: &HouseholdPatch) {
    if let Some(Some(c)) = patch.cadre_id {
        w.cadres.insert(c);
    }
    w.villages.extend(patch.village_id);
}
