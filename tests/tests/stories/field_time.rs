//! When a visit happened (issue 14, item 1): the cadre dates a visit within this week or last,
//! never later than now; the week it counts for follows; a phone whose clock ran a day fast
//! while it recorded loses nothing — its stamps are corrected by the offset the server's time
//! shows — and what cannot be explained stays in front of the cadre.

use std::sync::Arc;

use chrono::Duration;
use minqing_mobile::Store;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
use minqing_mobile::sync::SyncEngine;
use minqing_shared::clock::{Clock, ShiftedClock, china_time};
use minqing_shared::concern::Category;
use minqing_shared::ids::HouseholdId;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::{Topic, VisitMode};
use minqing_tests::faults::{Fault, FaultyTransport};
use minqing_tests::{ApiPhone, PASSWORD, TestServer};

fn visit(household: HouseholdId, text: &str) -> NewVisit {
    NewVisit {
        photos: Vec::new(),
        household_id: household,
        mode: VisitMode::InPerson,
        topics: vec![Topic::HotIssues],
        policies: String::new(),
        summary: text.into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![],
    }
}

async fn household(server: &TestServer) -> HouseholdId {
    let county = server.county();
    let mut setup = ApiPhone::login(&server.url, "wang").await;
    let (id, create) = setup.new_household(county.village, "张大山");
    let confirm = setup.op(
        id.0,
        Payload::Household(HouseholdPatch {
            status: Some(minqing_shared::household::HouseholdStatus::Confirmed),
            ..HouseholdPatch::default()
        }),
    );
    assert!(setup.push(&[create, confirm]).await.ok().rejected.is_empty());
    id
}

/// A phone of wang's on a clock of its own (starting on the stories' clock).
async fn phone(
    server: &TestServer,
    dir: &tempfile::TempDir,
) -> (SyncEngine<FaultyTransport>, ShiftedClock) {
    let clock = ShiftedClock::with_offset(minqing_tests::clock::clock().offset_ms());
    let store = Arc::new(Store::open(&dir.path().join("phone.db")).unwrap());
    let engine =
        SyncEngine::new(store, FaultyTransport::default()).with_clock(Arc::new(clock.clone()));
    engine.login(&server.url, "wang", PASSWORD, "测试手机").await.unwrap();
    (engine, clock)
}

/// A server, one of wang's households, and his phone synced once.
struct Story {
    server: TestServer,
    home: HouseholdId,
    engine: SyncEngine<FaultyTransport>,
    clock: ShiftedClock,
    _dir: tempfile::TempDir,
}

async fn story() -> Story {
    let server = TestServer::start().await;
    let home = household(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, clock) = phone(&server, &dir).await;
    engine.sync_once().await.unwrap();
    Story { server, home, engine, clock, _dir: dir }
}

fn server_visit_times(server: &TestServer) -> Vec<i64> {
    let mut sql = server.sql();
    sql.column("SELECT CAST(visited_ms AS TEXT) FROM visits ORDER BY visited_ms", &[])
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn visits_recorded_while_the_phone_ran_a_day_fast_reach_the_office_at_the_true_time() {
    let Story { server, home, engine, clock, _dir } = story().await;

    // The phone's clock jumps a day ahead after its last sync; the cadre records two visits,
    // one with a concern explained at the door, without signal.
    clock.advance(Duration::days(1));
    let true_time = minqing_tests::clock::now_ms();
    let mut with_concern = visit(home, "谈了修路");
    with_concern.concerns.push(NewConcern {
        photos: Vec::new(),
        category: Category::Roads,
        description: "村口路面坑洼".into(),
        disposition: Disposition::Explained("已说明明年春季修路计划".into()),
    });
    engine.store().record_visit(&with_concern, clock.now()).unwrap();
    engine.store().record_visit(&visit(home, "回访"), clock.now()).unwrap();

    // Back in signal. The server refuses the fast stamps, the phone learns it is a day fast
    // (the refusal's answer is lost once on the way, too) and sends corrected copies.
    engine.transport().push_faults.lock().unwrap().push(Some(Fault::DropResponse));
    assert!(engine.sync_once().await.is_err(), "the lost answer fails that sync");
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(engine.store().pending_count().unwrap(), 0);
    let info = engine.store().sync_info().unwrap();
    assert!(info.rejected.is_empty(), "nothing left refused on the phone: {:?}", info.rejected);

    // The office holds both visits at the true time (within the minute the story took), and
    // the concern's steps with them.
    let times = server_visit_times(&server);
    assert_eq!(times.len(), 2, "{times:?}");
    for t in &times {
        assert!((t - true_time).abs() < 60_000, "stored {t}, true {true_time}");
    }
    let mut sql = server.sql();
    let status = sql.column("SELECT status FROM concerns", &[]);
    assert_eq!(status, vec!["explained".to_owned()]);
    let refused_at_first =
        sql.count("SELECT COUNT(*) FROM quarantine WHERE error = 'clock_ahead'", &[]);
    assert_eq!(refused_at_first, 4, "the fast originals stay on record as refused");

    // The phone shows the visits at the true time as well, and its next stamps are right.
    let week = engine.store().week(minqing_tests::clock::today()).unwrap();
    assert_eq!(week.visited, 1, "{week:?}");
    let detail = engine.store().household_detail(home, minqing_tests::clock::today()).unwrap();
    let shown: Vec<i64> =
        detail.unwrap().visits.iter().map(|v| v.visited_at.timestamp_millis()).collect();
    assert!(shown.iter().all(|t| (t - true_time).abs() < 60_000), "{shown:?}");
    engine.store().record_visit(&visit(home, "第三次"), clock.now()).unwrap();
    engine.sync_once().await.unwrap();
    assert_eq!(server_visit_times(&server).len(), 3);
}

#[tokio::test]
async fn a_fast_stamp_the_phone_cannot_explain_stays_refused_in_front_of_the_cadre() {
    let Story { server, home, engine, clock, _dir } = story().await;
    // The clock runs a day fast while the cadre records, then is put right before any sync:
    // the phone no longer knows it was wrong by how much.
    clock.advance(Duration::days(1));
    engine.store().record_visit(&visit(home, "时间有误的走访"), clock.now()).unwrap();
    clock.advance(Duration::days(-1));
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.rejected, 1, "{report:?}");
    let info = engine.store().sync_info().unwrap();
    assert_eq!(info.rejected.len(), 1);
    assert_eq!(info.rejected[0].error, "clock_ahead");
    assert!(info.rejected[0].message.contains("手机时间"), "{}", info.rejected[0].message);
    assert!(server_visit_times(&server).is_empty());
    // Later records are stamped right: the clock came back to the server's time.
    engine.store().record_visit(&visit(home, "正常走访"), clock.now()).unwrap();
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(server_visit_times(&server).len(), 1);
}

#[tokio::test]
async fn a_visit_is_dated_this_week_or_last_on_the_phone_and_on_the_server() {
    let Story { server, home, engine, clock, _dir } = story().await;
    // The stories' clock reads Wednesday 25 November 2026, noon (China).
    let sunday_evening = china_time(2026, 11, 22, 19, 30);
    let mut last_week = visit(home, "周日晚上走访，周三补记");
    last_week.visited_at = Some(sunday_evening);
    engine.store().record_visit(&last_week, clock.now()).unwrap();
    for (when, why) in [
        (china_time(2026, 11, 15, 10, 0), "两周前"),
        (china_time(2026, 11, 25, 18, 0), "今天傍晚（还没到）"),
    ] {
        let mut v = visit(home, why);
        v.visited_at = Some(when);
        let refused = engine.store().record_visit(&v, clock.now()).unwrap_err();
        assert!(refused.to_string().contains("走访时间"), "{why}: {refused}");
    }
    engine.sync_once().await.unwrap();
    assert_eq!(server_visit_times(&server), vec![sunday_evening.timestamp_millis()]);
    // It counts for last week, not this one: the household is still due this week.
    let week = engine.store().week(minqing_tests::clock::today()).unwrap();
    assert_eq!(week.visited, 0, "{week:?}");

    // A phone that sends a visit dated three weeks before it was recorded is refused with the
    // reason; the visit beside it in the push is kept.
    let mut raw = ApiPhone::login(&server.url, "wang").await;
    let (_, old) = raw.visit(home, "三周前");
    let old = {
        let mut old = old;
        if let Payload::Visit(v) = &mut old.payload {
            v.visited_at = minqing_tests::clock::now() - Duration::weeks(3);
        }
        old
    };
    let (_, fine) = raw.visit(home, "本周");
    let answer = raw.push(&[old, fine]).await.ok();
    let codes: Vec<&str> = answer.rejected.iter().map(|r| r.error.as_str()).collect();
    assert_eq!(codes, ["visit_too_old"]);
    assert!(answer.rejected[0].message.starts_with("走访时间只能选本周或上周"));
    assert_eq!(server_visit_times(&server).len(), 2);
}
