//! What an office account may see, loaded in one read: a township office its villages and the
//! households of its own cadres; a county department's office the households linked to its
//! cadres; the Organization Department and administrators the county. (The same rule as the
//! sync scope in `sync::apply`, which refuses any office action outside it.)

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use minqing_shared::household::Household;
use minqing_shared::ids::{CadreId, HouseholdId, UnitId, VillageId};
use minqing_shared::org::{Cadre, Unit, UnitKind, Village};
use minqing_shared::rules::{Roster, Warning, check_assignments};
use minqing_shared::sync::merge::ConcernState;

use super::session::OfficeUser;
use crate::store::{StoreResult, Tx};

/// The office's records.
#[derive(Debug)]
pub struct Scoped {
    /// Today in China.
    pub today: NaiveDate,
    /// Every unit, for names.
    pub units: BTreeMap<UnitId, Unit>,
    /// Every cadre, for names.
    pub cadres: BTreeMap<CadreId, Cadre>,
    /// Villages in scope, by township then name.
    pub villages: Vec<Village>,
    /// Field cadres in scope (those who visit), by unit then name.
    pub field: Vec<Cadre>,
    /// Households in scope (tombstones left out), by village then head.
    pub households: Vec<Household>,
    village_index: BTreeMap<VillageId, usize>,
}

/// Whose records: one unit's (`Some`) or the county's (`None`).
fn covers(unit: Option<UnitId>, village: Option<&Village>, cadre: Option<&Cadre>) -> bool {
    let Some(unit) = unit else { return true };
    village.is_some_and(|v| v.township_id == unit) || cadre.is_some_and(|c| c.unit_id == unit)
}

/// A Chinese numeral up to 99 (一 … 九十九), as village groups are written.
fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|d| d as u32);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [d] => digit(*d).or((*d == '十').then_some(10)),
        ['十', d] => digit(*d).map(|d| 10 + d),
        [t, '十'] => digit(*t).map(|t| t * 10),
        [t, '十', d] => Some(digit(*t)? * 10 + digit(*d)?),
        _ => None,
    }
}

/// Sorts addresses like 三组 12号 by group and number, not by their characters.
fn address_key(address: &str) -> (u32, u32, String) {
    let group = address.split_once('组').and_then(|(g, _)| chinese_number(g.trim()));
    let number: String = address
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    (group.unwrap_or(u32::MAX), number.parse().unwrap_or(u32::MAX), address.to_owned())
}

impl Scoped {
    /// Loads the records `user` may see.
    pub fn load(tx: &mut Tx<'_>, user: &OfficeUser) -> StoreResult<Self> {
        Self::load_unit(tx, (!user.county_wide()).then_some(user.unit.id), user.today)
    }

    /// Loads one unit's records (`Some`), or the county's (`None`).
    pub fn load_unit(tx: &mut Tx<'_>, unit: Option<UnitId>, today: NaiveDate) -> StoreResult<Self> {
        let units: BTreeMap<_, _> = tx.all_units()?.into_iter().map(|u| (u.id, u)).collect();
        let cadres: BTreeMap<_, _> = tx.all_cadres()?.into_iter().map(|c| (c.id, c)).collect();
        let all_villages: BTreeMap<_, _> =
            tx.all_villages()?.into_iter().map(|v| (v.id, v)).collect();
        let mut households: Vec<Household> = tx
            .all_households()?
            .iter()
            .filter_map(|s| s.household())
            .filter(|h| !h.deleted)
            .filter(|h| {
                let cadre = h.cadre_id.and_then(|c| cadres.get(&c));
                covers(unit, all_villages.get(&h.village_id), cadre)
            })
            .collect();
        let field: Vec<Cadre> = {
            let mut f: Vec<_> = cadres
                .values()
                .filter(|c| c.role.visits_households())
                .filter(|c| unit.is_none_or(|u| c.unit_id == u))
                .cloned()
                .collect();
            let unit_name = |c: &Cadre| units.get(&c.unit_id).map(|u| u.name.clone());
            f.sort_by_cached_key(|c| (unit_name(c), c.name.clone()));
            f
        };
        let mut wanted: BTreeSet<VillageId> = households.iter().map(|h| h.village_id).collect();
        wanted.extend(field.iter().flat_map(|c| c.villages.iter().copied()));
        let mut villages: Vec<Village> = all_villages
            .into_values()
            .filter(|v| unit.is_none_or(|u| v.township_id == u) || wanted.contains(&v.id))
            .collect();
        let township = |v: &Village| units.get(&v.township_id).map(|u| u.name.clone());
        villages.sort_by_cached_key(|v| (township(v), v.name.clone()));
        let village_index = villages.iter().enumerate().map(|(i, v)| (v.id, i)).collect();
        let village_name = |id: VillageId| -> String {
            villages.iter().find(|v| v.id == id).map(|v| v.name.clone()).unwrap_or_default()
        };
        let names: BTreeMap<VillageId, String> =
            wanted.iter().map(|v| (*v, village_name(*v))).collect();
        households.sort_by_cached_key(|h| {
            (names.get(&h.village_id).cloned(), address_key(&h.address), h.head_name.clone())
        });
        Ok(Self { today, units, cadres, villages, field, households, village_index })
    }

    /// A village in scope.
    pub fn village(&self, id: VillageId) -> Option<&Village> {
        self.village_index.get(&id).map(|i| &self.villages[*i])
    }

    /// A village's name ("—" if unknown).
    pub fn village_name(&self, id: VillageId) -> &str {
        self.village(id).map_or("—", |v| v.name.as_str())
    }

    /// A cadre's name ("—" if none).
    pub fn cadre_name(&self, id: Option<CadreId>) -> &str {
        id.and_then(|c| self.cadres.get(&c)).map_or("—", |c| c.name.as_str())
    }

    /// A unit's name.
    pub fn unit_name(&self, id: UnitId) -> &str {
        self.units.get(&id).map_or("—", |u| u.name.as_str())
    }

    /// The unit a household's work counts for: its linked cadre's unit, else its township.
    pub fn unit_of(&self, h: &Household) -> Option<UnitId> {
        h.cadre_id
            .and_then(|c| self.cadres.get(&c))
            .map(|c| c.unit_id)
            .or_else(|| self.village(h.village_id).map(|v| v.township_id))
    }

    /// Units whose work is reported and evaluated: townships and county departments.
    pub fn working_units(&self) -> Vec<&Unit> {
        let mut units: Vec<&Unit> =
            self.units.values().filter(|u| u.kind != UnitKind::OrganizationDepartment).collect();
        units.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        units
    }

    /// The ids of the households in scope.
    pub fn household_ids(&self) -> BTreeSet<HouseholdId> {
        self.households.iter().map(|h| h.id).collect()
    }

    /// A household in scope.
    pub fn household(&self, id: HouseholdId) -> Option<&Household> {
        self.households.iter().find(|h| h.id == id)
    }

    /// The concerns of the households in scope, newest first.
    pub fn concerns(&self, tx: &mut Tx<'_>) -> StoreResult<Vec<ConcernState>> {
        let ids = self.household_ids();
        let mut all: Vec<ConcernState> = tx
            .all_concerns()?
            .into_iter()
            .filter(|c| c.household_id.is_some_and(|h| ids.contains(&h)))
            .collect();
        all.sort_by(|a, b| b.raised_at.cmp(&a.raised_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    /// The seed's assignment rules over the records in scope.
    pub fn warnings(&self) -> Vec<Warning> {
        let units: Vec<Unit> = self
            .units
            .values()
            .filter(|u| self.field.iter().any(|c| c.unit_id == u.id))
            .cloned()
            .collect();
        check_assignments(Roster {
            units: &units,
            villages: &self.villages,
            cadres: &self.field,
            households: &self.households,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn addresses_sort_by_group_then_number() {
        let mut list =
            vec!["十一组 3号", "三组 12号", "二组 8号", "一组 44号", "一组 5号", "村东头"];
        list.sort_by_key(|a| address_key(a));
        assert_eq!(
            list,
            ["一组 5号", "一组 44号", "二组 8号", "三组 12号", "十一组 3号", "村东头"]
        );
    }
}
