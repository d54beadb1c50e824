//! The notifier against real HTTP receivers on loopback (SQLite, or PostgreSQL with
//! `MINQING_TEST_POSTGRES`): on Wednesday 2 December, from 08:00, 城关镇's digest (a household not
//! visited since last week, November's report not in, a deadline in two days) goes to its
//! DingTalk robot — which fails twice and then recovers — and to an SMS gateway; the
//! Organization Department's (townships' reports not in, a ledger inquiry due) to a WeCom robot
//! and a generic webhook. Nothing goes before the hour, nothing twice the same day; the failures
//! are retried and recorded, and 通知记录 shows each send. The process's clock is set (this file
//! is a test binary of its own).

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use chrono::Days;
use minqing_server::notify::{self, NotifyConfig};
use minqing_shared::clock::china_time;
use minqing_shared::concern::{Category, ConcernAction, Decision, SpecialReport};
use minqing_shared::household::HouseholdStatus;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::clock::clock;
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};

/// What a receiver got, by path; each path fails its first `fail` requests.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(String, String)>>>,
    fail_dingtalk: Arc<Mutex<u32>>,
}

impl Receiver {
    fn bodies(&self, path: &str) -> Vec<String> {
        let got = self.got.lock().unwrap();
        got.iter().filter(|(p, _)| p == path).map(|(_, b)| b.clone()).collect()
    }
}

async fn dingtalk(
    State(r): State<Receiver>,
    body: String,
) -> (StatusCode, Json<serde_json::Value>) {
    r.got.lock().unwrap().push(("/dingtalk".into(), body));
    let mut fail = r.fail_dingtalk.lock().unwrap();
    match *fail {
        // The first: the gateway is down. The second: the robot refuses (HTTP 200, errcode).
        2 => {
            *fail -= 1;
            (StatusCode::BAD_GATEWAY, Json(serde_json::json!({})))
        }
        1 => {
            *fail -= 1;
            let refused = serde_json::json!({"errcode": 130101, "errmsg": "send too fast"});
            (StatusCode::OK, Json(refused))
        }
        _ => (StatusCode::OK, Json(serde_json::json!({"errcode": 0, "errmsg": "ok"}))),
    }
}

async fn accept(path: &'static str, r: Receiver, body: String) -> Json<serde_json::Value> {
    r.got.lock().unwrap().push((path.into(), body));
    Json(serde_json::json!({"errcode": 0, "errmsg": "ok"}))
}

/// Starts the receivers; their base URL.
async fn receivers(r: Receiver) -> String {
    let app = axum::Router::new()
        .route("/dingtalk", post(dingtalk))
        .route("/wecom", post(|State(r): State<Receiver>, b: String| accept("/wecom", r, b)))
        .route("/hook", post(|State(r): State<Receiver>, b: String| accept("/hook", r, b)))
        .route("/sms", post(|State(r): State<Receiver>, b: String| accept("/sms", r, b)))
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn config(base: &str) -> NotifyConfig {
    NotifyConfig::parse(&format!(
        r#"
        hour = 8
        retry_secs = 0
        attempts = 5

        [[channel]]
        name = "城关镇钉钉群"
        kind = "dingtalk"
        url = "{base}/dingtalk?access_token=t"
        secret = "SEC-test"
        units = ["城关镇"]

        [[channel]]
        name = "城关镇短信"
        kind = "sms"
        url = "{base}/sms"
        body = '{{"mobile":"{{phone}}","content":"{{text}}"}}'
        phones = ["13800138000", "13900139000"]
        units = ["城关镇"]

        [[channel]]
        name = "组织部企业微信"
        kind = "wecom"
        url = "{base}/wecom"
        units = ["县委组织部"]

        [[channel]]
        name = "督查平台"
        kind = "webhook"
        url = "{base}/hook"
        units = ["县委组织部"]
        "#
    ))
    .expect("a good channels file")
}

#[tokio::test]
async fn daily_digests_go_out_once_through_every_channel_and_failures_are_retried() {
    let server = TestServer::start().await;
    let county = server.county();
    // Wednesday 25 November: wang adds two households, visits one; a concern is escalated and
    // put on the ledger.
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, c1) = wang.new_household(county.village, "张大山");
    let (away, c2) = wang.new_household(county.village, "刘桂兰");
    let confirm = |id: minqing_shared::ids::HouseholdId, w: &mut ApiPhone| {
        let patch =
            HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..Default::default() };
        w.op(id.0, Payload::Household(patch))
    };
    let (f1, f2) = (confirm(home, &mut wang), confirm(away, &mut wang));
    let (well, raise) = wang.raise(home, None, Category::Irrigation, "机井坏了");
    let report = SpecialReport {
        title: "三组机井损坏".into(),
        content: "四十户吃水难".into(),
        households_affected: Some(40),
    };
    let up = wang.step(well, ConcernAction::Escalate { report });
    assert!(wang.push(&[c1, c2, f1, f2, raise, up]).await.ok().rejected.is_empty());
    let mut office = ApiPhone::login(&server.url, "office").await;
    office.pull_all().await;
    let today = minqing_tests::clock::today();
    let decision = Decision {
        solution: "水利站修井".into(),
        handler: "李工".into(),
        unit: None,
        deadline: today + Days::new(9), // 4 December
        meeting_date: today,
    };
    let assign = office.step(well, ConcernAction::Assign { decision });
    assert!(office.push(&[assign]).await.ok().rejected.is_empty());
    let mut org = ApiPhone::login(&server.url, "org").await;
    org.pull_all().await;
    let onto = org.step(well, ConcernAction::PutOnLedger { reason: "涉及40户".into(), item: None });
    assert!(org.push(&[onto]).await.ok().rejected.is_empty());
    // One household visited last week; the other not since.
    let (_, v) = wang.visit(home, "入户走访");
    assert!(wang.push(&[v]).await.ok().rejected.is_empty());

    let receiver = Receiver { fail_dingtalk: Arc::new(Mutex::new(2)), ..Default::default() };
    let base = receivers(receiver.clone()).await;
    let config = config(&base);
    let http = reqwest::Client::new();
    let state = server.state.clone();

    // Wednesday 2 December, 07:59: before the hour, nothing.
    clock().set(china_time(2026, 12, 2, 7, 59));
    let round = notify::run_once(&state, &config, &http).await.unwrap();
    assert_eq!(round, notify::Round::default());
    assert!(receiver.got.lock().unwrap().is_empty());

    // 08:00: four digests made (two channels each); DingTalk fails, the rest go out.
    clock().set(china_time(2026, 12, 2, 8, 0));
    let round = notify::run_once(&state, &config, &http).await.unwrap();
    assert_eq!((round.made, round.sent, round.failed), (4, 3, 1), "{round:?}");
    let ding = receiver.bodies("/dingtalk");
    assert_eq!(ding.len(), 1);
    let message: serde_json::Value = serde_json::from_str(&ding[0]).unwrap();
    assert_eq!(message["msgtype"], "markdown");
    let text = message["markdown"]["text"].as_str().unwrap();
    for expected in [
        "城关镇 · 2026年12月2日民情通提醒",
        "上周以来未入户走访1户",
        "东关村刘桂兰（王建国）",
        "11月民情月报尚未报送（12月3日前报县委组织部备案）",
        "交办事项1件临近或超过完成时限",
        "三组机井损坏（承办人李工，12月4日到期，还有2天）",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(!text.contains("张大山（"), "the household visited last week is not overdue");
    let sms = receiver.bodies("/sms");
    assert_eq!(sms.len(), 2, "one text per phone");
    let first: serde_json::Value = serde_json::from_str(&sms[0]).unwrap();
    assert_eq!(first["mobile"], "13800138000");
    assert!(first["content"].as_str().unwrap().starts_with("【民情通】城关镇"));
    let wecom: serde_json::Value = serde_json::from_str(&receiver.bodies("/wecom")[0]).unwrap();
    let org_text = wecom["markdown"]["content"].as_str().unwrap();
    assert!(org_text.contains("个单位11月民情月报尚未报送") && org_text.contains("城关镇"));
    assert!(
        org_text.contains("挂账督办1项督办记录到期") && org_text.contains("应询问"),
        "{org_text}"
    );
    let hook: serde_json::Value = serde_json::from_str(&receiver.bodies("/hook")[0]).unwrap();
    assert_eq!(hook["unit"], "县委组织部");
    assert_eq!(hook["day"], "2026-12-02");
    assert!(hook["sections"].as_array().is_some_and(|s| s.len() == 2), "{hook}");

    // The retries: the robot refuses once more (errcode), then takes it.
    let round = notify::run_once(&state, &config, &http).await.unwrap();
    assert_eq!((round.made, round.sent, round.failed), (0, 0, 1));
    let round = notify::run_once(&state, &config, &http).await.unwrap();
    assert_eq!((round.made, round.sent, round.failed), (0, 1, 0));
    assert_eq!(receiver.bodies("/dingtalk").len(), 3);
    // Never twice the same day: later rounds send nothing.
    clock().set(china_time(2026, 12, 2, 17, 0));
    let round = notify::run_once(&state, &config, &http).await.unwrap();
    assert_eq!(round, notify::Round::default());
    assert_eq!(receiver.got.lock().unwrap().len(), 3 + 2 + 1 + 1);

    // 通知记录: the township sees its own two, with the attempts and the last error.
    let page = OfficeClient::login(&server.url, "office").await.get("/office/notifications").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.body.contains("城关镇钉钉群") && page.body.contains("城关镇短信"));
    assert!(!page.body.contains("组织部企业微信"), "another unit's sends");
    assert!(page.body.contains("<td class=\"num\">3</td>"), "three attempts");
    assert!(page.body.contains("errcode 130101: send too fast"), "the last error is kept");
    let org_page = OfficeClient::login(&server.url, "org").await.get("/office/notifications").await;
    assert!(org_page.body.contains("组织部企业微信") && org_page.body.contains("城关镇钉钉群"));
    let sent = server.sql().count("SELECT COUNT(*) FROM notifications WHERE status = 'sent'", &[]);
    assert_eq!(sent, 4);

    // The next day, a new digest (the report is still not in).
    clock().set(china_time(2026, 12, 3, 8, 30));
    let round = notify::run_once(&state, &config, &http).await.unwrap();
    assert_eq!(round.made, 4);

    // A robot that stays down is given up after the configured attempts, and recorded so.
    *receiver.fail_dingtalk.lock().unwrap() = 0;
    // Nothing listens on the discard port of loopback: every attempt is refused at once.
    let down = NotifyConfig::parse(
        r#"
        retry_secs = 0
        attempts = 2
        [[channel]]
        name = "断线"
        kind = "webhook"
        url = "http://127.0.0.1:9/none"
        units = ["河西乡"]
        "#,
    )
    .unwrap();
    let first = notify::run_once(&state, &down, &http).await.unwrap();
    let second = notify::run_once(&state, &down, &http).await.unwrap();
    assert_eq!((first.failed, second.failed), (1, 1));
    let status =
        server.sql().column("SELECT status FROM notifications WHERE channel = '断线'", &[]);
    assert_eq!(status, ["failed"]);
}
