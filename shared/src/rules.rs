//! The seed's assignment rules 民情联络制度, as checks that warn. They never refuse: an office
//! may override a warning with a reason, because real villages do not always fit the rules.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::household::Household;
use crate::ids::{CadreId, UnitId, VillageId};
use crate::label::{Label, Lang};
use crate::org::{Cadre, Role, Standing, Unit, UnitKind, Village};

/// Leadership members of a county department link at least this many households.
pub const MIN_LEADERSHIP_HOUSEHOLDS: usize = 2;

/// What the rules are checked over: a unit's (or the county's) records.
#[derive(Clone, Copy, Debug)]
pub struct Roster<'a> {
    /// Units.
    pub units: &'a [Unit],
    /// Villages.
    pub villages: &'a [Village],
    /// Cadres.
    pub cadres: &'a [Cadre],
    /// How many households each cadre links.
    pub households: &'a HouseholdCounts,
}

/// The households the rules count, per cadre: the rules need only these numbers, which a
/// database can count without reading every household.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HouseholdCounts {
    /// Households linked to each cadre (retired ones left out).
    pub linked: BTreeMap<CadreId, usize>,
    /// Active households ([`Household::is_active`]) per cadre and village: the quota's use.
    pub active: BTreeMap<(CadreId, VillageId), u32>,
}

impl HouseholdCounts {
    /// The counts of `households`.
    pub fn of(households: &[Household]) -> Self {
        let mut counts = HouseholdCounts::default();
        for h in households.iter().filter(|h| !h.deleted) {
            let Some(c) = h.cadre_id else { continue };
            *counts.linked.entry(c).or_default() += 1;
            if h.is_active() {
                *counts.active.entry((c, h.village_id)).or_default() += 1;
            }
        }
        counts
    }
}

/// A rule not met.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Warning {
    /// A county department links to one village; this one links to `villages`.
    DepartmentVillages {
        /// The department.
        unit: UnitId,
        /// Its name.
        unit_name: String,
        /// How many villages its cadres link to.
        villages: usize,
    },
    /// A county department's leadership member links fewer than two households.
    LeadershipHouseholds {
        /// The cadre.
        cadre: CadreId,
        /// The cadre's name.
        cadre_name: String,
        /// How many households the cadre links.
        households: usize,
    },
    /// A township cadre's village is not of the standing the cadre's role takes.
    StandingMismatch {
        /// The cadre.
        cadre: CadreId,
        /// The cadre's name.
        cadre_name: String,
        /// The cadre's role.
        role: Role,
        /// The village.
        village: VillageId,
        /// The village's name.
        village_name: String,
        /// The village's standing.
        standing: Standing,
        /// The standing the role takes.
        expected: Standing,
    },
    /// A township cadre has other than one contact village.
    TownshipCadreVillages {
        /// The cadre.
        cadre: CadreId,
        /// The cadre's name.
        cadre_name: String,
        /// How many contact villages the cadre has.
        villages: usize,
    },
    /// A cadre has more confirmed households in a village than the village's quota.
    QuotaExceeded {
        /// The cadre.
        cadre: CadreId,
        /// The cadre's name.
        cadre_name: String,
        /// The village.
        village: VillageId,
        /// Its name.
        village_name: String,
        /// Confirmed or filed households.
        confirmed: u32,
        /// Its quota.
        quota: u32,
    },
}

impl Warning {
    /// A stable code for the rule.
    pub fn code(&self) -> &'static str {
        match self {
            Warning::DepartmentVillages { .. } => "department_villages",
            Warning::LeadershipHouseholds { .. } => "leadership_households",
            Warning::StandingMismatch { .. } => "standing_mismatch",
            Warning::TownshipCadreVillages { .. } => "township_cadre_villages",
            Warning::QuotaExceeded { .. } => "quota_exceeded",
        }
    }

    /// The record the warning is about; with [`code`](Self::code) it keys an override.
    pub fn subject(&self) -> uuid::Uuid {
        match self {
            Warning::DepartmentVillages { unit, .. } => unit.0,
            Warning::LeadershipHouseholds { cadre, .. }
            | Warning::StandingMismatch { cadre, .. }
            | Warning::TownshipCadreVillages { cadre, .. } => cadre.0,
            Warning::QuotaExceeded { cadre, .. } => cadre.0,
        }
    }

    /// The warning for a person.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Warning::DepartmentVillages { unit_name, villages, .. }, Lang::Zh) => {
                format!("{unit_name}应联系1个村，现联系{villages}个村")
            }
            (Warning::DepartmentVillages { unit_name, villages, .. }, Lang::En) => {
                format!("{unit_name} should link one village; it links {villages}")
            }
            (Warning::LeadershipHouseholds { cadre_name, households, .. }, Lang::Zh) => {
                format!("班子成员{cadre_name}应至少联系2户，现联系{households}户")
            }
            (Warning::LeadershipHouseholds { cadre_name, households, .. }, Lang::En) => {
                format!(
                    "Leadership member {cadre_name} should link at least 2 households; links {households}"
                )
            }
            (
                Warning::StandingMismatch {
                    cadre_name,
                    role,
                    village_name,
                    standing,
                    expected,
                    ..
                },
                lang,
            ) => match lang {
                Lang::Zh => format!(
                    "{}{cadre_name}应联系{}，{village_name}为{}",
                    role.zh(),
                    expected.zh(),
                    standing.zh()
                ),
                Lang::En => format!(
                    "{} {cadre_name} should link a {}; {village_name} is a {}",
                    role.en(),
                    expected.en().to_lowercase(),
                    standing.en().to_lowercase()
                ),
            },
            (Warning::TownshipCadreVillages { cadre_name, villages, .. }, Lang::Zh) => {
                format!("乡镇干部{cadre_name}应有1个联系村，现有{villages}个")
            }
            (Warning::TownshipCadreVillages { cadre_name, villages, .. }, Lang::En) => {
                format!(
                    "Township cadre {cadre_name} should have one contact village; has {villages}"
                )
            }
            (
                Warning::QuotaExceeded { cadre_name, village_name, confirmed, quota, .. },
                Lang::Zh,
            ) => {
                format!("{cadre_name}在{village_name}已确认{confirmed}户，超过定额{quota}户")
            }
            (
                Warning::QuotaExceeded { cadre_name, village_name, confirmed, quota, .. },
                Lang::En,
            ) => {
                format!(
                    "{cadre_name} has {confirmed} confirmed households in {village_name}, over its quota of {quota}"
                )
            }
        }
    }
}

/// The standing of village a township cadre of `role` takes, if the seed says.
pub fn expected_standing(role: Role) -> Option<Standing> {
    match role {
        Role::PrincipalLeader => Some(Standing::Lagging),
        Role::MiddleLevel => Some(Standing::Middle),
        Role::Ordinary => Some(Standing::Advanced),
        _ => None,
    }
}

/// Every rule not met in `roster`, sorted.
pub fn check_assignments(roster: Roster<'_>) -> Vec<Warning> {
    let units: BTreeMap<UnitId, &Unit> = roster.units.iter().map(|u| (u.id, u)).collect();
    let villages: BTreeMap<VillageId, &Village> =
        roster.villages.iter().map(|v| (v.id, v)).collect();
    let per_cadre = &roster.households.linked;
    let mut warnings = Vec::new();
    let mut department_villages: BTreeMap<UnitId, BTreeSet<VillageId>> = BTreeMap::new();

    for cadre in roster.cadres.iter().filter(|c| c.role.visits_households()) {
        let Some(unit) = units.get(&cadre.unit_id) else { continue };
        match unit.kind {
            UnitKind::CountyDepartment => {
                department_villages.entry(unit.id).or_default().extend(&cadre.villages);
                let households = per_cadre.get(&cadre.id).copied().unwrap_or(0);
                if cadre.role == Role::LeadershipMember && households < MIN_LEADERSHIP_HOUSEHOLDS {
                    warnings.push(Warning::LeadershipHouseholds {
                        cadre: cadre.id,
                        cadre_name: cadre.name.clone(),
                        households,
                    });
                }
            }
            UnitKind::Township => {
                if cadre.villages.len() != 1 {
                    warnings.push(Warning::TownshipCadreVillages {
                        cadre: cadre.id,
                        cadre_name: cadre.name.clone(),
                        villages: cadre.villages.len(),
                    });
                }
                let Some(expected) = expected_standing(cadre.role) else { continue };
                for village in cadre.villages.iter().filter_map(|v| villages.get(v)) {
                    if village.standing != expected {
                        warnings.push(Warning::StandingMismatch {
                            cadre: cadre.id,
                            cadre_name: cadre.name.clone(),
                            role: cadre.role,
                            village: village.id,
                            village_name: village.name.clone(),
                            standing: village.standing,
                            expected,
                        });
                    }
                }
            }
            UnitKind::OrganizationDepartment => {}
        }
    }
    for unit in roster.units.iter().filter(|u| u.kind == UnitKind::CountyDepartment) {
        let linked = department_villages.get(&unit.id).map_or(0, BTreeSet::len);
        if linked != 1 {
            warnings.push(Warning::DepartmentVillages {
                unit: unit.id,
                unit_name: unit.name.clone(),
                villages: linked,
            });
        }
    }
    // The quota is per cadre and village: the seed's county has 440 cadres in some 200 villages
    // and 6,535 households, which only fits if each cadre links 10–20 households of their own.
    let cadres: BTreeMap<CadreId, &Cadre> = roster.cadres.iter().map(|c| (c.id, c)).collect();
    for (&(cadre_id, village_id), &count) in &roster.households.active {
        let (Some(cadre), Some(village)) = (cadres.get(&cadre_id), villages.get(&village_id))
        else {
            continue;
        };
        if count > village.quota() {
            warnings.push(Warning::QuotaExceeded {
                cadre: cadre.id,
                cadre_name: cadre.name.clone(),
                village: village.id,
                village_name: village.name.clone(),
                confirmed: count,
                quota: village.quota(),
            });
        }
    }
    warnings.sort();
    warnings
}
