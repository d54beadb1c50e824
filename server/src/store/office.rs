//! The office pages' reads of the merged state: households, concerns and visits of a scope.

use minqing_shared::ids::{CadreId, HouseholdId};
use minqing_shared::sync::merge::{ConcernState, HouseholdState};
use minqing_shared::visit::{Visit, VisitMode};

use super::sql::args;
use super::{StoreResult, Tx};

/// A visit without its text: what coverage figures are counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitFact {
    /// The household visited.
    pub household_id: HouseholdId,
    /// The cadre who visited.
    pub cadre_id: CadreId,
    /// When, ms since the epoch.
    pub visited_ms: i64,
    /// Whether it was in person (only those count as the weekly visit).
    pub in_person: bool,
}

impl Tx<'_> {
    /// Every household's merged state, tombstones included.
    pub fn all_households(&mut self) -> StoreResult<Vec<HouseholdState>> {
        self.query("SELECT state FROM households", &[])?.iter().map(|r| r.json(0)).collect()
    }

    /// Every concern's folded state.
    pub fn all_concerns(&mut self) -> StoreResult<Vec<ConcernState>> {
        self.query("SELECT state FROM concerns", &[])?.iter().map(|r| r.json(0)).collect()
    }

    /// Visits with `from_ms <= visited_ms < to_ms`, without their text.
    pub fn visit_facts(&mut self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
        self.query(
            "SELECT household_id, cadre_id, visited_ms, mode FROM visits
             WHERE visited_ms >= $1 AND visited_ms < $2",
            &args![from_ms, to_ms],
        )?
        .iter()
        .map(|r| {
            Ok(VisitFact {
                household_id: r.parse(0)?,
                cadre_id: r.parse::<CadreId>(1)?,
                visited_ms: r.int(2)?,
                in_person: r.code(3, VisitMode::from_code)?.counts_as_weekly_visit(),
            })
        })
        .collect()
    }

    /// The time of each household's latest in-person visit.
    pub fn last_in_person_visits(&mut self) -> StoreResult<Vec<(HouseholdId, i64)>> {
        self.query(
            "SELECT household_id, MAX(visited_ms) FROM visits WHERE mode = $1 GROUP BY household_id",
            &args![VisitMode::InPerson.code()],
        )?
        .iter()
        .map(|r| Ok((r.parse(0)?, r.int(1)?)))
        .collect()
    }

    /// A household's visits, newest first.
    pub fn household_visits(&mut self, id: HouseholdId) -> StoreResult<Vec<Visit>> {
        self.query(
            "SELECT body FROM visits WHERE household_id = $1 ORDER BY visited_ms DESC",
            &args![id],
        )?
        .iter()
        .map(|r| r.json(0))
        .collect()
    }
}
