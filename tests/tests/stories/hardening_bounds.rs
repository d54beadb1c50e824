//! Bounded records, as an outside tester probed them: lists and ops have limits (the good ops
//! around a refused one are kept), a pull page and a history page stop at a byte budget
//! whatever `limit` says, the history pages, cursors past the log's numbering are refused,
//! invisible and direction characters are refused in names and device names, and dates far
//! outside the present are refused.

use chrono::{DateTime, Utc};
use minqing_shared::concern::{Category, ConcernAction};
use minqing_shared::sync::MAX_PAGE_BYTES;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;
use serde_json::json;

fn codes(answer: &minqing_tests::phone::Answer<minqing_shared::sync::PushResponse>) -> Vec<String> {
    answer.body.as_ref().expect("a push answer").rejected.iter().map(|r| r.error.clone()).collect()
}

#[tokio::test]
async fn oversized_lists_and_ops_are_refused_and_the_ops_around_them_kept() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    let (_, twice) = wang.visit(household, "两次同一话题");
    let (_, huge) = wang.visit(household, "话题很多");
    let (_, good) = wang.visit(household, "正常走访");
    let mut twice = serde_json::to_value(twice).unwrap();
    twice["body"]["topics"] = json!(["key_work", "key_work"]);
    let mut huge = serde_json::to_value(huge).unwrap();
    // 74,000 topics made a 1 MiB visit; 8,000 make a 100 KB one, still past the op limit.
    huge["body"]["topics"] = json!(vec!["key_work"; 8_000]);
    let body = json!({"device_id": wang.device_id, "ops": [create, twice, huge, good]});
    let answer = wang.push_json(&body).await;
    assert_eq!(codes(&answer), ["invalid_value", "op_too_large"]);
    let visits = server.sql().count("SELECT COUNT(*) FROM visits", &[]);
    assert_eq!(visits, 1, "the good visit is kept");
}

/// Pushes `n` visits whose summaries are full (4,000 Chinese characters, ~12 KB each).
async fn big_visits(wang: &mut ApiPhone, household: minqing_shared::ids::HouseholdId, n: usize) {
    let summary = "民".repeat(4000);
    for chunk in 0..n.div_ceil(40) {
        let ops: Vec<_> =
            (0..40.min(n - chunk * 40)).map(|_| wang.visit(household, &summary).1).collect();
        assert!(wang.push(&ops).await.ok().rejected.is_empty());
    }
}

#[tokio::test]
async fn a_pull_page_and_a_history_page_stop_at_the_byte_budget_and_page_on() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    assert!(wang.push(&[create]).await.ok().rejected.is_empty());
    big_visits(&mut wang, household, 120).await;

    // wang's other phone pulls with the largest limit: the page stops near 1 MiB.
    let other = ApiPhone::login(&server.url, "wang").await;
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=1000", server.url))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    let bytes = resp.bytes().await.unwrap();
    let page: minqing_shared::sync::PullResponse = serde_json::from_slice(&bytes).unwrap();
    assert!(page.has_more, "the budget cut the page");
    assert!(bytes.len() <= MAX_PAGE_BYTES + 64 * 1024, "{} bytes", bytes.len());
    assert!(page.changes.len() < 121, "{}", page.changes.len());

    // The household's history, page by page, through everything.
    let through = server.sql().count("SELECT MAX(server_seq) FROM ops", &[]);
    let (mut after, mut seen, mut pages) = (0_u64, 0, 0);
    loop {
        let resp = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/sync/household/{household}/history?through={through}&after={after}",
                server.url
            ))
            .bearer_auth(&other.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.len() <= MAX_PAGE_BYTES + 64 * 1024, "{} bytes", bytes.len());
        let page: minqing_shared::sync::HistoryResponse = serde_json::from_slice(&bytes).unwrap();
        pages += 1;
        seen += page.changes.len();
        after = page.changes.last().map_or(after, |c| c.server_seq);
        if !page.has_more {
            break;
        }
        assert!(pages < 10, "the pages end");
    }
    assert_eq!(seen, 121, "the household and its 120 visits, each once");
    assert!(pages >= 2, "{pages} pages");
}

#[tokio::test]
async fn a_cursor_past_the_log_s_numbering_is_refused() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    assert!(wang.push(&[create]).await.ok().rejected.is_empty());
    let past = 1_u64 << 63;
    for path in [
        format!("/api/v1/sync/pull?cursor={past}"),
        format!("/api/v1/sync/household/{household}/history?through={past}"),
        format!("/api/v1/sync/household/{household}/history?through=5&after={past}"),
    ] {
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", server.url))
            .bearer_auth(&wang.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "bad_cursor", "{path}");
    }
}

#[tokio::test]
async fn invisible_and_direction_characters_are_refused_in_names_and_device_names() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let mut ops = Vec::new();
    for name in ["王\u{200B}大山", "\u{202E}山大王", "王\u{2066}大山\u{2069}"] {
        let id = minqing_shared::ids::HouseholdId::new();
        let patch = HouseholdPatch {
            village_id: Some(county.village),
            head_name: Some(name.into()),
            cadre_id: Some(Some(county.wang)),
            ..HouseholdPatch::default()
        };
        ops.push(wang.op(id.0, Payload::Household(patch)));
    }
    let answer = wang.push(&ops).await;
    assert_eq!(codes(&answer), ["invalid_value"; 3]);

    for device_name in ["张的手机\u{202E}", "phone\u{1b}[2J", "a\u{200D}b"] {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", server.url))
            .json(&json!({"username": "li", "password": minqing_tests::PASSWORD, "device_name": device_name}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{device_name:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_device_name");
        assert!(body["message"].as_str().unwrap().starts_with("设备名称"), "{body}");
    }
    let devices = server.write(|tx| tx.devices(None));
    assert!(devices.iter().all(|d| !d.name.chars().any(|c| c.is_control())));
}

#[tokio::test]
async fn a_visit_in_year_one_and_a_step_in_year_9999_are_refused() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    let year_one: DateTime<Utc> = "0001-01-01T00:00:00Z".parse().unwrap();
    let (_, ancient) = wang.visit_at(household, "很久以前", year_one);
    let (concern, raise) = wang.raise(household, None, Category::Other, "路灯坏了");
    let mut late =
        serde_json::to_value(wang.step(concern, ConcernAction::Explain { note: "已解释".into() }))
            .unwrap();
    late["body"]["at"] = json!("9999-12-31T00:00:00Z");
    let body = json!({"device_id": wang.device_id, "ops": [create, ancient, raise, late]});
    let answer = wang.push_json(&body).await;
    let codes = codes(&answer);
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert_eq!(codes[0], "date_out_of_range");
    assert!(["clock_ahead", "date_out_of_range"].contains(&codes[1].as_str()), "{codes:?}");
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM visits", &[]), 0);
}
