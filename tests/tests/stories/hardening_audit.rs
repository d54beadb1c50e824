//! Office changes and bulk exports are attributable: filing a household, submitting and filing
//! a monthly report, a reward or criticism, and every export (the registry with its phone numbers, a report, the audit
//! log itself) leave an audit line naming the acting account, with how many rows left.

use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;

/// The audit lines of `username`: (action, record type, count).
fn lines_of(server: &TestServer, username: &str) -> Vec<(String, String, i64)> {
    server
        .sql()
        .rows(
            "SELECT a.action, a.record_type, CAST(a.count AS TEXT) FROM audit a
             JOIN cadres c ON c.id = a.cadre_id WHERE c.username = $1 ORDER BY a.id",
            &[username],
        )
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].parse().unwrap()))
        .collect()
}

fn has(lines: &[(String, String, i64)], action: &str, record_type: &str) -> Option<i64> {
    lines.iter().find(|(a, t, _)| a == action && t == record_type).map(|(_, _, n)| *n)
}

#[tokio::test]
async fn office_changes_and_exports_name_the_account_and_the_rows() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    assert!(wang.push(&[create]).await.ok().rejected.is_empty());

    let office = OfficeClient::login(&server.url, "office").await;
    let filed = office.post("/office/households/file", &[("id", &household.to_string())]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let (status, _, csv) = office.get_bytes("/office/households.csv").await;
    assert_eq!(status, StatusCode::OK);
    let exported_rows = String::from_utf8(csv).unwrap().lines().count() as i64 - 1;
    let month = minqing_shared::calendar::YearMonth::of(minqing_tests::clock::today()).to_string();
    let sent = office
        .post(
            "/office/report/submit",
            &[("month", &month), ("notes", "按时"), ("action", "submit")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let (status, ..) = office.get_bytes(&format!("/office/report/export.xlsx?month={month}")).await;
    assert_eq!(status, StatusCode::OK);

    let lines = lines_of(&server, "office");
    assert_eq!(has(&lines, "change", "household"), Some(1), "the filing: {lines:?}");
    assert_eq!(has(&lines, "change", "monthly_report"), Some(1), "the submission: {lines:?}");
    assert_eq!(has(&lines, "view", "households.csv"), Some(exported_rows), "{lines:?}");
    assert_eq!(has(&lines, "view", "report.xlsx"), Some(1), "{lines:?}");

    let org = OfficeClient::login(&server.url, "org").await;
    let unit = county.township.to_string();
    let filed = org.post("/office/report/file", &[("month", &month), ("unit", &unit)]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let note = [
        ("period", "2026-Q4"),
        ("unit", unit.as_str()),
        ("kind", "reward"),
        ("text", "每周走访到户"),
    ];
    assert_eq!(org.post("/office/evaluation/notes", &note).await.status, StatusCode::SEE_OTHER);
    let (status, ..) = org.get_bytes("/office/audit.csv").await;
    assert_eq!(status, StatusCode::OK);
    let lines = lines_of(&server, "org");
    assert_eq!(has(&lines, "change", "monthly_report"), Some(1), "the filing: {lines:?}");
    assert!(has(&lines, "view", "audit.csv").is_some_and(|n| n > 0), "{lines:?}");
    assert_eq!(has(&lines, "change", "evaluation_note"), Some(1), "the reward: {lines:?}");
}
