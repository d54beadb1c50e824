//! Planning an import: the roster's rows compared with the database by natural keys (unit
//! name; township + village name; username; village + head + phone), giving for each row what
//! would be created or changed, and every problem. Pure: the same plan for a dry run and for
//! the real run (which plans again inside its write transaction).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use minqing_shared::household::Household;
use minqing_shared::ids::{CadreId, CountyId, HouseholdId, UnitId, VillageId};
use minqing_shared::label::{Label, Lang};
use minqing_shared::org::{Cadre, Unit, UnitKind, Village};
use minqing_shared::rules::{HouseholdCounts, Roster as RuleRoster, Warning, check_assignments};
use minqing_shared::sync::op::HouseholdPatch;

use super::roster::{At, Problem, Roster};
use crate::store::{StoreResult, Tx};

/// What the database holds now.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The county imported into.
    pub county: CountyId,
    /// Its units.
    pub units: Vec<Unit>,
    /// Its townships' villages.
    pub villages: Vec<Village>,
    /// Its units' cadres.
    pub cadres: Vec<Cadre>,
    /// Live households of its villages.
    pub households: Vec<Household>,
    /// The login names and phones of other counties' accounts (each is one person's).
    pub elsewhere: Vec<(String, String)>,
}

impl Snapshot {
    /// Reads the county `county` in `tx`.
    pub fn read(tx: &mut Tx<'_>, county: CountyId) -> StoreResult<Self> {
        let units: Vec<Unit> =
            tx.all_units()?.into_iter().filter(|u| u.county_id == county).collect();
        let ours = |u: &UnitId| units.iter().any(|x| x.id == *u);
        let villages: Vec<Village> =
            tx.all_villages()?.into_iter().filter(|v| ours(&v.township_id)).collect();
        let (cadres, others): (Vec<Cadre>, Vec<Cadre>) =
            tx.all_cadres()?.into_iter().partition(|c| ours(&c.unit_id));
        let households = tx
            .scope_households(minqing_shared::scope::Scope::County(county))?
            .into_iter()
            .map(|r| r.household)
            .collect();
        let elsewhere = others.into_iter().map(|c| (c.username, c.phone)).collect();
        Ok(Self { county, units, villages, cadres, households, elsewhere })
    }
}

/// What a row does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new record.
    Create,
    /// These fields change.
    Update(Vec<&'static str>),
    /// Nothing changes.
    Same,
}

/// One planned row.
#[derive(Clone, Debug)]
pub struct Step<T> {
    pub at: At,
    pub record: T,
    pub action: Action,
}

/// A household to write: its id, the fields to set, and a label for the report.
#[derive(Clone, Debug)]
pub struct HouseholdWrite {
    pub id: HouseholdId,
    pub patch: HouseholdPatch,
    pub label: String,
}

/// The whole plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub units: Vec<Step<Unit>>,
    pub villages: Vec<Step<Village>>,
    pub cadres: Vec<Step<Cadre>>,
    pub households: Vec<Step<HouseholdWrite>>,
    /// Errors: any one stops the import.
    pub problems: Vec<Problem>,
    /// Assignment rules not met (they warn; an office may accept them with a reason).
    pub warnings: Vec<String>,
}

impl Plan {
    /// How many rows create, change, and leave alone.
    pub fn counts(&self) -> (usize, usize, usize) {
        let actions = self
            .units
            .iter()
            .map(|s| &s.action)
            .chain(self.villages.iter().map(|s| &s.action))
            .chain(self.cadres.iter().map(|s| &s.action))
            .chain(self.households.iter().map(|s| &s.action));
        let mut c = (0, 0, 0);
        for a in actions {
            match a {
                Action::Create => c.0 += 1,
                Action::Update(_) => c.1 += 1,
                Action::Same => c.2 += 1,
            }
        }
        c
    }
}

fn problem(p: &mut Vec<Problem>, at: &At, message: String) {
    p.push(Problem { at: at.to_string(), message });
}

/// Resolves a village reference (`乡镇/村名`, or a village name unique in the county).
fn find_village(
    villages: &[Village],
    units: &HashMap<UnitId, Unit>,
    township: &str,
    name: &str,
) -> Result<VillageId, String> {
    let (township, name) = match name.split_once(['/', '／']) {
        Some((t, v)) => (t.trim(), v.trim()),
        None => (township.trim(), name.trim()),
    };
    let found: Vec<&Village> = villages
        .iter()
        .filter(|v| v.name == name)
        .filter(|v| {
            township.is_empty() || units.get(&v.township_id).is_some_and(|u| u.name == township)
        })
        .collect();
    match found.as_slice() {
        [v] => Ok(v.id),
        [] => Err(format!(
            "没有村「{township}{}{name}」 (unknown village)",
            if township.is_empty() { "" } else { "/" }
        )),
        _ => Err(format!("村名「{name}」不唯一，请写成「乡镇/村名」 (ambiguous village)")),
    }
}

/// Plans `roster` over `snap`.
pub fn plan(snap: &Snapshot, roster: &Roster) -> Plan {
    let mut plan = Plan::default();
    let p = &mut plan.problems;

    // Units, by name.
    let mut units: HashMap<UnitId, Unit> = snap.units.iter().map(|u| (u.id, u.clone())).collect();
    let mut seen = BTreeSet::new();
    for row in &roster.units {
        if !seen.insert(row.name.clone()) {
            problem(p, &row.at, format!("单位「{}」重复 (duplicate unit)", row.name));
            continue;
        }
        let existing = snap.units.iter().find(|u| u.name == row.name);
        let (id, action) = match existing {
            Some(u) if u.kind == row.kind => (u.id, Action::Same),
            Some(u) => (u.id, Action::Update(vec!["单位类别"])),
            None => (UnitId::new(), Action::Create),
        };
        let record = Unit { id, name: row.name.clone(), kind: row.kind, county_id: snap.county };
        units.insert(id, record.clone());
        plan.units.push(Step { at: row.at.clone(), record, action });
    }
    let unit_named = |name: &str| units.values().find(|u| u.name == name).cloned();

    // Villages, by township and name.
    let mut villages: Vec<Village> = snap.villages.clone();
    let mut seen = BTreeSet::new();
    for row in &roster.villages {
        let Some(township) = unit_named(&row.township).filter(|u| u.kind == UnitKind::Township)
        else {
            problem(p, &row.at, format!("没有乡镇「{}」 (unknown township)", row.township));
            continue;
        };
        if !seen.insert((township.id, row.name.clone())) {
            problem(
                p,
                &row.at,
                format!("村「{}/{}」重复 (duplicate village)", row.township, row.name),
            );
            continue;
        }
        let existing =
            villages.iter().position(|v| v.township_id == township.id && v.name == row.name);
        let mut record = Village {
            id: VillageId::new(),
            name: row.name.clone(),
            township_id: township.id,
            population: row.population,
            standing: row.standing,
        };
        let action = match existing {
            Some(i) => {
                let old = &villages[i];
                record.id = old.id;
                let mut fields = Vec::new();
                if old.population != row.population {
                    fields.push("人口");
                }
                if old.standing != row.standing {
                    fields.push("村类别");
                }
                villages[i] = record.clone();
                if fields.is_empty() { Action::Same } else { Action::Update(fields) }
            }
            None => {
                villages.push(record.clone());
                Action::Create
            }
        };
        plan.villages.push(Step { at: row.at.clone(), record, action });
    }

    // Cadres, by username; a phone belongs to one account.
    let mut cadres: Vec<Cadre> = snap.cadres.clone();
    let mut usernames = BTreeSet::new();
    let mut phones: BTreeMap<String, String> = BTreeMap::new();
    for row in &roster.cadres {
        let Some(unit) = unit_named(&row.unit) else {
            problem(p, &row.at, format!("没有单位「{}」 (unknown unit)", row.unit));
            continue;
        };
        if !usernames.insert(row.username.clone()) {
            problem(p, &row.at, format!("用户名「{}」重复 (duplicate username)", row.username));
            continue;
        }
        if snap.elsewhere.iter().any(|(u, _)| *u == row.username) {
            let text =
                format!("用户名「{}」已被其他县使用 (username taken elsewhere)", row.username);
            problem(p, &row.at, text);
            continue;
        }
        let other_in_file = phones.insert(row.phone.clone(), row.username.clone());
        let other_in_db = snap
            .cadres
            .iter()
            .filter(|c| c.username != row.username)
            .map(|c| (c.username.clone(), c.phone.clone()))
            .chain(snap.elsewhere.iter().cloned())
            .find(|(_, phone)| *phone == row.phone);
        if let Some(other) = other_in_file.or_else(|| other_in_db.map(|(u, _)| u)) {
            problem(
                p,
                &row.at,
                format!("手机「{}」与用户「{other}」重复 (duplicate phone)", row.phone),
            );
            continue;
        }
        let mut village_ids = Vec::new();
        for v in &row.villages {
            match find_village(&villages, &units, "", v) {
                Ok(id) => village_ids.push(id),
                Err(e) => problem(p, &row.at, format!("联系村：{e}")),
            }
        }
        let existing = cadres.iter().position(|c| c.username == row.username);
        let mut record = Cadre {
            id: CadreId::new(),
            username: row.username.clone(),
            name: row.name.clone(),
            unit_id: unit.id,
            role: row.role,
            phone: row.phone.clone(),
            title: row.title.clone(),
            villages: village_ids,
        };
        let action = match existing {
            Some(i) => {
                let old = &cadres[i];
                record.id = old.id;
                let checks = [
                    (old.name != record.name, "姓名"),
                    (old.unit_id != record.unit_id, "单位"),
                    (old.role != record.role, "职务类别"),
                    (old.phone != record.phone, "手机"),
                    (old.title != record.title, "职务"),
                    (old.villages != record.villages, "联系村"),
                ];
                let fields: Vec<&str> = checks.iter().filter(|c| c.0).map(|c| c.1).collect();
                cadres[i] = record.clone();
                if fields.is_empty() { Action::Same } else { Action::Update(fields) }
            }
            None => {
                cadres.push(record.clone());
                Action::Create
            }
        };
        plan.cadres.push(Step { at: row.at.clone(), record, action });
    }

    // Households, by village, head and phone.
    let mut households: Vec<Household> = snap.households.clone();
    let mut seen = BTreeSet::new();
    for row in &roster.households {
        let village = match find_village(&villages, &units, &row.township, &row.village) {
            Ok(v) => v,
            Err(e) => {
                problem(p, &row.at, e);
                continue;
            }
        };
        let cadre = if row.cadre.is_empty() {
            None
        } else {
            let by_name: Vec<&Cadre> = cadres.iter().filter(|c| c.name == row.cadre).collect();
            let found = cadres
                .iter()
                .find(|c| c.username == row.cadre)
                .or_else(|| cadres.iter().find(|c| c.phone == row.cadre))
                .or(if by_name.len() == 1 { Some(by_name[0]) } else { None });
            match found {
                Some(c) if c.role.visits_households() => Some(c.id),
                Some(c) => {
                    let role = c.role.zh();
                    problem(
                        p,
                        &row.at,
                        format!(
                            "联系干部「{}」是{role}，不走访联系户 (not a field cadre)",
                            row.cadre
                        ),
                    );
                    continue;
                }
                None => {
                    problem(p, &row.at, format!("没有联系干部「{}」 (unknown cadre)", row.cadre));
                    continue;
                }
            }
        };
        if !seen.insert((village, row.head.clone(), row.phone.clone())) {
            problem(
                p,
                &row.at,
                format!("联系户「{} {}」重复 (duplicate household)", row.head, row.phone),
            );
            continue;
        }
        let label = format!("{} {}", row.village, row.head);
        let existing = households.iter().position(|h| {
            h.village_id == village && h.head_name == row.head && h.phone == row.phone
        });
        let kinds: BTreeSet<_> = row.kinds.iter().copied().collect();
        let (write, action) = match existing {
            Some(i) => {
                // Empty cells leave what phones and offices recorded alone; status only moves on.
                let h = &mut households[i];
                let mut patch = HouseholdPatch::default();
                let mut fields = Vec::new();
                if !row.address.is_empty() && row.address != h.address {
                    patch.address = Some(row.address.clone());
                    h.address = row.address.clone();
                    fields.push("地址");
                }
                if !kinds.is_empty() && kinds != h.kinds {
                    patch.kinds = Some(row.kinds.clone());
                    h.kinds = kinds;
                    fields.push("类别");
                }
                if cadre.is_some() && cadre != h.cadre_id {
                    patch.cadre_id = Some(cadre);
                    h.cadre_id = cadre;
                    fields.push("联系干部");
                }
                if row.status > h.status {
                    patch.status = Some(row.status);
                    h.status = row.status;
                    fields.push("状态");
                }
                if !row.notes.is_empty() && row.notes != h.notes {
                    patch.notes = Some(row.notes.clone());
                    h.notes = row.notes.clone();
                    fields.push("备注");
                }
                let action = if fields.is_empty() { Action::Same } else { Action::Update(fields) };
                (HouseholdWrite { id: h.id, patch, label }, action)
            }
            None => {
                let id = HouseholdId::new();
                let patch = HouseholdPatch {
                    village_id: Some(village),
                    head_name: Some(row.head.clone()),
                    address: Some(row.address.clone()),
                    phone: Some(row.phone.clone()),
                    kinds: Some(row.kinds.clone()),
                    cadre_id: Some(cadre),
                    notes: Some(row.notes.clone()),
                    status: Some(row.status),
                    deleted: None,
                    retirement: None,
                };
                households.push(Household {
                    id,
                    village_id: village,
                    head_name: row.head.clone(),
                    address: row.address.clone(),
                    phone: row.phone.clone(),
                    kinds,
                    cadre_id: cadre,
                    notes: row.notes.clone(),
                    status: row.status,
                    deleted: false,
                    retirement: None,
                });
                (HouseholdWrite { id, patch, label }, Action::Create)
            }
        };
        plan.households.push(Step { at: row.at.clone(), record: write, action });
    }

    // The seed's rules over the county as it would be: a quota exceeded stops the import; the
    // other rules warn.
    let rule_units: Vec<Unit> = units.values().cloned().collect();
    let rule_villages: Vec<Village> = villages.to_vec();
    let rule_cadres: Vec<Cadre> = cadres.to_vec();
    let warnings = check_assignments(RuleRoster {
        units: &rule_units,
        villages: &rule_villages,
        cadres: &rule_cadres,
        households: &HouseholdCounts::of(&households),
    });
    let households_sheet =
        roster.households.first().map(|h| h.at.source.clone()).unwrap_or_default();
    for w in warnings {
        let message = format!("{} ({})", w.message(Lang::Zh), w.message(Lang::En));
        if matches!(w, Warning::QuotaExceeded { .. }) {
            p.push(Problem {
                at: households_sheet.clone(),
                message: format!("超过联系户定额：{message}"),
            });
        } else {
            plan.warnings.push(message);
        }
    }
    plan
}
