//! Where a visit happened (issue 14, item 2): a household's place is learned from the good fixes
//! of its in-person visits; a visit recorded farther than the county's distance from it is
//! marked 位置存疑 — as it arrives on the server, on the office's household page and
//! evaluation, and on the cadre's 本周走访 — and the distance is the county's setting, reaching
//! the phones through the pull. A visit without a fix says why and is not judged.

use chrono::Duration;
use minqing_mobile::store::NewVisit;
use minqing_server::store::PLACE_DOUBT_KEY;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::{GeoFix, NoFix, VisitMode};
use minqing_tests::faults::app_phone;
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};

const HOME: (f64, f64) = (36.0, 114.5);

/// A good fix `north_m` metres north of the household.
fn fix(north_m: f64) -> GeoFix {
    GeoFix {
        lat: HOME.0 + north_m / 111_195.0,
        lon: HOME.1,
        accuracy_m: Some(12.0),
        fixed_at: None,
    }
}

fn doubts(server: &TestServer) -> Vec<String> {
    server.sql().column("SELECT body FROM visits WHERE place_doubt ORDER BY visited_ms", &[])
}

#[tokio::test]
async fn a_visit_far_from_the_household_s_place_is_marked_everywhere() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    let confirm = wang.op(
        home.0,
        Payload::Household(HouseholdPatch {
            status: Some(minqing_shared::household::HouseholdStatus::Confirmed),
            ..HouseholdPatch::default()
        }),
    );
    let now = minqing_tests::clock::now();
    let mut ops = vec![create, confirm];
    // Three earlier visits at the door teach the place (one without a fix: not used).
    for (days, north) in [(12, 10.0), (9, -15.0), (6, 5.0)] {
        let (_, mut op) = wang.visit_at(home, "入户走访", now - Duration::days(days));
        if let Payload::Visit(v) = &mut op.payload {
            v.gps = Some(fix(north));
        }
        ops.push(op);
    }
    let (_, mut nofix) = wang.visit_at(home, "没有定位", now - Duration::days(5));
    if let Payload::Visit(v) = &mut nofix.payload {
        v.no_fix = Some(NoFix::Denied);
    }
    ops.push(nofix);
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    assert!(doubts(&server).is_empty());

    // Today's visit is recorded 800 m away (at the village office, say).
    let (_, mut far) = wang.visit(home, "在村委会记的");
    if let Payload::Visit(v) = &mut far.payload {
        v.gps = Some(fix(800.0));
    }
    assert!(wang.push(&[far]).await.ok().rejected.is_empty());
    let doubted = doubts(&server);
    assert_eq!(doubted.len(), 1);
    assert!(doubted[0].contains("在村委会记的"));

    // The office sees it on the household's page and in the evaluation.
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get(&format!("/office/households/{home}")).await.body;
    for expected in ["位置存疑", "位置存疑：距住户约795米", "距住户约", "未定位（未授权定位）"]
    {
        assert!(page.contains(expected), "{expected:?} missing from the household page");
    }
    let evaluation = office.get("/office/evaluation").await.body;
    let at = evaluation.find("data-row=\"王建国\"").expect("wang's row");
    let row = &evaluation[at..at + evaluation[at..].find("</tr>").unwrap()];
    let cells: Vec<&str> =
        row.split("class=\"num\">").skip(1).map(|c| &c[..c.find('<').unwrap()]).collect();
    assert_eq!(cells[4], "1", "位置存疑 counted for wang: {cells:?}");

    // wang's phone learns the county's distance with its pull and marks the household on
    // 本周走访; once the county allows a kilometre, the next such visit is not marked.
    let dir = tempfile::tempdir().unwrap();
    let phone = app_phone(&server.url, "wang", dir.path(), minqing_tests::clock::shared()).await;
    let week = phone.store().week(minqing_tests::clock::today()).unwrap();
    let row = week.households.iter().find(|h| h.household.id == home).unwrap();
    assert!(row.place_doubt, "本周走访 marks the household");
    let detail = phone.store().household_detail(home, minqing_tests::clock::today()).unwrap();
    assert!(detail.unwrap().places[0].is_doubtful(), "the newest visit is the far one");

    server.write(|tx| tx.set_meta(PLACE_DOUBT_KEY, "1000"));
    let visit = NewVisit {
        photos: Vec::new(),
        household_id: home,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: "又在村委会记的".into(),
        gps: Some(fix(700.0)),
        no_fix: None,
        visited_at: None,
        concerns: vec![],
    };
    phone.sync_once().await.unwrap();
    phone.store().record_visit(&visit, minqing_tests::clock::now()).unwrap();
    phone.sync_once().await.unwrap();
    assert_eq!(doubts(&server).len(), 1, "700 m is within the county's kilometre");
    assert_eq!(phone.store().setting("place_doubt_m").unwrap().as_deref(), Some("1000"));
    let detail = phone.store().household_detail(home, minqing_tests::clock::today()).unwrap();
    let places = detail.unwrap().places;
    assert!(!places[0].is_doubtful() && !places[1].is_doubtful(), "{places:?}");
}
