//! The workflow findings of the outside attack, each reproduced as it was sent: a phone closing
//! (办结) an assigned concern with a date before it was raised; an office rewriting its filed
//! monthly report through the sync API to drop the 逾期报送 mark; a township office filing
//! (备案) its own report; an office linking a household to the Organization Department's
//! account through the sync API. Each is refused and changes nothing.

use chrono::{DateTime, Utc};
use minqing_shared::calendar::{YearMonth, china_date, is_report_late};
use minqing_shared::concern::{Category, ConcernAction, Decision};
use minqing_shared::sync::op::{HouseholdPatch, Payload, ReportBody, ReportStatus};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_phone_cannot_close_an_assigned_concern_with_any_date() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张老汉");
    let (concern, raise) = wang.raise(home, None, Category::Irrigation, "机井坏了");
    let escalate = wang.escalate(concern, "机井");
    assert!(wang.push(&[create, raise, escalate]).await.ok().rejected.is_empty());
    let mut office = ApiPhone::login(&server.url, "office").await;
    let today = minqing_tests::clock::today();
    let assign = office.step(
        concern,
        ConcernAction::Assign {
            decision: Decision {
                solution: "维修".into(),
                handler: "水利站".into(),
                unit: None,
                deadline: today,
                meeting_date: today,
            },
        },
    );
    assert!(office.push(&[assign]).await.ok().rejected.is_empty());

    let mut close = serde_json::to_value(
        wang.step(concern, ConcernAction::Complete { note: "我办结了".into() }),
    )
    .unwrap();
    close["body"]["at"] = json!("2026-01-01T00:00:00Z");
    let answer = wang.push_json(&json!({"device_id": wang.device_id, "ops": [close]})).await;
    let rejected = &answer.body.as_ref().unwrap().rejected;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].error, "not_allowed", "{}", rejected[0].message);
    assert!(
        rejected[0].message.starts_with("办结由联系户办公室或承办单位确认"),
        "{}",
        rejected[0].message
    );
    let status =
        server.sql().column("SELECT status FROM concerns WHERE id = $1", &[&concern.to_string()]);
    assert_eq!(status, ["assigned"]);
}

#[tokio::test]
async fn an_office_cannot_rewrite_a_submitted_report_through_the_api_nor_file_its_own() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut office = ApiPhone::login(&server.url, "office").await;
    // Two months back: submitted now, it is late whatever today is.
    let month = YearMonth::of(minqing_tests::clock::today()).prev().prev();
    let now = minqing_tests::clock::now();
    let id = uuid::Uuid::now_v7();
    let report = |status: ReportStatus, at: Option<DateTime<Utc>>| ReportBody {
        unit_id: county.township,
        month,
        status,
        notes: "本月情况".into(),
        submitted_at: at,
        late: at.is_some_and(|at| is_report_late(month, china_date(at))),
    };
    let submit = office.op(id, Payload::MonthlyReport(report(ReportStatus::Submitted, Some(now))));
    assert!(office.push(&[submit]).await.ok().rejected.is_empty());
    let url = format!("/office/report?month={month}");
    let web = OfficeClient::login(&server.url, "office").await;
    assert!(web.get(&url).await.body.contains("逾期报送"), "submitted late");

    // The attack: the same report again, submitted "on the 2nd", not late; and back to a draft.
    let on_time: DateTime<Utc> = format!("{}-02T02:00:00Z", month.next()).parse().unwrap();
    let rewrite =
        office.op(id, Payload::MonthlyReport(report(ReportStatus::Submitted, Some(on_time))));
    let redraft = office.op(id, Payload::MonthlyReport(report(ReportStatus::Draft, None)));
    let answer = office.push(&[rewrite, redraft]).await.ok();
    let codes: Vec<&str> = answer.rejected.iter().map(|r| r.error.as_str()).collect();
    assert_eq!(codes, ["illegal_transition", "illegal_transition"], "submitted: no way back");
    assert!(web.get(&url).await.body.contains("逾期报送"), "the late mark stays");

    // Filing (备案) is the Organization Department's step, on the web as through the API.
    let unit = county.township.to_string();
    let month_text = month.to_string();
    let own = web.post("/office/report/file", &[("month", &month_text), ("unit", &unit)]).await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::UNPROCESSABLE_ENTITY].contains(&own.status),
        "{}: {}",
        own.status,
        own.body
    );
    let file = office.op(id, Payload::MonthlyReport(report(ReportStatus::Filed, Some(now))));
    assert_eq!(office.push(&[file]).await.ok().rejected[0].error, "not_allowed");
    let page = web.get(&url).await.body;
    assert!(!page.contains("组织部备案"), "not filed");
}

#[tokio::test]
async fn an_office_cannot_link_a_household_to_the_organization_department_s_account() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张老汉");
    assert!(wang.push(&[create]).await.ok().rejected.is_empty());
    let mut office = ApiPhone::login(&server.url, "office").await;
    for cadre in [county.org, county.zhao, county.office] {
        let patch = HouseholdPatch { cadre_id: Some(Some(cadre)), ..HouseholdPatch::default() };
        let op = office.op(home.0, Payload::Household(patch));
        let answer = office.push(&[op]).await.ok();
        assert_eq!(answer.rejected.len(), 1, "linking to {cadre} is refused");
    }
    let linked =
        server.sql().column("SELECT cadre_id FROM households WHERE id = $1", &[&home.to_string()]);
    assert_eq!(linked, [county.wang.to_string()], "still wang's");
    // Its own field cadre, it may.
    let patch = HouseholdPatch { cadre_id: Some(Some(county.li)), ..HouseholdPatch::default() };
    let op = office.op(home.0, Payload::Household(patch));
    assert!(office.push(&[op]).await.ok().rejected.is_empty());
}
