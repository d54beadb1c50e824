//! Evaluations and the card sheet: coverage and on-time figures per cadre and unit for the
//! quarter, with charts; rewards and criticisms recorded by the Organization Department only
//! (bad input stores nothing) and printed in the notice 通报; the card sheet holds each cadre's
//! vCard QR code.

use chrono::Days;
use minqing_shared::calendar::{Period, VisitWeek};
use minqing_shared::card::ContactCard;
use minqing_shared::concern::{Category, ConcernAction, Decision, SpecialReport};
use minqing_shared::household::HouseholdStatus;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, County, TestServer};
use reqwest::StatusCode;

fn row(body: &str, name: &str) -> Vec<String> {
    let at = body.find(&format!("data-row=\"{name}\"")).unwrap_or_else(|| panic!("row {name}"));
    let row = &body[at..at + body[at..].find("</tr>").expect("row end")];
    row.split("class=\"num\">").skip(1).map(|c| c[..c.find('<').unwrap()].to_owned()).collect()
}

async fn world() -> (TestServer, County) {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let confirm = || {
        Payload::Household(HouseholdPatch {
            status: Some(HouseholdStatus::Confirmed),
            ..Default::default()
        })
    };
    let (a, ca) = wang.new_household(county.village, "张大山");
    let (b, cb) = wang.new_household(county.village, "刘桂兰");
    let (fa, fb) = (wang.op(a.0, confirm()), wang.op(b.0, confirm()));
    let (visit, v) = wang.visit(a, "入户走访");
    let (lamp, r1) = wang.raise(a, Some(visit), Category::Roads, "路灯不亮");
    let fix = wang.step(lamp, ConcernAction::ResolveOnSpot { note: "修好了".into() });
    let (well, r2) = wang.raise(a, Some(visit), Category::Irrigation, "机井坏了");
    let report =
        SpecialReport {
            title: "机井".into(), content: "需修".into(), households_affected: None
        };
    let up = wang.step(well, ConcernAction::Escalate { report });
    assert!(wang.push(&[ca, cb, fa, fb, v, r1, fix, r2, up]).await.ok().rejected.is_empty());
    // A decision whose deadline has passed: the concern is overdue.
    let today = minqing_tests::clock::today();
    let mut org = ApiPhone::login(&server.url, "org").await;
    let decision = Decision {
        solution: "水利站维修".into(),
        handler: "李水利".into(),
        unit: None,
        deadline: today - Days::new(10),
        meeting_date: today - Days::new(20),
    };
    let assign = org.step(well, ConcernAction::Assign { decision });
    assert!(org.push(&[assign]).await.ok().rejected.is_empty());
    (server, county)
}

#[tokio::test]
async fn scores_charts_rewards_and_the_notice() {
    let (server, county) = world().await;
    let today = minqing_tests::clock::today();
    let quarter = Period::quarter_of(today);
    let weeks = (VisitWeek::of(today).monday() - VisitWeek::of(quarter.first_day()).monday())
        .num_weeks()
        + 1;
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get("/office/evaluation").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&quarter.label_zh()) && page.body.contains("<svg"));
    let due = (2 * weeks).to_string();
    // Households, due, visited, coverage, 位置存疑, raised, on time, late, overdue, rate.
    let wang = row(&page.body, "王建国");
    assert_eq!(
        wang[..4],
        ["2".to_owned(), due.clone(), "1".into(), format!("{:.1}%", 100.0 / (2 * weeks) as f64)]
    );
    assert_eq!(wang[4..], ["0", "2", "1", "0", "1", "50.0%"]);
    assert_eq!(row(&page.body, "城关镇")[..3], ["2".to_owned(), due, "1".into()]);
    assert!(!page.body.contains("河西乡"), "a township office evaluates itself");
    assert!(!page.body.contains("记录奖惩"));
    let refused = office.post("/office/evaluation/notes", &[("period", "2026-Q4")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let half = office
        .get(&format!("/office/evaluation?period={}", Period::half_year_of(today).code()))
        .await;
    assert!(half.body.contains(&Period::half_year_of(today).label_zh()));

    let org = OfficeClient::login(&server.url, "org").await;
    let all = org.get("/office/evaluation").await;
    assert!(all.body.contains("河西乡") && all.body.contains("记录奖惩"));
    let p = quarter.code();
    let (unit, other) = (county.township.to_string(), county.other_township.to_string());
    let (wang_id, zhao) = (county.wang.to_string(), county.zhao.to_string());
    let notes = "SELECT COUNT(*) FROM evaluation_notes";
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Fields<'_>, &str)> = vec![
        ("no unit", vec![("kind", "reward"), ("text", "走访到位")], "请选择单位"),
        ("no kind", vec![("unit", &unit), ("text", "走访到位")], "请选择表彰奖励或通报批评"),
        ("no reason", vec![("unit", &unit), ("kind", "reward"), ("text", "")], "必填"),
        (
            "a cadre of another unit",
            vec![("unit", &unit), ("cadre", &zhao), ("kind", "reward"), ("text", "好")],
            "干部须属于所选单位",
        ),
    ];
    for (name, mut fields, expected) in cases {
        fields.push(("period", &p));
        let answer = org.post("/office/evaluation/notes", &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(answer.body.contains(expected), "{name}: {expected}");
        assert_eq!(server.sql().count(notes, &[]), 0, "{name}");
    }
    let reward = [
        ("period", p.as_str()),
        ("unit", &unit),
        ("cadre", &wang_id),
        ("kind", "reward"),
        ("text", "每周走访到户，群众满意"),
    ];
    assert_eq!(org.post("/office/evaluation/notes", &reward).await.status, StatusCode::SEE_OTHER);
    let criticism =
        [("period", p.as_str()), ("unit", &other), ("kind", "criticism"), ("text", "走访覆盖率低")];
    assert_eq!(
        org.post("/office/evaluation/notes", &criticism).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(server.sql().count(notes, &[]), 2);
    let notice = org.get(&format!("/office/evaluation/notice?period={p}")).await;
    assert_eq!(notice.status, StatusCode::OK);
    // Words a county would print: 第四季度 (not 第4季度), 2026年11月25日, no doubled 季度.
    let today = minqing_tests::clock::today();
    for (printed, written) in [
        ("第四季度", "第4季度"),
        (&*today.format("%Y年%-m月%-d日").to_string(), &*today.to_string()),
        ("季度通报", "季度季度"),
    ] {
        assert!(notice.body.contains(printed), "{printed} missing from the notice");
        assert!(!notice.body.contains(written), "{written} in the notice");
    }
    for text in [
        "季度通报",
        "表彰奖励",
        "城关镇 王建国",
        "每周走访到户，群众满意",
        "通报批评",
        "走访覆盖率低",
        "县委组织部",
    ] {
        assert!(notice.body.contains(text), "{text} missing from the notice");
    }
    let own = office.get(&format!("/office/evaluation/notice?period={p}")).await;
    assert!(
        own.body.contains("每周走访到户") && !own.body.contains("走访覆盖率低"),
        "offices see their own notes"
    );
}

#[tokio::test]
async fn the_card_sheet_holds_every_cadres_qr_code() {
    let (server, county) = world().await;
    let office = OfficeClient::login(&server.url, "office").await;
    let sheet = office.get("/office/cards").await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(sheet.body.matches("class=\"card\"").count(), 2, "wang and li");
    let wang = ContactCard {
        name: "王建国".into(),
        unit: "城关镇".into(),
        title: "干部".into(),
        phone: "13800138000".into(),
        villages: vec!["东关村".into()],
    };
    assert!(sheet.body.contains(&wang.qr_svg_sized(160)), "wang's vCard QR code");
    assert!(sheet.body.contains("size:A4"));
    assert!(!sheet.body.contains("赵志强"));
    let org = OfficeClient::login(&server.url, "org").await;
    let other = org.get(&format!("/office/cards?unit={}", county.other_township)).await;
    assert!(other.body.contains("赵志强") && !other.body.contains("王建国"));
}
