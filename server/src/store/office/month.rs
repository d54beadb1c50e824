//! The month's visits for the monthly report and the county's summary: active households,
//! how many were visited in person, and the contacts made, per unit and cadre.

use std::collections::{BTreeMap, BTreeSet};

use minqing_shared::calendar::YearMonth;
use minqing_shared::ids::{CadreId, HouseholdId, UnitId};
use minqing_shared::scope::Scope;

use super::coverage::ScoreRow;
use super::{COUNTS_FOR, HOUSEHOLDS, active_statuses, in_scope};
use crate::store::{StoreResult, Tx};

/// Contacts made with households of a unit by one cadre in a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRow {
    /// The unit the households' work counts for.
    pub unit: UnitId,
    /// The cadre who recorded the contact.
    pub cadre: CadreId,
    /// In-person visits (the weekly visit) or other contacts (a household's call).
    pub in_person: bool,
    /// How many.
    pub count: usize,
}

/// What the month's visit figures are counted from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthRows {
    /// Active households per (unit, linked cadre).
    pub active: Vec<ScoreRow>,
    /// Of which visited in person in the month.
    pub visited: Vec<ScoreRow>,
    /// Contacts per (unit, cadre, kind).
    pub contacts: Vec<ContactRow>,
}

impl Tx<'_> {
    /// The visit figures of `scope`'s households in `month`, from each household's counted
    /// contacts (`household_months`), in one pass over the households.
    pub fn month_rows(&mut self, scope: Scope, month: YearMonth) -> StoreResult<MonthRows> {
        let (scoped, who) = in_scope(scope, 1);
        // A row per household and counted (cadre, kind), or one with no counts.
        let rows = self.query(
            &format!(
                "SELECT h.id, {COUNTS_FOR}, h.cadre_id, h.status IN ({}),
                        m.cadre_id, m.weekly, m.contacts
                 FROM {HOUSEHOLDS}
                 LEFT JOIN household_months m ON m.household_id = h.id AND m.month = $2
                 WHERE {scoped}",
                active_statuses(),
            ),
            &[who, month.key().into()],
        )?;
        let mut active: BTreeMap<(UnitId, Option<CadreId>), BTreeSet<HouseholdId>> =
            BTreeMap::new();
        let mut visited = active.clone();
        let mut contacts: BTreeMap<(UnitId, CadreId, bool), usize> = BTreeMap::new();
        for r in &rows {
            let (household, unit, linked): (HouseholdId, UnitId, Option<CadreId>) =
                (r.parse(0)?, r.parse(1)?, r.opt_parse(2)?);
            let is_active = r.bool(3)?;
            if is_active {
                active.entry((unit, linked)).or_default().insert(household);
            }
            let Some(by) = r.opt_parse::<CadreId>(4)? else { continue };
            let weekly = r.bool(5)?;
            *contacts.entry((unit, by, weekly)).or_default() += r.int(6)? as usize;
            if weekly && is_active {
                visited.entry((unit, linked)).or_default().insert(household);
            }
        }
        let scores = |m: BTreeMap<(UnitId, Option<CadreId>), BTreeSet<HouseholdId>>| {
            m.into_iter()
                .map(|((unit, cadre), set)| ScoreRow { unit, cadre, count: set.len() })
                .collect()
        };
        Ok(MonthRows {
            active: scores(active),
            visited: scores(visited),
            contacts: contacts
                .into_iter()
                .map(|((unit, cadre, in_person), count)| ContactRow {
                    unit,
                    cadre,
                    in_person,
                    count,
                })
                .collect(),
        })
    }
}
