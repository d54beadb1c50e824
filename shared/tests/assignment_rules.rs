//! The seed's assignment rules, case by case.

use std::collections::BTreeSet;

use minqing_shared::Lang;
use minqing_shared::household::{Household, HouseholdStatus};
use minqing_shared::ids::{CadreId, CountyId, HouseholdId, UnitId, VillageId};
use minqing_shared::org::{Cadre, Role, Standing, Unit, UnitKind, Village};
use minqing_shared::rules::{HouseholdCounts, Roster, Warning, check_assignments};

struct County {
    units: Vec<Unit>,
    villages: Vec<Village>,
    cadres: Vec<Cadre>,
    households: Vec<Household>,
}

impl County {
    fn new() -> Self {
        Self { units: vec![], villages: vec![], cadres: vec![], households: vec![] }
    }
    fn unit(&mut self, name: &str, kind: UnitKind) -> UnitId {
        let id = UnitId::new();
        self.units.push(Unit { id, name: name.into(), kind, county_id: CountyId::new() });
        id
    }
    fn village(
        &mut self,
        name: &str,
        township: UnitId,
        population: u32,
        standing: Standing,
    ) -> VillageId {
        let id = VillageId::new();
        self.villages.push(Village {
            id,
            name: name.into(),
            township_id: township,
            population,
            standing,
        });
        id
    }
    fn cadre(&mut self, name: &str, unit: UnitId, role: Role, villages: &[VillageId]) -> CadreId {
        let id = CadreId::new();
        self.cadres.push(Cadre {
            id,
            username: name.into(),
            name: name.into(),
            unit_id: unit,
            role,
            phone: "13800000000".into(),
            title: String::new(),
            villages: villages.to_vec(),
        });
        id
    }
    fn households(
        &mut self,
        village: VillageId,
        cadre: CadreId,
        n: usize,
        status: HouseholdStatus,
    ) {
        for i in 0..n {
            self.households.push(Household {
                id: HouseholdId::new(),
                village_id: village,
                head_name: format!("户主{i}"),
                address: String::new(),
                phone: String::new(),
                kinds: BTreeSet::new(),
                cadre_id: Some(cadre),
                notes: String::new(),
                status,
                deleted: false,
                retirement: None,
            });
        }
    }
    fn warnings(&self) -> Vec<Warning> {
        check_assignments(Roster {
            units: &self.units,
            villages: &self.villages,
            cadres: &self.cadres,
            households: &HouseholdCounts::of(&self.households),
        })
    }
}

#[test]
fn a_county_that_follows_every_rule_gets_no_warning() {
    let mut c = County::new();
    let town = c.unit("城关镇", UnitKind::Township);
    let lagging = c.village("东关村", town, 480, Standing::Lagging);
    let middle = c.village("西关村", town, 800, Standing::Middle);
    let advanced = c.village("南关村", town, 1200, Standing::Advanced);
    let leader = c.cadre("张书记", town, Role::PrincipalLeader, &[lagging]);
    let mid = c.cadre("李主任", town, Role::MiddleLevel, &[middle]);
    let ord = c.cadre("王干事", town, Role::Ordinary, &[advanced]);
    c.households(lagging, leader, 10, HouseholdStatus::Filed);
    c.households(middle, mid, 15, HouseholdStatus::Confirmed);
    c.households(advanced, ord, 20, HouseholdStatus::Filed);
    let dept = c.unit("县水利局", UnitKind::CountyDepartment);
    let linked = c.village("北关村", town, 300, Standing::Middle);
    let head = c.cadre("赵局长", dept, Role::LeadershipMember, &[linked]);
    c.households(linked, head, 2, HouseholdStatus::Filed);
    assert_eq!(c.warnings(), vec![]);
}

#[test]
fn principal_leaders_take_lagging_villages_middle_cadres_middle_ordinary_advanced() {
    let mut c = County::new();
    let town = c.unit("城关镇", UnitKind::Township);
    let advanced = c.village("南关村", town, 1200, Standing::Advanced);
    let lagging = c.village("东关村", town, 480, Standing::Lagging);
    c.cadre("张书记", town, Role::PrincipalLeader, &[advanced]);
    c.cadre("王干事", town, Role::Ordinary, &[lagging]);
    let warnings = c.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.code() == "standing_mismatch"));
    let zh: Vec<String> = warnings.iter().map(|w| w.message(Lang::Zh)).collect();
    assert!(zh.iter().any(|m| m.contains("张书记") && m.contains("后进村")), "{zh:?}");
    assert!(zh.iter().any(|m| m.contains("王干事") && m.contains("先进村")), "{zh:?}");
}

#[test]
fn every_township_cadre_has_exactly_one_contact_village() {
    let mut c = County::new();
    let town = c.unit("城关镇", UnitKind::Township);
    let a = c.village("东关村", town, 480, Standing::Middle);
    let b = c.village("西关村", town, 480, Standing::Middle);
    let two = c.cadre("李主任", town, Role::MiddleLevel, &[a, b]);
    let none = c.cadre("刘主任", town, Role::MiddleLevel, &[]);
    let w = c.warnings();
    assert!(w.contains(&Warning::TownshipCadreVillages {
        cadre: two,
        cadre_name: "李主任".into(),
        villages: 2
    }));
    assert!(w.contains(&Warning::TownshipCadreVillages {
        cadre: none,
        cadre_name: "刘主任".into(),
        villages: 0
    }));
}

#[test]
fn a_county_department_links_one_village_and_its_leaders_two_households_each() {
    let mut c = County::new();
    let town = c.unit("城关镇", UnitKind::Township);
    let a = c.village("东关村", town, 480, Standing::Middle);
    let b = c.village("西关村", town, 480, Standing::Middle);
    let dept = c.unit("县教育局", UnitKind::CountyDepartment);
    let head = c.cadre("孙局长", dept, Role::LeadershipMember, &[a]);
    c.cadre("周科长", dept, Role::MiddleLevel, &[b]);
    c.households(a, head, 1, HouseholdStatus::Filed);
    let idle = c.unit("县档案局", UnitKind::CountyDepartment);
    let w = c.warnings();
    assert!(w.contains(&Warning::DepartmentVillages {
        unit: dept,
        unit_name: "县教育局".into(),
        villages: 2
    }));
    assert!(w.contains(&Warning::DepartmentVillages {
        unit: idle,
        unit_name: "县档案局".into(),
        villages: 0
    }));
    assert!(w.contains(&Warning::LeadershipHouseholds {
        cadre: head,
        cadre_name: "孙局长".into(),
        households: 1
    }));
}

#[test]
fn each_cadre_s_confirmed_households_stay_within_the_village_quota() {
    let mut c = County::new();
    let town = c.unit("城关镇", UnitKind::Township);
    // 499 people: a quota of 10. Proposed households do not count; tombstoned ones neither.
    let small = c.village("小庄村", town, 499, Standing::Advanced);
    let cadre = c.cadre("王干事", town, Role::Ordinary, &[small]);
    c.households(small, cadre, 10, HouseholdStatus::Confirmed);
    c.households(small, cadre, 5, HouseholdStatus::Proposed);
    assert_eq!(c.warnings(), vec![]);
    c.households(small, cadre, 1, HouseholdStatus::Filed);
    assert_eq!(
        c.warnings(),
        vec![Warning::QuotaExceeded {
            cadre,
            cadre_name: "王干事".into(),
            village: small,
            village_name: "小庄村".into(),
            confirmed: 11,
            quota: 10
        }]
    );
    c.households.last_mut().unwrap().deleted = true;
    assert_eq!(c.warnings(), vec![]);
    // A second cadre in the same village has a quota of their own.
    let other = c.cadre("刘干事", town, Role::Ordinary, &[small]);
    c.households(small, other, 10, HouseholdStatus::Filed);
    assert_eq!(c.warnings(), vec![]);
}
