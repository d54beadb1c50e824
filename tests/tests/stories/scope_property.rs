//! Each backend's pull-scope query is held to `minqing_shared::scope::sees`: for random small
//! cities (two counties, their townships, a department, villages, cadres, households placed
//! anywhere, and ops of every kind about them), every scope — each field cadre, each office, each
//! county — pulls exactly the ops the shared rule says it sees, and the office pages list exactly
//! the households it says it sees. On SQLite by default, on
//! PostgreSQL with `MINQING_TEST_POSTGRES`. Bounded: 12 cities (6 on PostgreSQL, where each
//! city is a database of its own).

use std::collections::BTreeSet;

use minqing_server::store::{Db, LogEntry, Scope};
use minqing_shared::concern::{Category, ConcernAction, Step};
use minqing_shared::ids::{
    CadreId, ConcernId, CountyId, DeviceId, HouseholdId, OpId, UnitId, VillageId, VisitId,
};
use minqing_shared::org::{Cadre, County, Role, Standing, Unit, UnitKind, Village};
use minqing_shared::scope::{Placement, Subject, sees};
use minqing_shared::sync::merge::HouseholdState;
use minqing_shared::sync::op::{
    CadreBody, HouseholdPatch, Payload, ReportBody, ReportStatus, UnitBody, VillageBody, VisitBody,
};
use minqing_shared::sync::{Hlc, Op, SCHEMA_VERSION, Stamp};
use minqing_shared::visit::VisitMode;
use minqing_tests::sql::{fresh_database, off_runtime, postgres_url};
use proptest::prelude::*;

/// A generated city: what each op is about, as scope sees it, and the op.
struct City {
    counties: Vec<CountyId>,
    units: Vec<Unit>,
    villages: Vec<Village>,
    cadres: Vec<Cadre>,
    ops: Vec<(Op, Subject, LogColumns)>,
}

#[derive(Clone, Copy)]
struct LogColumns {
    household: Option<HouseholdId>,
    unit: Option<UnitId>,
}

/// How a city is shaped: for each of 8 cadres, (unit index, field or office); for each of 10
/// households, (village index, cadre index or none).
type Shape = (Vec<(usize, bool)>, Vec<(usize, Option<usize>)>);

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec((0usize..6, any::<bool>()), 8),
        prop::collection::vec((0usize..6, prop::option::of(0usize..8)), 10),
    )
}

fn op(device: DeviceId, seq: u64, record: uuid::Uuid, payload: Payload) -> Op {
    Op {
        op_id: OpId::new(),
        device_id: device,
        device_seq: seq,
        record_id: record,
        schema_version: SCHEMA_VERSION,
        hlc: Hlc::from_ms(1_795_000_000_000 + seq as i64),
        payload,
    }
}

fn city((cadre_shape, household_shape): Shape) -> City {
    let counties = vec![CountyId::new(), CountyId::new()];
    // Per county: a township, another township, a department; the first county's org unit.
    let mut units = Vec::new();
    for (c, county) in counties.iter().enumerate() {
        for (name, kind) in [
            ("城关镇", UnitKind::Township),
            ("河西乡", UnitKind::Township),
            ("水利局", UnitKind::CountyDepartment),
        ] {
            units.push(Unit {
                id: UnitId::new(),
                name: format!("{name}{c}"),
                kind,
                county_id: *county,
            });
        }
    }
    // Six villages: two per township of each county.
    let townships: Vec<&Unit> = units.iter().filter(|u| u.kind == UnitKind::Township).collect();
    let villages: Vec<Village> = (0..6)
        .map(|i| Village {
            id: VillageId::new(),
            name: format!("村{i}"),
            township_id: townships[i % townships.len()].id,
            population: 800,
            standing: Standing::Middle,
        })
        .collect();
    let cadres: Vec<Cadre> = cadre_shape
        .iter()
        .enumerate()
        .map(|(i, (unit, field))| Cadre {
            id: CadreId::new(),
            username: format!("c{i}"),
            name: format!("干部{i}"),
            unit_id: units[*unit].id,
            role: if *field { Role::Ordinary } else { Role::Office },
            phone: String::new(),
            title: String::new(),
            villages: if *field { vec![villages[i % villages.len()].id] } else { vec![] },
        })
        .collect();
    let county_of = |unit: UnitId| units.iter().find(|u| u.id == unit).map(|u| u.county_id);
    let township_of = |v: VillageId| villages.iter().find(|x| x.id == v).map(|x| x.township_id);
    let device = DeviceId::new();
    let mut seq = 0;
    let mut next = |record: uuid::Uuid, payload: Payload| {
        seq += 1;
        op(device, seq, record, payload)
    };
    let mut ops = Vec::new();
    let none = LogColumns { household: None, unit: None };
    for u in &units {
        let body = UnitBody { name: u.name.clone(), kind: u.kind, county_id: Some(u.county_id) };
        let subject = Subject::Unit { id: u.id, county: u.county_id };
        ops.push((
            next(u.id.0, Payload::Unit(body)),
            subject,
            LogColumns { unit: Some(u.id), ..none },
        ));
        let report = ReportBody {
            unit_id: u.id,
            month: "2026-10".parse().unwrap(),
            status: ReportStatus::Draft,
            notes: String::new(),
            submitted_at: None,
            late: false,
        };
        let subject = Subject::AddressedTo { unit: u.id, county: u.county_id };
        let log = LogColumns { unit: Some(u.id), ..none };
        ops.push((next(uuid::Uuid::now_v7(), Payload::MonthlyReport(report)), subject, log));
    }
    for v in &villages {
        let body = VillageBody {
            name: v.name.clone(),
            township_id: v.township_id,
            population: v.population,
            standing: v.standing,
        };
        let county = county_of(v.township_id).unwrap();
        let subject = Subject::Village { id: v.id, township: v.township_id, county };
        let log = LogColumns { unit: Some(v.township_id), ..none };
        ops.push((next(v.id.0, Payload::Village(body)), subject, log));
    }
    for c in &cadres {
        let body = CadreBody {
            name: c.name.clone(),
            unit_id: c.unit_id,
            unit_name: String::new(),
            role: c.role,
            phone: String::new(),
            title: String::new(),
            villages: c.villages.clone(),
        };
        let county = county_of(c.unit_id).unwrap();
        let subject = Subject::Cadre { id: c.id, unit: c.unit_id, county };
        let log = LogColumns { unit: Some(c.unit_id), ..none };
        ops.push((next(c.id.0, Payload::Cadre(body)), subject, log));
    }
    for (village, cadre) in household_shape {
        let id = HouseholdId::new();
        let village = villages[village].id;
        let cadre = cadre.map(|c| &cadres[c]);
        let township = township_of(village);
        let at = Placement {
            county: township.and_then(county_of),
            township,
            cadre: cadre.map(|c| c.id),
            cadre_unit: cadre.map(|c| c.unit_id),
        };
        let log = LogColumns { household: Some(id), ..none };
        let patch = HouseholdPatch {
            village_id: Some(village),
            head_name: Some("户主".into()),
            cadre_id: Some(cadre.map(|c| c.id)),
            ..Default::default()
        };
        ops.push((next(id.0, Payload::Household(patch)), Subject::Household(at), log));
        let visit = VisitBody {
            photos: Vec::new(),
            household_id: id,
            cadre_id: cadre.map_or(CadreId::new(), |c| c.id),
            visited_at: "2026-11-20T02:00:00Z".parse().unwrap(),
            mode: VisitMode::InPerson,
            topics: vec![],
            policies: String::new(),
            summary: "走访".into(),
            gps: None,
            no_fix: None,
        };
        ops.push((next(VisitId::new().0, Payload::Visit(visit)), Subject::Household(at), log));
        let step = Step {
            actor: cadre.map_or(CadreId::new(), |c| c.id),
            at: "2026-11-20T02:00:00Z".parse().unwrap(),
            action: ConcernAction::Raise {
                photos: Vec::new(),
                household_id: id,
                visit_id: None,
                category: Category::Roads,
                description: "修路".into(),
            },
        };
        ops.push((next(ConcernId::new().0, Payload::Concern(step)), Subject::Household(at), log));
    }
    City { counties, units, villages, cadres, ops }
}

/// Writes the city straight into a fresh database (the placements are arbitrary: no checks).
fn store(city: &City) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&fresh_database(dir.path())).unwrap();
    db.write(|tx| {
        for (i, c) in city.counties.iter().enumerate() {
            tx.put_county(&County { id: *c, name: format!("县{i}") })?;
        }
        for u in &city.units {
            tx.put_unit(u)?;
        }
        for v in &city.villages {
            tx.put_village(v)?;
        }
        for c in &city.cadres {
            tx.put_cadre(c, None)?;
        }
        let mut households = Vec::new();
        for (op, _, _) in &city.ops {
            if let Payload::Household(patch) = &op.payload {
                let mut state = HouseholdState::new(HouseholdId(op.record_id));
                state.apply(Stamp { hlc: op.hlc, device: op.device_id }, patch);
                households.push(state);
            }
        }
        tx.put_households(&households.iter().collect::<Vec<_>>())?;
        let bodies: Vec<String> =
            city.ops.iter().map(|(op, ..)| serde_json::to_string(op).unwrap()).collect();
        let entries: Vec<LogEntry<'_>> = city
            .ops
            .iter()
            .zip(&bodies)
            .map(|((op, _, log), body)| LogEntry {
                op,
                body,
                household_id: log.household,
                unit_id: log.unit,
            })
            .collect();
        tx.append_ops(&entries, 0)
    })
    .unwrap();
    (dir, db)
}

fn scopes(city: &City) -> Vec<(Scope, Vec<VillageId>)> {
    let mut out: Vec<(Scope, Vec<VillageId>)> =
        city.counties.iter().map(|c| (Scope::County(*c), vec![])).collect();
    out.extend(city.units.iter().map(|u| (Scope::Unit(u.id), vec![])));
    out.extend(
        city.cadres
            .iter()
            .filter(|c| c.role.visits_households())
            .map(|c| (Scope::Cadre { cadre: c.id, unit: c.unit_id }, c.villages.clone())),
    );
    out
}

fn check(city: City) {
    let (_dir, db) = store(&city);
    for (scope, villages) in scopes(&city) {
        let pulled: BTreeSet<OpId> = db
            .read(|tx| tx.changes_since(scope, 0, 100_000, None))
            .unwrap()
            .into_iter()
            .map(|c| c.op.op_id)
            .collect();
        let expected: BTreeSet<OpId> = city
            .ops
            .iter()
            .filter(|(_, subject, _)| sees(scope, subject, &villages))
            .map(|(op, _, _)| op.op_id)
            .collect();
        assert_eq!(pulled, expected, "{scope:?} on {}", db.backend());
        // The office pages' reading of the same rule.
        let listed: BTreeSet<HouseholdId> = db
            .read(|tx| tx.scope_households(scope))
            .unwrap()
            .into_iter()
            .map(|r| r.household.id)
            .collect();
        let seen: BTreeSet<HouseholdId> = city
            .ops
            .iter()
            .filter(|(op, subject, _)| {
                matches!(op.payload, Payload::Household(_)) && sees(scope, subject, &villages)
            })
            .map(|(op, _, _)| HouseholdId(op.record_id))
            .collect();
        assert_eq!(listed, seen, "office pages of {scope:?} on {}", db.backend());
    }
}

fn cases() -> u32 {
    if postgres_url().is_some() { 6 } else { 12 }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_scope_pulls_exactly_what_the_shared_rule_says(s in shape()) {
        off_runtime(|| check(city(s)));
    }
}
