//! The roster as an office sees it: its units, villages and field cadres, names by id, and the
//! counts the seed's assignment rules need.

use std::collections::BTreeMap;

use minqing_shared::ids::{CadreId, UnitId, VillageId};
use minqing_shared::org::{Cadre, Role, Unit, Village};
use minqing_shared::rules::HouseholdCounts;
use minqing_shared::scope::Scope;

use super::{HOUSEHOLDS, active_statuses, in_scope};
use crate::store::decode::{self, CADRE_COLUMNS, UNIT_COLUMNS, VILLAGE_COLUMNS};
use crate::store::sql::{in_list, placeholders};
use crate::store::{StoreResult, Tx};

/// The stored codes of the roles that visit households, quoted for SQL.
fn field_roles() -> String {
    super::codes(Role::ALL.iter().filter(|r| r.visits_households()).map(|r| r.code()))
}

impl Tx<'_> {
    /// The units whose work `scope` reports on: a county's townships and departments (and its
    /// Organization Department), or the office's own unit; by kind and name.
    pub fn scope_units(&mut self, scope: Scope) -> StoreResult<Vec<Unit>> {
        let (filter, who) = match scope {
            Scope::County(c) => ("u.county_id = $1", c.into()),
            Scope::Unit(u) | Scope::Cadre { unit: u, .. } => ("u.id = $1", u.into()),
        };
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u WHERE {filter}");
        let mut units: Vec<Unit> = self
            .query(&sql, &[who])?
            .iter()
            .map(|r| decode::unit(r, 0))
            .collect::<StoreResult<_>>()?;
        units.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        Ok(units)
    }

    /// The cadres who visit households in `scope`'s units, by unit and name.
    pub fn field_cadres(&mut self, scope: Scope) -> StoreResult<Vec<Cadre>> {
        let (filter, who) = match scope {
            Scope::County(c) => ("u.county_id = $1", c.into()),
            Scope::Unit(u) | Scope::Cadre { unit: u, .. } => ("u.id = $1", u.into()),
        };
        let sql = format!(
            "SELECT {CADRE_COLUMNS} FROM cadres c JOIN units u ON u.id = c.unit_id
             WHERE {filter} AND c.role IN ({}) ORDER BY u.name, c.name",
            field_roles()
        );
        self.query(&sql, &[who])?.iter().map(|r| decode::cadre(r, 0)).collect()
    }

    /// The villages `scope` sees, with their township's name, by township and name: a county's,
    /// a township's own, or a department's (its cadres' contact villages and its households').
    pub fn scope_villages(&mut self, scope: Scope) -> StoreResult<Vec<(Village, String)>> {
        let (filter, who) = match scope {
            Scope::County(c) => ("t.county_id = $1".to_owned(), c.into()),
            Scope::Unit(u) | Scope::Cadre { unit: u, .. } => (
                format!(
                    "(v.township_id = $1 OR v.id IN (SELECT h.village_id FROM {HOUSEHOLDS}
                      WHERE NOT h.deleted AND c.unit_id = $1))"
                ),
                u.into(),
            ),
        };
        let sql = format!(
            "SELECT {VILLAGE_COLUMNS}, t.name FROM villages v JOIN units t ON t.id = v.township_id
             WHERE {filter} ORDER BY t.name, v.name"
        );
        let mut out: Vec<(Village, String)> = self
            .query(&sql, &[who])?
            .iter()
            .map(|r| Ok((decode::village(r, 0)?, r.text(5)?)))
            .collect::<StoreResult<_>>()?;
        if let Scope::Unit(_) = scope {
            // A department's cadres' contact villages lie in townships of other units.
            let mut contact: Vec<VillageId> =
                self.field_cadres(scope)?.into_iter().flat_map(|c| c.villages).collect();
            contact.retain(|v| !out.iter().any(|(o, _)| o.id == *v));
            contact.sort();
            contact.dedup();
            if !contact.is_empty() {
                let sql = format!(
                    "SELECT {VILLAGE_COLUMNS}, t.name FROM villages v
                     JOIN units t ON t.id = v.township_id WHERE v.id IN ({})",
                    placeholders(1, contact.len())
                );
                for r in self.query(&sql, &in_list(&contact))? {
                    out.push((decode::village(&r, 0)?, r.text(5)?));
                }
                out.sort_by(|a, b| (&a.1, &a.0.name).cmp(&(&b.1, &b.0.name)));
            }
        }
        Ok(out)
    }

    /// The names of cadres, by id.
    pub fn cadre_names(&mut self, ids: &[CadreId]) -> StoreResult<BTreeMap<CadreId, String>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let sql =
            format!("SELECT id, name FROM cadres WHERE id IN ({})", placeholders(1, ids.len()));
        self.query(&sql, &in_list(&ids))?.iter().map(|r| Ok((r.parse(0)?, r.text(1)?))).collect()
    }

    /// The names of units, by id.
    pub fn unit_names(&mut self, ids: &[UnitId]) -> StoreResult<BTreeMap<UnitId, String>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let sql =
            format!("SELECT id, name FROM units WHERE id IN ({})", placeholders(1, ids.len()));
        self.query(&sql, &in_list(&ids))?.iter().map(|r| Ok((r.parse(0)?, r.text(1)?))).collect()
    }

    /// The counts of `scope`'s households the seed's assignment rules need.
    pub fn household_counts(&mut self, scope: Scope) -> StoreResult<HouseholdCounts> {
        let (scoped, who) = in_scope(scope, 1);
        let sql = format!(
            "SELECT h.cadre_id, h.village_id, h.status IN ({}), COUNT(*) FROM {HOUSEHOLDS}
             WHERE {scoped} AND h.cadre_id IS NOT NULL
             GROUP BY h.cadre_id, h.village_id, h.status IN ({})",
            active_statuses(),
            active_statuses()
        );
        let mut counts = HouseholdCounts::default();
        for r in self.query(&sql, &[who])? {
            let (cadre, village): (CadreId, VillageId) = (r.parse(0)?, r.parse(1)?);
            let n = r.int(3)? as usize;
            *counts.linked.entry(cadre).or_default() += n;
            if r.bool(2)? {
                *counts.active.entry((cadre, village)).or_default() += n as u32;
            }
        }
        Ok(counts)
    }
}
