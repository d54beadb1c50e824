//! A concern from the doorstep to 办结 through the office pages: wang escalates a well with a
//! special report; the office finds it in the list, records the joint meeting's decision (the
//! cadre's phone pulls it), the Organization Department puts it on the ledger and records an
//! inquiry, and the office closes it. Bad input re-renders the form and stores nothing.

use minqing_shared::calendar::{YearMonth, meeting_date};
use minqing_shared::concern::{Category, ConcernAction, SpecialReport};
use minqing_shared::ids::ConcernId;
use minqing_shared::sync::op::Payload;
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;

struct World {
    server: TestServer,
    wang: ApiPhone,
    well: ConcernId,
    fixed: ConcernId,
    foreign: ConcernId,
}

fn escalate(title: &str, households: u32) -> ConcernAction {
    ConcernAction::Escalate {
        report: SpecialReport {
            title: title.into(),
            content: "三组机井坏了两个月，四十户吃水要到邻村拉".into(),
            households_affected: Some(households),
        },
    }
}

async fn world() -> World {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    let (visit, v) = wang.visit(home, "入户走访，了解吃水情况");
    let (well, raise) = wang.raise(home, Some(visit), Category::Irrigation, "机井坏了，吃水难");
    let up = wang.step(well, escalate("三组机井损坏吃水难", 40));
    let (fixed, raise2) = wang.raise(home, Some(visit), Category::Roads, "村口路灯不亮");
    let spot = wang.step(fixed, ConcernAction::ResolveOnSpot { note: "已联系电工修好".into() });
    let ops = [create, v, raise, up, raise2, spot];
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    let mut zhao = ApiPhone::login(&server.url, "zhao").await;
    let (zhome, zc) = zhao.new_household(county.other_village, "河西赵家");
    let (foreign, zr) = zhao.raise(zhome, None, Category::Irrigation, "河西的机井");
    let zu = zhao.step(foreign, escalate("河西机井", 12));
    assert!(zhao.push(&[zc, zr, zu]).await.ok().rejected.is_empty());
    wang.pull_all().await;
    World { server, wang, well, fixed, foreign }
}

fn events(w: &World, id: ConcernId) -> i64 {
    let sql = "SELECT COUNT(*) FROM concern_events WHERE concern_id = $1";
    w.server.sql().count(sql, &[&id.to_string()])
}

#[tokio::test]
async fn the_list_filters_and_the_detail_shows_the_whole_history() {
    let w = world().await;
    let office = OfficeClient::login(&w.server.url, "office").await;
    let all = office.get("/office/concerns").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("机井坏了，吃水难") && all.body.contains("村口路灯不亮"));
    assert!(!all.body.contains("河西的机井"), "another township's concern leaked");
    let cases = [
        ("category=irrigation", true, false),
        ("category=roads", false, true),
        ("status=escalated", true, false),
        ("status=resolved_on_spot", false, true),
        ("age=week", true, true),
        ("age=stale", false, false),
        ("village=00000000-0000-0000-0000-000000000000", false, false),
    ];
    for (query, well, lamp) in cases {
        let page = office.get(&format!("/office/concerns?{query}")).await;
        assert_eq!(page.body.contains("机井坏了，吃水难"), well, "{query}: the well");
        assert_eq!(page.body.contains("村口路灯不亮"), lamp, "{query}: the lamp");
    }
    let detail = office.get(&format!("/office/concerns/{}", w.well)).await;
    for text in
        ["三组机井损坏吃水难", "涉及户数", "40", "反映", "上报", "王建国", "录入联席会议决定"]
    {
        assert!(detail.body.contains(text), "{text} missing from the detail");
    }
    let closed = office.get(&format!("/office/concerns/{}", w.fixed)).await;
    assert!(closed.body.contains("已联系电工修好") && !closed.body.contains("录入联席会议决定"));
    let foreign = office.get(&format!("/office/concerns/{}", w.foreign)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(office.get("/office/concerns/not-an-id").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_meeting_decides_the_phone_pulls_it_the_ledger_follows_and_the_office_closes() {
    let mut w = world().await;
    let office = OfficeClient::login(&w.server.url, "office").await;
    let today = minqing_tests::clock::today();
    let month = YearMonth::of(today);
    let meeting = office.get(&format!("/office/meeting?month={month}")).await;
    assert_eq!(meeting.status, StatusCode::OK);
    assert!(meeting.body.contains("三组机井损坏吃水难") && meeting.body.contains("保存决定"));
    assert!(!meeting.body.contains("河西机井"));

    let path = format!("/office/concerns/{}/decide", w.well);
    let m = month.to_string();
    let due = meeting_date(month).to_string();
    let late = (meeting_date(month) + chrono::Days::new(30)).to_string();
    let cases: Vec<(&str, [&str; 3], &str)> = vec![
        ("no solution", ["", "李水利", &late], "必填"),
        ("no handler", ["县水利局打新井", "", &late], "必填"),
        ("no deadline", ["县水利局打新井", "李水利", ""], "必填"),
        ("a deadline that is not a date", ["县水利局打新井", "李水利", "下个月"], "日期格式"),
        (
            "a deadline before the meeting",
            ["县水利局打新井", "李水利", "2020-01-01"],
            "完成时限不能早于会议日期",
        ),
    ];
    for (name, [solution, handler, deadline], expected) in cases {
        let fields = [
            ("month", m.as_str()),
            ("solution", solution),
            ("handler", handler),
            ("deadline", deadline),
        ];
        let answer = office.post(&path, &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(answer.body.contains(expected), "{name}: {expected} missing");
        assert!(
            answer.body.contains(handler) && answer.body.contains(solution),
            "{name}: entered values kept"
        );
        assert_eq!(events(&w, w.well), 2, "{name}: nothing stored");
    }
    let back = format!("/office/meeting?month={month}");
    let fields = [
        ("month", m.as_str()),
        ("back", &back),
        ("solution", "县水利局年内打新井一眼"),
        ("handler", "李水利"),
        ("deadline", &due),
    ];
    let saved = office.post(&path, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some(back.as_str()));
    let after = office.get(&back).await;
    assert!(after.body.contains("县水利局年内打新井一眼") && after.body.contains("李水利"));

    // The decision reaches wang's phone.
    let changes = w.wang.pull_all().await;
    let decision = changes.iter().find_map(|c| match &c.op.payload {
        Payload::Concern(step) => match &step.action {
            ConcernAction::Assign { decision } if c.op.record_id == w.well.0 => {
                Some(decision.clone())
            }
            _ => None,
        },
        _ => None,
    });
    let decision = decision.expect("the phone pulled the decision");
    assert_eq!(decision.handler, "李水利");
    assert_eq!(decision.meeting_date, meeting_date(month));

    // The township office may not keep the ledger; the Organization Department does.
    let ledger = format!("/office/concerns/{}/ledger", w.well);
    let refused = office.post(&ledger, &[("reason", "涉及40户")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("无权进行此操作"), "{}", refused.body);
    let org = OfficeClient::login(&w.server.url, "org").await;
    let empty = org.post(&ledger, &[("reason", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(events(&w, w.well), 3);
    let put =
        org.post(&ledger, &[("reason", "涉及40户群众饮水"), ("back", "/office/ledger")]).await;
    assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.body);
    let supervise = format!("/office/concerns/{}/supervise", w.well);
    let bad = org.post(&supervise, &[("kind", "lunch"), ("note", "问了")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("请选择询问、检查或调度"));
    let asked =
        org.post(&supervise, &[("kind", "inquiry"), ("note", "电话询问水利站，已选址")]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let page = org.get("/office/ledger").await;
    assert!(page.body.contains("三组机井损坏吃水难") && page.body.contains("河西机井"));
    let next_inquiry = (today + chrono::Days::new(7)).format("%Y-%m-%d").to_string();
    assert!(page.body.contains(&next_inquiry), "the next inquiry is due in a week");
    let township_view = office.get("/office/ledger").await;
    assert!(
        township_view.body.contains("三组机井损坏吃水难")
            && !township_view.body.contains("河西机井")
    );
    assert!(!township_view.body.contains("记录督办"), "offices read the ledger only");

    // 办结.
    let complete = format!("/office/concerns/{}/complete", w.well);
    let no_note = office.post(&complete, &[("note", "")]).await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = office.post(&complete, &[("note", "新井已打成，群众吃上放心水")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let detail = office.get(&format!("/office/concerns/{}", w.well)).await;
    assert!(detail.body.contains("办结") && detail.body.contains("新井已打成"));
    assert!(!detail.body.contains("录入联席会议决定") && !detail.body.contains("调整交办决定"));
    assert_eq!(events(&w, w.well), 6);
}
