//! The demo county, small: generated through the sync checks with nothing refused, every
//! category and state present, the logins working, the seed's rules met, deterministic, and
//! generated only once.

use std::collections::BTreeSet;

use minqing_shared::household::Household;
use minqing_shared::ids::{CadreId, DeviceId, UnitId};
use minqing_shared::org::{Cadre, Role, Unit, UnitKind, Village};
use minqing_shared::rules::{HouseholdCounts, Roster, check_assignments};
use minqing_shared::sync::HouseholdState;
use minqing_shared::sync::op::{Payload, RecordType, UnitBody};
use rusqlite::Connection;

use minqing_shared::clock::{ShiftedClock, china_time};

use super::*;
use crate::store::{Db, Scope};
use crate::sync::Author;

/// A Wednesday noon in China: nowhere near a week's, a month's or a quarter's turn.
fn wednesday_noon() -> chrono::DateTime<chrono::Utc> {
    china_time(2026, 11, 25, 12, 0)
}

fn open_at(
    dir: &tempfile::TempDir,
    name: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> (AppState, String) {
    let path = dir.path().join(name).to_str().unwrap().to_owned();
    let db = Db::open(&format!("sqlite://{path}")).unwrap();
    let state = AppState::with_clock(db, std::sync::Arc::new(ShiftedClock::at(at))).unwrap();
    (state, path)
}

fn open(dir: &tempfile::TempDir, name: &str) -> (AppState, String) {
    open_at(dir, name, wednesday_noon())
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_small_county_has_every_category_and_state_and_nothing_was_refused() {
    a_small_county_at(wednesday_noon());
}

/// The same county generated at the calendar's turns: Monday just after midnight, the 3rd and
/// the 4th around midnight (reports due), New Year's Eve and Day, a month end.
#[test]
fn the_demo_county_holds_at_the_calendar_s_turns() {
    for at in [
        china_time(2026, 11, 30, 0, 30),
        china_time(2026, 12, 3, 23, 59),
        china_time(2026, 12, 4, 0, 1),
        china_time(2026, 12, 31, 23, 59),
        china_time(2027, 1, 1, 0, 30),
        china_time(2027, 3, 31, 12, 0),
    ] {
        a_small_county_at(at);
    }
}

fn a_small_county_at(at: chrono::DateTime<chrono::Utc>) {
    let dir = tempfile::tempdir().unwrap();
    let (state, path) = open_at(&dir, "demo.db", at);
    let s = generate(&state, &DemoSpec::small()).unwrap();
    assert_eq!((s.townships, s.departments, s.villages, s.cadres), (2, 1, 6, 15));
    assert_eq!(s.households, 200, "{}", s.text());
    assert!(s.visits > 800 && s.concerns >= 40, "{}", s.text());

    let db = Connection::open(&path).unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM quarantine"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM households") as usize, s.households);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM visits") as usize, s.visits + s.calls);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM concerns") as usize, s.concerns);
    assert_eq!(count(&db, "SELECT MAX(server_seq) FROM ops") as u64, s.ops);
    // Every township and department reported each month: submitted, filed, some late.
    let reports = "SELECT COUNT(DISTINCT record_id) FROM ops WHERE record_type = 'monthly_report'";
    assert_eq!(count(&db, reports) as usize, s.reports);
    let units = (s.townships + s.departments) as i64;
    assert!(s.reports as i64 >= 2 * units, "{}", s.text());
    let filed = "SELECT COUNT(*) FROM ops WHERE record_type = 'monthly_report' \
                 AND body LIKE '%\"status\":\"filed\"%'";
    assert!(count(&db, filed) >= units, "{}", s.text());
    // Late exactly when submitted after the 3rd of the next month; none for this month yet.
    let bodies = strings(&db, "SELECT body FROM ops WHERE record_type = 'monthly_report'");
    for json in bodies {
        let op: minqing_shared::sync::Op = serde_json::from_str(&json).unwrap();
        let minqing_shared::sync::Payload::MonthlyReport(r) = op.payload else { panic!("{json}") };
        let day = minqing_shared::calendar::china_date(r.submitted_at.unwrap());
        assert_eq!(r.late, minqing_shared::calendar::is_report_late(r.month, day), "{json}");
        assert!(r.month < minqing_shared::calendar::YearMonth::of(s.today), "{json}");
    }
    // Every step applied where it fell.
    let anomalies = "SELECT COUNT(*) FROM concerns WHERE state NOT LIKE '%\"anomalies\":[]%'";
    assert_eq!(count(&db, anomalies), 0);

    let categories: BTreeSet<String> =
        strings(&db, "SELECT DISTINCT category FROM concerns").into_iter().collect();
    for c in Category::ALL {
        assert!(categories.contains(c.code()), "no concern of category {c:?}");
    }
    let statuses: BTreeSet<String> =
        strings(&db, "SELECT DISTINCT status FROM concerns").into_iter().collect();
    for st in ConcernStatus::ALL.iter().filter(|s| **s != ConcernStatus::Overdue) {
        assert!(statuses.contains(st.code()), "no concern in state {st:?}");
    }
    let overdue = format!(
        "SELECT COUNT(*) FROM concerns WHERE status = 'assigned' AND deadline < '{}'",
        s.today
    );
    assert!(count(&db, &overdue) > 0, "no overdue concern");
    assert!(count(&db, "SELECT COUNT(*) FROM concerns WHERE on_ledger = 1") > 0);
    let supervision = "SELECT COUNT(*) FROM concerns WHERE state LIKE '%\"kind\":\"inquiry\"%'";
    assert!(count(&db, supervision) > 0, "no supervision records");
    let calls = "SELECT COUNT(*) FROM visits WHERE mode = 'phone_from_household'";
    assert_eq!(count(&db, calls) as usize, s.calls);
    let statuses = strings(&db, "SELECT DISTINCT status FROM households ORDER BY status");
    assert_eq!(statuses, ["confirmed", "filed", "proposed"]);
}

#[test]
fn the_demo_logins_work_and_demo_cadre_has_a_living_week() {
    let dir = tempfile::tempdir().unwrap();
    let (state, path) = open(&dir, "demo.db");
    let s = generate(&state, &DemoSpec::small()).unwrap();
    let (cadre, office, org, org_kind, changes) = state
        .db()
        .read(|tx| {
            let cadre = tx.account_by_username("demo-cadre")?.unwrap();
            let office = tx.account_by_username("demo-office")?.unwrap();
            let org = tx.account_by_username("demo-org")?.unwrap();
            let org_kind = tx.unit(org.cadre.unit_id)?.unwrap().kind;
            let scope = Scope::Cadre { cadre: cadre.cadre.id, unit: cadre.cadre.unit_id };
            let (changes, _, _) = crate::sync::pull(tx, scope, 0, 1000, DeviceId::new())?;
            Ok::<_, StoreError>((cadre, office, org, org_kind, changes))
        })
        .unwrap();
    for account in [&cadre, &office, &org] {
        assert!(crate::password::verify_password(DEMO_PASSWORD, &account.password_hash));
        assert!(!account.disabled);
    }
    assert_eq!(cadre.cadre.role, Role::Ordinary);
    assert_eq!(cadre.cadre.villages.len(), 1);
    assert_eq!(office.cadre.role, Role::Office);
    assert_eq!(office.cadre.unit_id, cadre.cadre.unit_id);
    assert_eq!(org.cadre.role, Role::OrganizationDept);
    assert_eq!(org_kind, UnitKind::OrganizationDepartment);

    // demo-cadre's phone pulls its profile, unit, village, households, visits and concerns.
    let types: BTreeSet<RecordType> = changes.iter().map(|c| c.op.record_type()).collect();
    for t in [RecordType::Cadre, RecordType::Unit, RecordType::Village, RecordType::Household] {
        assert!(types.contains(&t), "demo-cadre does not pull {t:?}");
    }
    assert!(types.contains(&RecordType::Visit) && types.contains(&RecordType::Concern));

    let db = Connection::open(&path).unwrap();
    let id = cadre.cadre.id;
    let households =
        count(&db, &format!("SELECT COUNT(*) FROM households WHERE cadre_id = '{id}'"));
    assert!(households >= 10, "demo-cadre has {households} households");
    let monday = rng::china_ms(VisitWeek::of(s.today).monday(), 0);
    let last_visits = format!(
        "SELECT MAX(visited_ms) FROM visits WHERE cadre_id = '{id}' AND mode = 'in_person' \
         GROUP BY household_id"
    );
    let mut stmt = db.prepare(&last_visits).unwrap();
    let last: Vec<i64> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let overdue = last.iter().filter(|t| **t < monday - 7 * rng::DAY).count();
    assert!(overdue >= 2, "demo-cadre has {overdue} households unvisited for 2+ weeks");
    let due = last.iter().filter(|t| **t < monday).count();
    assert!(due > overdue, "demo-cadre has only overdue households due");
    // A Wednesday noon: demo-cadre has been out this week.
    assert!(last.iter().any(|t| *t >= monday), "demo-cadre visited nobody this week");
    let mine = format!(
        "SELECT DISTINCT c.status FROM concerns c JOIN households h ON h.id = c.household_id \
         WHERE h.cadre_id = '{id}'"
    );
    let statuses: BTreeSet<String> = strings(&db, &mine).into_iter().collect();
    assert_eq!(statuses.len(), 6, "demo-cadre's concerns are in {statuses:?}");
}

#[test]
fn the_seeds_assignment_rules_hold() {
    let dir = tempfile::tempdir().unwrap();
    let (state, path) = open(&dir, "demo.db");
    generate(&state, &DemoSpec::small()).unwrap();
    let db = Connection::open(&path).unwrap();
    let units: Vec<Unit> = db
        .prepare("SELECT id, name, kind, county_id FROM units")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })
        .unwrap()
        .map(|r| {
            let (id, name, kind, county) = r.unwrap();
            Unit {
                id: id.parse().unwrap(),
                name,
                kind: UnitKind::from_code(&kind).unwrap(),
                county_id: county.parse().unwrap(),
            }
        })
        .collect();
    let villages: Vec<Village> = db
        .prepare("SELECT id, name, township_id, population, standing FROM villages")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get::<_, String>(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .unwrap()
        .map(|r| {
            let (id, name, township, population, standing) = r.unwrap();
            Village {
                id: id.parse().unwrap(),
                name,
                township_id: township.parse().unwrap(),
                population,
                standing: minqing_shared::org::Standing::from_code(&standing).unwrap(),
            }
        })
        .collect();
    let cadres: Vec<Cadre> = db
        .prepare("SELECT id, name, unit_id, role, phone, title, villages FROM cadres")
        .unwrap()
        .query_map([], |r| {
            let strings: Vec<String> = (0..7).map(|i| r.get(i)).collect::<Result<_, _>>()?;
            Ok(strings)
        })
        .unwrap()
        .map(|r| {
            let c = r.unwrap();
            Cadre {
                id: c[0].parse::<CadreId>().unwrap(),
                username: String::new(),
                name: c[1].clone(),
                unit_id: c[2].parse::<UnitId>().unwrap(),
                role: Role::from_code(&c[3]).unwrap(),
                phone: c[4].clone(),
                title: c[5].clone(),
                villages: serde_json::from_str(&c[6]).unwrap(),
            }
        })
        .collect();
    let households: Vec<Household> = strings(&db, "SELECT state FROM households")
        .iter()
        .map(|s| serde_json::from_str::<HouseholdState>(s).unwrap().household().unwrap())
        .collect();
    let roster = Roster {
        units: &units,
        villages: &villages,
        cadres: &cadres,
        households: &HouseholdCounts::of(&households),
    };
    assert_eq!(check_assignments(roster), vec![]);
    let quotas: BTreeSet<u32> = villages.iter().map(Village::quota).collect();
    assert_eq!(quotas, BTreeSet::from([10, 15, 20]), "every quota is exercised");
}

#[test]
fn the_same_day_gives_the_same_county() {
    let dir = tempfile::tempdir().unwrap();
    let now = wednesday_noon().timestamp_millis();
    let (a, path_a) = open(&dir, "a.db");
    let (b, path_b) = open(&dir, "b.db");
    let sa = generate_at(&a, &DemoSpec::small(), now).unwrap();
    let sb = generate_at(&b, &DemoSpec::small(), now).unwrap();
    assert!(sa.same_county(&sb), "{}\n{}", sa.text(), sb.text());
    let (da, db) = (Connection::open(&path_a).unwrap(), Connection::open(&path_b).unwrap());
    for sql in [
        "SELECT id || head_name || cadre_id || status FROM households ORDER BY id",
        "SELECT id || visited_ms || body FROM visits ORDER BY id",
        "SELECT id || category || status FROM concerns ORDER BY id",
        "SELECT username || name || title || phone FROM cadres ORDER BY username",
    ] {
        assert_eq!(strings(&da, sql), strings(&db, sql), "{sql}");
    }
}

#[test]
fn a_second_run_changes_nothing_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (state, path) = open(&dir, "demo.db");
    let first = ensure_demo_with(&state, &DemoSpec::small()).unwrap();
    assert!(first.starts_with("Demo county as of"), "{first}");
    let seq = state.db().read(|tx| tx.last_seq()).unwrap();
    let second = ensure_demo_with(&state, &DemoSpec::small()).unwrap();
    assert!(second.starts_with("Already in place."), "{second}");
    drop(state);
    let restarted = AppState::new(Db::open(&format!("sqlite://{path}")).unwrap()).unwrap();
    let again = ensure_demo_with(&restarted, &DemoSpec::small()).unwrap();
    assert!(again.starts_with("Already in place."), "{again}");
    assert!(generate(&restarted, &DemoSpec::small()).is_ok());
    assert_eq!(restarted.db().read(|tx| tx.last_seq()).unwrap(), seq);
}

#[test]
fn a_database_with_other_data_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = open(&dir, "other.db");
    let org = Author {
        device_id: state.server_device().id,
        cadre_id: CadreId::new(),
        role: Role::OrganizationDept,
        unit_id: UnitId::new(),
        unit_kind: UnitKind::OrganizationDepartment,
        county_id: minqing_shared::ids::CountyId::new(),
    };
    state
        .db()
        .write(|tx| {
            tx.put_county(&minqing_shared::org::County {
                id: org.county_id, name: "别县".into()
            })?;
            let body =
                UnitBody { name: "城关镇".into(), kind: UnitKind::Township, county_id: None };
            let id = UnitId::new().0;
            let done =
                state.server_device().act(tx, &org, id, Payload::Unit(body), state.now_ms())?;
            assert!(done.is_ok());
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let text = ensure_demo_with(&state, &DemoSpec::small()).unwrap();
    assert!(text.contains("not generated"), "{text}");
    assert!(generate(&state, &DemoSpec::small()).is_err());
    assert_eq!(state.db().read(|tx| tx.last_seq()).unwrap(), 1);
}

#[test]
fn a_city_of_two_counties_keeps_each_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = open(&dir, "city.db");
    let text = ensure_demo_counties(&state, &DemoSpec::small(), 2).unwrap();
    assert!(text.starts_with("Demo city of 2 counties"), "{text}");
    let (first, second, theirs) = state
        .db()
        .read(|tx| {
            let first = tx.account_by_username("demo-org")?.unwrap();
            let second = tx.account_by_username("x02-demo-org")?.unwrap();
            let county = |a: &crate::store::Account, tx: &mut crate::store::Tx<'_>| {
                tx.unit(a.cadre.unit_id).map(|u| u.unwrap().county_id)
            };
            let (c1, c2) = (county(&first, tx)?, county(&second, tx)?);
            let theirs = tx.scope_households(Scope::County(c2))?;
            let mine = tx.scope_households(Scope::County(c1))?;
            assert!(mine.iter().all(|r| !theirs.iter().any(|t| t.household.id == r.household.id)));
            let names: Vec<String> = tx.counties()?.into_iter().map(|c| c.name).collect();
            assert_eq!(names.len(), 2);
            assert!(names.contains(&"示范县".to_owned()) && names.contains(&"示范二县".to_owned()));
            Ok::<_, StoreError>((c1, c2, theirs.len()))
        })
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(theirs, 200, "each county has its own households");
}
