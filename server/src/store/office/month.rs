//! The month's visits for the monthly report and the county's summary: active households,
//! how many were visited in person, and the contacts made, per unit and cadre.

use minqing_shared::calendar::YearMonth;
use minqing_shared::ids::{CadreId, UnitId};
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
    /// contacts (`household_months`).
    pub fn month_rows(&mut self, scope: Scope, month: YearMonth) -> StoreResult<MonthRows> {
        let active = self.active_households(scope)?;
        let (scoped, who) = in_scope(scope, 1);
        let params = [who, month.key().into()];
        let visited = self.query(
            &format!(
                "SELECT {COUNTS_FOR}, h.cadre_id, COUNT(*) FROM {HOUSEHOLDS}
                 WHERE {scoped} AND h.status IN ({})
                   AND EXISTS (SELECT 1 FROM household_months m
                               WHERE m.household_id = h.id AND m.month = $2 AND m.weekly)
                 GROUP BY {COUNTS_FOR}, h.cadre_id",
                active_statuses(),
            ),
            &params,
        )?;
        let visited = visited
            .iter()
            .map(|r| {
                Ok(ScoreRow {
                    unit: r.parse(0)?,
                    cadre: r.opt_parse(1)?,
                    count: r.int(2)? as usize,
                })
            })
            .collect::<StoreResult<_>>()?;
        let contacts = self.query(
            &format!(
                "SELECT {COUNTS_FOR}, m.cadre_id, m.weekly, CAST(SUM(m.contacts) AS BIGINT)
                 FROM {HOUSEHOLDS} CROSS JOIN household_months m
                 WHERE m.household_id = h.id AND m.month = $2 AND {scoped}
                 GROUP BY {COUNTS_FOR}, m.cadre_id, m.weekly"
            ),
            &params,
        )?;
        let contacts = contacts
            .iter()
            .map(|r| {
                Ok(ContactRow {
                    unit: r.parse(0)?,
                    cadre: r.parse(1)?,
                    in_person: r.bool(2)?,
                    count: r.int(3)? as usize,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(MonthRows { active, visited, contacts })
    }
}
