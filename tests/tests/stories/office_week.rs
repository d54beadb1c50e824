//! This week's visits as the office sees them: in-person visits count, a household's call does
//! not, and households without a visit for weeks head the overdue list.

use chrono::Duration;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::VisitMode;
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;

fn confirmed() -> Payload {
    Payload::Household(HouseholdPatch {
        status: Some(HouseholdStatus::Confirmed),
        ..Default::default()
    })
}

/// The numbers of the table row `data-row="{name}"` of a page.
fn row(body: &str, name: &str) -> Vec<String> {
    let at = body.find(&format!("data-row=\"{name}\"")).unwrap_or_else(|| panic!("row {name}"));
    let row = &body[at..at + body[at..].find("</tr>").expect("row end")];
    row.split("class=\"num\">").skip(1).map(|c| c[..c.find('<').unwrap()].to_owned()).collect()
}

#[tokio::test]
async fn coverage_counts_in_person_visits_and_lists_the_overdue() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (a, ca) = wang.new_household(county.village, "张大山");
    let (b, cb) = wang.new_household(county.village, "刘桂兰");
    let (c, cc) = wang.new_household(county.village, "陈二柱");
    let (fa, fb, fc) =
        (wang.op(a.0, confirmed()), wang.op(b.0, confirmed()), wang.op(c.0, confirmed()));
    let (_, visit) = wang.visit(a, "本周入户");
    let (_, old) = wang.visit_at(b, "三周前入户", minqing_tests::clock::now() - Duration::weeks(3));
    let (_, mut call) = wang.visit(c, "群众来电");
    if let Payload::Visit(v) = &mut call.payload {
        v.mode = VisitMode::PhoneFromHousehold;
    }
    let ops = [ca, cb, cc, fa, fb, fc, visit, old, call];
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    let mut li = ApiPhone::login(&server.url, "li").await;
    let (d, cd) = li.new_household(county.second_village, "李四海");
    let fd = li.op(d.0, confirmed());
    assert!(li.push(&[cd, fd]).await.ok().rejected.is_empty());

    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get("/office/week").await;
    assert_eq!(page.status, StatusCode::OK);
    // Households, visited, not visited, calls.
    assert_eq!(row(&page.body, "王建国"), ["3", "1", "2", "1"]);
    assert_eq!(row(&page.body, "李秀英"), ["1", "0", "1", "0"]);
    assert_eq!(row(&page.body, "东关村"), ["3", "1"]);
    let overdue = &page.body[page.body.find("超期未走访的联系户").unwrap()..];
    assert!(overdue.contains("从未走访"), "li's household was never visited");
    let (never, weeks) = (overdue.find("李四海").unwrap(), overdue.find("刘桂兰").unwrap());
    assert!(never < weeks, "never visited comes first");
    assert!(!overdue.contains("张大山"), "visited this week");
    assert!(overdue.contains("陈二柱"), "a call is not a visit");
    let bad = office.get("/office/week?week=2026-W99").await;
    assert_eq!(bad.status, StatusCode::OK, "a bad week falls back to this week");
}
