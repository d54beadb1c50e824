//! The merged state: households (their per-field stamps kept as JSON beside the columns pages
//! filter on), visits, each concern's event log and its folded state. Read and written a set
//! at a time, so a push of many ops costs a few statements, not a few per op.

use std::collections::BTreeMap;

use minqing_shared::ids::{CadreId, ConcernId, HouseholdId, VisitId};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::visit::Visit;

use super::sql::{Value, args, in_list, placeholders};
use super::{StoreResult, Tx};

impl Tx<'_> {
    /// The merged state of each of `ids` that exists. In a write, their rows stay locked until
    /// commit, taken in id order (every writer takes households in that order).
    pub fn households(&mut self, ids: &[HouseholdId]) -> StoreResult<Vec<HouseholdState>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let sql = format!(
            "SELECT h.state FROM households h WHERE h.id IN ({}) ORDER BY h.id {}",
            placeholders(1, ids.len()),
            self.lock_rows("h")
        );
        self.query(&sql, &in_list(&ids))?.iter().map(|r| r.json(0)).collect()
    }

    /// A household's merged state (locked in a write).
    pub fn household(&mut self, id: HouseholdId) -> StoreResult<Option<HouseholdState>> {
        Ok(self.households(&[id])?.pop())
    }

    /// Stores households' merged states.
    pub fn put_households(&mut self, states: &[&HouseholdState]) -> StoreResult<()> {
        let rows = states
            .iter()
            .map(|s| {
                Ok(args![
                    s.id,
                    s.village_id.value,
                    s.cadre_id.value,
                    s.head_name.value.as_str(),
                    s.status.value.code(),
                    s.deleted.value,
                    serde_json::to_string(s)?
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO households (id, village_id, cadre_id, head_name, status, deleted, state)",
            7,
            "ON CONFLICT (id) DO UPDATE SET village_id = excluded.village_id,
               cadre_id = excluded.cadre_id, head_name = excluded.head_name,
               status = excluded.status, deleted = excluded.deleted, state = excluded.state",
            &rows,
        )
    }

    /// Stores a household's merged state.
    pub fn put_household(&mut self, state: &HouseholdState) -> StoreResult<()> {
        self.put_households(&[state])
    }

    /// Which of `ids` are stored visits.
    pub fn stored_visits(&mut self, ids: &[VisitId]) -> StoreResult<Vec<VisitId>> {
        let sql = format!("SELECT id FROM visits WHERE id IN ({})", placeholders(1, ids.len()));
        self.query(&sql, &in_list(ids))?.iter().map(|r| r.parse(0)).collect()
    }

    /// Stores visits.
    pub fn insert_visits(&mut self, visits: &[&Visit]) -> StoreResult<()> {
        let rows = visits
            .iter()
            .map(|v| {
                Ok(args![
                    v.id,
                    v.household_id,
                    v.cadre_id,
                    v.visited_at.timestamp_millis(),
                    v.mode.code(),
                    serde_json::to_string(v)?
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO visits (id, household_id, cadre_id, visited_ms, mode, body)",
            6,
            "",
            &rows,
        )
    }

    /// A visit's household and cadre.
    pub fn visit_owner(&mut self, id: VisitId) -> StoreResult<Option<(HouseholdId, CadreId)>> {
        self.query_opt("SELECT household_id, cadre_id FROM visits WHERE id = $1", &args![id])?
            .map(|r| Ok((r.parse(0)?, r.parse(1)?)))
            .transpose()
    }

    /// The household each of `ids` was raised about, for the concerns that exist. (A concern's
    /// household never changes, so this needs no lock: lock the households, then read events.)
    pub fn concern_households(
        &mut self,
        ids: &[ConcernId],
    ) -> StoreResult<BTreeMap<ConcernId, HouseholdId>> {
        let sql = format!(
            "SELECT id, household_id FROM concerns WHERE household_id IS NOT NULL AND id IN ({})",
            placeholders(1, ids.len())
        );
        self.query(&sql, &in_list(ids))?.iter().map(|r| Ok((r.parse(0)?, r.parse(1)?))).collect()
    }

    /// Every event of each of `ids`. A writer reads them only while holding the concern's
    /// household, which every writer of its events holds too.
    pub fn concern_events_of(
        &mut self,
        ids: &[ConcernId],
    ) -> StoreResult<BTreeMap<ConcernId, Vec<ConcernEvent>>> {
        let sql = format!(
            "SELECT concern_id, event FROM concern_events WHERE concern_id IN ({})",
            placeholders(1, ids.len())
        );
        let mut out: BTreeMap<ConcernId, Vec<ConcernEvent>> = BTreeMap::new();
        for r in self.query(&sql, &in_list(ids))? {
            out.entry(r.parse(0)?).or_default().push(r.json(1)?);
        }
        Ok(out)
    }

    /// Every event of a concern.
    pub fn concern_events(&mut self, id: ConcernId) -> StoreResult<Vec<ConcernEvent>> {
        Ok(self.concern_events_of(&[id])?.remove(&id).unwrap_or_default())
    }

    /// Appends concern events.
    pub fn insert_concern_events(
        &mut self,
        events: &[(ConcernId, &ConcernEvent)],
    ) -> StoreResult<()> {
        let rows = events
            .iter()
            .map(|(concern, e)| Ok(args![e.op_id, *concern, serde_json::to_string(e)?].to_vec()))
            .collect::<StoreResult<Vec<Vec<Value>>>>()?;
        self.insert_rows("INSERT INTO concern_events (op_id, concern_id, event)", 3, "", &rows)
    }

    /// A concern's folded state.
    pub fn concern(&mut self, id: ConcernId) -> StoreResult<Option<ConcernState>> {
        self.query_opt("SELECT state FROM concerns WHERE id = $1", &args![id])?
            .map(|r| r.json(0))
            .transpose()
    }

    /// Stores concerns' folded states.
    pub fn put_concerns(&mut self, states: &[&ConcernState]) -> StoreResult<()> {
        let rows = states
            .iter()
            .map(|s| {
                Ok(args![
                    s.id,
                    s.household_id,
                    s.category.map(|c| c.code()),
                    s.status.map(|c| c.code()),
                    s.raised_at.map(|t| t.timestamp_millis()),
                    s.decision.as_ref().map(|d| d.deadline.to_string()),
                    s.on_ledger(),
                    serde_json::to_string(s)?
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO concerns (id, household_id, category, status, raised_ms, deadline,
                                   on_ledger, state)",
            8,
            "ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
               category = excluded.category, status = excluded.status,
               raised_ms = excluded.raised_ms, deadline = excluded.deadline,
               on_ledger = excluded.on_ledger, state = excluded.state",
            &rows,
        )
    }
}
