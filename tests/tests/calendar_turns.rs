//! The suite's calendar cases at the calendar's turns: Sunday night into Monday (a visit counts
//! for the week it was made in, on the phone and in the office alike), the 3rd into the 4th (the
//! report month the office works on, late or not), and New Year's Eve into the new year. The
//! process's clock is set to each instant (this file is a test binary of its own, so the clock is
//! not shared with other stories).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use minqing_mobile::Store;
use minqing_mobile::sync::{HttpTransport, SyncEngine};
use minqing_shared::calendar::YearMonth;
use minqing_shared::clock::china_time;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::HouseholdId;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::clock::{clock, today};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, County, PASSWORD, TestServer};

fn set(at: DateTime<Utc>) {
    clock().set(at);
}

/// The numbers of the table row `data-row="{name}"` of a page.
fn row(body: &str, name: &str) -> Vec<String> {
    let at = body.find(&format!("data-row=\"{name}\"")).unwrap_or_else(|| panic!("row {name}"));
    let row = &body[at..at + body[at..].find("</tr>").expect("row end")];
    row.split("class=\"num\">").skip(1).map(|c| c[..c.find('<').unwrap()].to_owned()).collect()
}

/// Two confirmed households of wang's.
async fn two_households(
    server: &TestServer,
    county: &County,
) -> (ApiPhone, HouseholdId, HouseholdId) {
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (a, ca) = wang.new_household(county.village, "张大山");
    let (b, cb) = wang.new_household(county.village, "刘桂兰");
    let confirm = |id: HouseholdId, w: &mut ApiPhone| {
        w.op(
            id.0,
            Payload::Household(HouseholdPatch {
                status: Some(HouseholdStatus::Confirmed),
                ..Default::default()
            }),
        )
    };
    let (fa, fb) = (confirm(a, &mut wang), confirm(b, &mut wang));
    assert!(wang.push(&[ca, cb, fa, fb]).await.ok().rejected.is_empty());
    (wang, a, b)
}

async fn phone(url: &str) -> (SyncEngine<HttpTransport>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("phone.db")).unwrap());
    let engine =
        SyncEngine::new(store, HttpTransport::default()).with_clock(minqing_tests::clock::shared());
    engine.login(url, "wang", PASSWORD, "测试手机").await.unwrap();
    (engine, dir)
}

#[tokio::test]
async fn the_calendar_turns_the_same_way_on_the_phone_and_in_the_office() {
    sunday_night_into_monday().await;
    the_third_into_the_fourth().await;
    new_years_eve_into_the_new_year().await;
}

async fn sunday_night_into_monday() {
    let case = "Sunday 23:40 → Monday 00:10";
    set(china_time(2026, 11, 29, 23, 40));
    let server = TestServer::start().await;
    let county = server.county();
    let (mut wang, a, b) = two_households(&server, &county).await;
    let (_, visit) = wang.visit(a, "周日晚上入户");
    assert!(wang.push(&[visit]).await.ok().rejected.is_empty());
    let (phone, _dir) = phone(&server.url).await;
    phone.sync_once().await.unwrap();
    let office = OfficeClient::login(&server.url, "office").await;

    let week = phone.store().week(today()).unwrap();
    assert_eq!((week.visited, week.total), (1, 2), "{case}: the phone, on Sunday night");
    let page = office.get("/office/week").await.body;
    assert_eq!(row(&page, "王建国")[..3], ["2", "1", "1"], "{case}: the office, on Sunday night");

    set(china_time(2026, 11, 30, 0, 10));
    let week = phone.store().week(today()).unwrap();
    assert_eq!((week.visited, week.total), (0, 2), "{case}: a new week, both due again");
    let page = office.get("/office/week").await.body;
    assert_eq!(row(&page, "王建国")[..3], ["2", "0", "2"], "{case}: the office's new week");
    let last_week = office.get("/office/week?week=2026-W48").await.body;
    assert_eq!(
        row(&last_week, "王建国")[..3],
        ["2", "1", "1"],
        "{case}: last week keeps its visit"
    );

    let (_, monday) = wang.visit(b, "周一凌晨入户");
    assert!(wang.push(&[monday]).await.ok().rejected.is_empty());
    phone.sync_once().await.unwrap();
    let week = phone.store().week(today()).unwrap();
    assert_eq!(
        (week.visited, week.total),
        (1, 2),
        "{case}: Monday's visit counts for Monday's week"
    );
    let page = office.get("/office/week").await.body;
    assert_eq!(row(&page, "王建国")[..3], ["2", "1", "1"], "{case}: and in the office");
}

/// Whether the report page opened on `month` (until the 3rd, last month's, still due; from the
/// 4th, this month's).
fn opened_on(body: &str, month: &str) -> bool {
    body.contains(&format!("{month}民情工作月报"))
}

async fn the_third_into_the_fourth() {
    let case = "3 December 23:50 → 4 December 00:10";
    set(china_time(2026, 12, 3, 23, 50));
    let server = TestServer::start().await;
    server.county();
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get("/office/report").await;
    assert!(opened_on(&page.body, "2026年11月"), "{case}: November's report is due today");
    let sent = office
        .post(
            "/office/report/submit",
            &[("month", "2026-11"), ("notes", "按时"), ("action", "submit")],
        )
        .await;
    assert_eq!(sent.status, reqwest::StatusCode::SEE_OTHER, "{case}");
    let november = office.get("/office/report?month=2026-11").await.body;
    assert!(november.contains("已报送") && !november.contains("逾期报送"), "{case}: on time");

    set(china_time(2026, 12, 4, 0, 10));
    let page = office.get("/office/report").await;
    assert!(opened_on(&page.body, "2026年12月"), "{case}: from the 4th, this month's");
    let org = OfficeClient::login(&server.url, "org").await;
    let county = org.get("/office/report?month=2026-11").await.body;
    assert!(county.contains("已报送"), "{case}: the department sees it submitted");
    assert_eq!(YearMonth::of(today()).to_string(), "2026-12", "{case}");
}

async fn new_years_eve_into_the_new_year() {
    let case = "31 December 23:50 → 1 January 00:10";
    set(china_time(2026, 12, 31, 23, 50));
    let server = TestServer::start().await;
    let county = server.county();
    let (mut wang, a, _) = two_households(&server, &county).await;
    let (_, visit) = wang.visit(a, "除夕前入户");
    assert!(wang.push(&[visit]).await.ok().rejected.is_empty());

    set(china_time(2027, 1, 1, 0, 10));
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get("/office/report").await.body;
    assert!(opened_on(&page, "2026年12月"), "{case}: December's report is being written");
    let december = office.get("/office/report?month=2026-12").await.body;
    let visited = december.find("id=\"visited\"").expect("the visited figure");
    assert!(
        december[visited..].starts_with("id=\"visited\">1<"),
        "{case}: the visit is December's"
    );
    let week = office.get("/office/week").await.body;
    assert_eq!(row(&week, "王建国")[..3], ["2", "1", "1"], "{case}: 2026-W53 runs to 3 January");
}
