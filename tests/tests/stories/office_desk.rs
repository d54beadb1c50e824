//! The responsible unit's desk 我的交办 and the ledger's merged items 合并督办, through the office
//! pages against a real server (SQLite, or PostgreSQL with `MINQING_TEST_POSTGRES`):
//!
//! - 城关镇's joint meeting names 县水利局 the responsible unit of wang's well; the bureau's
//!   office sees it on its desk (not the household's page), reports progress and records 办结,
//!   and wang's phone pulls each step; it may not re-decide, nor touch a concern not assigned
//!   to it.
//! - The Organization Department's ledger names the unit that has not reported progress this
//!   week; it merges two townships' water concerns into one item whose households add up, and
//!   one inquiry on the item reaches both concerns and both cadres' phones.

use chrono::Days;
use minqing_shared::concern::{Category, ConcernAction, Decision, SpecialReport, Step};
use minqing_shared::ids::ConcernId;
use minqing_shared::sync::op::{Op, Payload};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;

fn escalate(title: &str, households: u32) -> ConcernAction {
    ConcernAction::Escalate {
        report: SpecialReport {
            title: title.into(),
            content: "机井坏了，群众吃水要到邻村拉".into(),
            households_affected: Some(households),
        },
    }
}

/// A step dated `days` ago (recorded then, sent now).
fn days_ago(phone: &mut ApiPhone, id: ConcernId, action: ConcernAction, days: u64) -> Op {
    let at = minqing_tests::clock::now() - Days::new(days);
    let step = Step { actor: phone.cadre, at, action };
    phone.op_recorded_at(id.0, Payload::Concern(step), at)
}

/// The steps of concern `id` among what `phone` pulled.
async fn pulled_steps(phone: &mut ApiPhone, id: ConcernId) -> Vec<ConcernAction> {
    phone
        .pull_all()
        .await
        .into_iter()
        .filter(|c| c.op.record_id == id.0)
        .filter_map(|c| match c.op.payload {
            Payload::Concern(step) => Some(step.action),
            _ => None,
        })
        .collect()
}

fn events(server: &TestServer, id: ConcernId) -> i64 {
    let sql = "SELECT COUNT(*) FROM concern_events WHERE concern_id = $1";
    server.sql().count(sql, &[&id.to_string()])
}

#[tokio::test]
async fn the_responsible_unit_reports_progress_and_completes_on_its_desk() {
    let server = TestServer::start().await;
    let county = server.county();
    let (bureau, _) = server.department(&county, "县水利局", "shuili");
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    let (well, raise) = wang.raise(home, None, Category::Irrigation, "机井坏了，吃水难");
    let up = wang.step(well, escalate("三组机井损坏吃水难", 40));
    let (lamp, raise2) = wang.raise(home, None, Category::Roads, "村口路灯不亮");
    let up2 = wang.step(lamp, escalate("村口路灯", 3));
    assert!(wang.push(&[create, raise, up, raise2, up2]).await.ok().rejected.is_empty());

    // The township's meeting: the well to the water bureau, the lamp kept by the township.
    let office = OfficeClient::login(&server.url, "office").await;
    let month = minqing_shared::calendar::YearMonth::of(minqing_tests::clock::today());
    let meeting = office.get(&format!("/office/meeting?month={month}")).await.body;
    assert!(
        meeting.contains("县水利局") && meeting.contains("name=\"unit\""),
        "承办单位 offered: {meeting}"
    );
    assert!(!meeting.contains("县委组织部</option>"), "the Organization Department supervises");
    let deadline = (minqing_tests::clock::today() + Days::new(20)).to_string();
    let decide = |unit: String| {
        let path = format!("/office/concerns/{well}/decide");
        let fields = [
            ("solution".to_owned(), "水利局打新井".to_owned()),
            ("unit".to_owned(), unit),
            ("handler".to_owned(), "李工".to_owned()),
            ("deadline".to_owned(), deadline.clone()),
        ];
        (path, fields)
    };
    let post = |(path, fields): (String, [(String, String); 4])| {
        let office = &office;
        async move {
            let fields: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            office.post(&path, &fields).await
        }
    };
    let before = events(&server, well);
    let bogus = post(decide("00000000-0000-4000-8000-000000000000".into())).await;
    assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bogus.body);
    assert!(bogus.body.contains("承办单位须为本县的乡镇或县直单位"), "{}", bogus.body);
    assert_eq!(events(&server, well), before, "a refused decision stores nothing");
    let saved = post(decide(bureau.to_string())).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let lamp_decided = office
        .post(
            &format!("/office/concerns/{lamp}/decide"),
            &[("solution", "镇上换灯"), ("handler", "城关镇电工"), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(lamp_decided.status, StatusCode::SEE_OTHER, "the office's own unit by default");

    // The bureau's desk lists the well only; the concern page offers progress and 办结 only.
    let shuili = OfficeClient::login(&server.url, "shuili").await;
    let desk = shuili.get("/office/desk").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.body.contains("三组机井损坏吃水难") && desk.body.contains("李工"));
    assert!(!desk.body.contains("村口路灯"), "the township's own assignment is not the bureau's");
    assert!(desk.body.contains("还有20天"), "the countdown to the deadline");
    let page = shuili.get(&format!("/office/concerns/{well}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("报告进展") && page.body.contains("县水利局 · 李工"));
    assert!(!page.body.contains("保存决定"), "the responsible unit does not re-decide");
    let household = shuili.get(&format!("/office/households/{home}")).await;
    assert_eq!(household.status, StatusCode::NOT_FOUND, "the household stays the township's");
    assert_eq!(shuili.get(&format!("/office/concerns/{lamp}")).await.status, StatusCode::NOT_FOUND);
    let redecide = shuili
        .post(
            &format!("/office/concerns/{well}/decide"),
            &[("solution", "不修了"), ("handler", "某人"), ("deadline", &deadline)],
        )
        .await;
    assert!(redecide.body.contains("承办单位只能报告进展和办结"), "{}", redecide.body);
    let foreign =
        shuili.post(&format!("/office/concerns/{lamp}/progress"), &[("note", "不是我们的")]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);

    // Progress: a note is required; then it reaches wang's phone.
    let before = events(&server, well);
    let empty = shuili.post(&format!("/office/concerns/{well}/progress"), &[("note", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(events(&server, well), before);
    let back = [("note", "已完成选址，钻井队下周进场"), ("back", "/office/desk")];
    let reported = shuili.post(&format!("/office/concerns/{well}/progress"), &back).await;
    assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.body);
    assert_eq!(reported.location.as_deref(), Some("/office/desk"));
    let desk = shuili.get("/office/desk").await.body;
    assert!(desk.contains("已完成选址"), "the latest progress");
    assert!(!desk.contains("badge warn\">本周未报</span>"), "this week's report is in");
    let steps = pulled_steps(&mut wang, well).await;
    assert!(
        steps
            .iter()
            .any(|a| matches!(a, ConcernAction::Progress { note } if note.contains("选址"))),
        "the cadre's phone has the progress: {steps:?}"
    );
    let done =
        shuili.post(&format!("/office/concerns/{well}/complete"), &[("note", "新井已通水")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let steps = pulled_steps(&mut wang, well).await;
    assert!(matches!(steps.last(), Some(ConcernAction::Complete { note }) if note == "新井已通水"));
    let desk = shuili.get("/office/desk").await.body;
    assert!(desk.contains("办结") && desk.contains("新井已通水"), "finished ones stay a month");
    let status =
        server.sql().column("SELECT status FROM concerns WHERE id = $1", &[&well.to_string()]);
    assert_eq!(status, ["done"]);
}

#[tokio::test]
async fn the_ledger_names_silent_units_and_merges_related_concerns_into_one_item() {
    let server = TestServer::start().await;
    let county = server.county();
    let (bureau, _) = server.department(&county, "县水利局", "shuili");
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    // Raised, escalated and decided last week: this week's progress is owed.
    let east = ConcernId::new();
    let raise = ConcernAction::Raise {
        household_id: home,
        visit_id: None,
        category: Category::DrinkingWater,
        description: "东关村三组停水".into(),
        photos: Vec::new(),
    };
    let raise = days_ago(&mut wang, east, raise, 10);
    let up = days_ago(&mut wang, east, escalate("东关村三组停水", 40), 9);
    assert!(wang.push(&[create, raise, up]).await.ok().rejected.is_empty());
    let mut zhao = ApiPhone::login(&server.url, "zhao").await;
    let (zhome, zc) = zhao.new_household(county.other_village, "河西赵家");
    let (west, zr) = zhao.raise(zhome, None, Category::DrinkingWater, "河西村水管冻裂");
    let zu = zhao.step(west, escalate("河西村饮水", 12));
    assert!(zhao.push(&[zc, zr, zu]).await.ok().rejected.is_empty());

    let mut township = ApiPhone::login(&server.url, "office").await;
    township.pull_all().await;
    let decision = Decision {
        solution: "水利局维修管网".into(),
        handler: "李工".into(),
        unit: Some(bureau),
        deadline: minqing_tests::clock::today() + Days::new(20),
        meeting_date: minqing_tests::clock::today() - Days::new(8),
    };
    let assign = days_ago(&mut township, east, ConcernAction::Assign { decision }, 8);
    let pushed = township.push(&[assign]).await.ok();
    assert!(pushed.rejected.is_empty(), "{:?}", pushed.rejected);

    // The ledger: the two townships' water concerns merged into one item (40 + 12 households).
    let org = OfficeClient::login(&server.url, "org").await;
    let ledger = org.get("/office/ledger?group=category").await.body;
    assert!(ledger.contains("饮水（2件）"), "related concerns sit together: {ledger}");
    let (e, w) = (east.to_string(), west.to_string());
    let none = org.post("/office/ledger/merge", &[("reason", "两乡镇饮水")]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "nothing chosen");
    let merged = org
        .post(
            "/office/ledger/merge",
            &[("c", &e), ("c", &w), ("reason", "两乡镇饮水困难，涉及52户")],
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let ledger = org.get("/office/ledger").await.body;
    assert!(ledger.contains("合并督办 · 2件"), "{ledger}");
    assert!(ledger.contains("<td class=\"num\">52</td>"), "the item's households add up");
    assert!(
        ledger.contains("本周未报告进展的承办单位：") && ledger.contains("<b>县水利局</b>（1件）"),
        "the bureau decided last week has not reported this week"
    );

    // One inquiry on the item reaches both concerns and both cadres.
    let inquiry = [("kind", "inquiry"), ("note", "电话询问两地进展"), ("back", "/office/ledger")];
    let asked = org.post(&format!("/office/concerns/{east}/supervise"), &inquiry).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let heard = |steps: &[ConcernAction]| {
        steps.iter().any(
            |a| matches!(a, ConcernAction::Supervise { note, .. } if note == "电话询问两地进展"),
        )
    };
    assert!(heard(&pulled_steps(&mut wang, east).await), "wang's concern has the inquiry");
    let zhao_steps = pulled_steps(&mut zhao, west).await;
    assert!(heard(&zhao_steps), "zhao's concern has it too: {zhao_steps:?}");
    assert!(
        zhao_steps
            .iter()
            .any(|a| matches!(a, ConcernAction::PutOnLedger { item: Some(i), .. } if *i == east)),
        "zhao's concern names the item it joined"
    );

    // The bureau reports: the ledger no longer names it.
    let shuili = OfficeClient::login(&server.url, "shuili").await;
    let reported =
        shuili.post(&format!("/office/concerns/{east}/progress"), &[("note", "管网抢修中")]).await;
    assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.body);
    let ledger = org.get("/office/ledger").await.body;
    assert!(!ledger.contains("本周未报告进展的承办单位"), "{ledger}");
    // A township office sees its own member of the item only.
    let own = OfficeClient::login(&server.url, "office").await.get("/office/ledger").await.body;
    assert!(own.contains("东关村三组停水") && !own.contains("河西村饮水"));
}
