//! Corrections (issue 14, item 4): a cadre corrects or voids (作废) a visit within seven days,
//! with a reason; it travels as an op; the week's figures and the month's counts follow, the
//! same as if the visits had been recorded right; the office's household page shows the history;
//! the cadre's other phone shows the corrected visit; late, foreign or repeated corrections are
//! refused with the reason.

use chrono::Duration;
use minqing_server::store::Db;
use minqing_shared::ids::{HouseholdId, VisitId};
use minqing_shared::sync::op::{AmendmentBody, HouseholdPatch, Payload};
use minqing_shared::visit::VisitMode;
use minqing_tests::faults::app_phone;
use minqing_tests::office::OfficeClient;
use minqing_tests::sql::off_runtime;
use minqing_tests::{ApiPhone, TestServer};

const DERIVED: [&str; 2] = [
    "SELECT household_id, CAST(week AS TEXT), cadre_id FROM household_weeks ORDER BY 1, 2",
    "SELECT household_id, CAST(month AS TEXT), cadre_id, CAST(weekly AS TEXT),
            CAST(contacts AS TEXT) FROM household_months ORDER BY 1, 2, 3, 4",
];

fn confirmed() -> Payload {
    Payload::Household(HouseholdPatch {
        status: Some(minqing_shared::household::HouseholdStatus::Confirmed),
        ..HouseholdPatch::default()
    })
}

fn amend(
    phone: &mut ApiPhone,
    visit: VisitId,
    f: impl FnOnce(&mut AmendmentBody),
) -> minqing_shared::sync::Op {
    let mut body = AmendmentBody::new(visit, phone.cadre, "记错了");
    f(&mut body);
    phone.op(uuid::Uuid::now_v7(), Payload::VisitAmendment(body))
}

async fn two_households(
    county: &minqing_tests::County,
    wang: &mut ApiPhone,
) -> (HouseholdId, HouseholdId) {
    let (a, ca) = wang.new_household(county.village, "张大山");
    let (b, cb) = wang.new_household(county.village, "刘桂兰");
    let (fa, fb) = (wang.op(a.0, confirmed()), wang.op(b.0, confirmed()));
    assert!(wang.push(&[ca, cb, fa, fb]).await.ok().rejected.is_empty());
    (a, b)
}

#[tokio::test]
async fn a_corrected_and_a_voided_visit_change_the_figures_as_if_recorded_right() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (a, b) = two_households(&county, &mut wang).await;
    let (va, visit_a) = wang.visit(a, "入户谈了低保");
    let (vb, visit_b) = wang.visit(b, "入户谈了修路");
    let (vb2, visit_b2) = wang.visit(b, "又记了一次");
    // The first was in fact a call; the third was recorded twice by mistake.
    let call = amend(&mut wang, va, |x| {
        x.mode = Some(VisitMode::PhoneFromHousehold);
        x.note = "其实是电话联系".into();
    });
    let void = amend(&mut wang, vb2, |x| {
        x.void = true;
        x.note = "重复记录".into();
    });
    // The visit and its correction in one push, the void in the next.
    let answer = wang.push(&[visit_a, visit_b, visit_b2, call]).await.ok();
    assert!(answer.rejected.is_empty(), "{:?}", answer.rejected);
    assert!(wang.push(&[void]).await.ok().rejected.is_empty());

    let mut sql = server.sql();
    let modes = sql.rows("SELECT id, mode FROM visits ORDER BY id", &[]);
    let mut expected = vec![
        vec![va.to_string(), "phone_from_household".to_owned()],
        vec![vb.to_string(), "in_person".to_owned()],
    ];
    expected.sort();
    assert_eq!(modes, expected, "the call corrected, the double voided");

    // The derived weeks and months are those a store rebuilt from the visits would hold.
    let noted: Vec<_> = DERIVED.iter().map(|q| sql.rows(q, &[])).collect();
    assert_eq!(noted[0].len(), 1, "only b's week is visited: {:?}", noted[0]);
    assert_eq!(noted[0][0][0], b.to_string());
    sql.rows("DELETE FROM household_weeks", &[]);
    sql.rows("DELETE FROM household_months", &[]);
    sql.rows("UPDATE meta SET value = '0' WHERE key = 'derived_version'", &[]);
    let url = server.db_url.clone();
    off_runtime(move || Db::open(&url).map(drop)).unwrap();
    let rebuilt: Vec<_> = DERIVED.iter().map(|q| sql.rows(q, &[])).collect();
    assert_eq!(rebuilt, noted);

    // The office's coverage counts b only; a is due again.
    let office = OfficeClient::login(&server.url, "office").await;
    let week = office.get("/office/week").await;
    assert!(week.body.contains("张大山"), "a is listed as still due");
    // The household page shows what was corrected and why.
    let page = office.get(&format!("/office/households/{a}")).await.body;
    for expected in ["走访更正记录", "方式改为 群众来电", "其实是电话联系", "入户谈了低保"]
    {
        assert!(page.contains(expected), "{expected:?} missing from the household page");
    }
    let page = office.get(&format!("/office/households/{b}")).await.body;
    assert!(page.contains("作废") && page.contains("重复记录") && page.contains("又记了一次"));

    // A voided visit stays voided; another cadre cannot correct wang's visits.
    let again = amend(&mut wang, vb2, |x| x.void = true);
    let mut li = ApiPhone::login(&server.url, "li").await;
    let foreign = amend(&mut li, vb, |x| x.void = true);
    let codes = |a: minqing_shared::sync::PushResponse| {
        a.rejected.iter().map(|r| r.error.clone()).collect::<Vec<_>>()
    };
    assert_eq!(codes(wang.push(&[again]).await.ok()), ["unknown_visit"]);
    assert_eq!(codes(li.push(&[foreign]).await.ok()), ["forged_author"]);
}

#[tokio::test]
async fn a_visit_is_corrected_within_seven_days_and_to_a_time_of_this_week_or_last() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (a, _) = two_households(&county, &mut wang).await;
    let (old, old_visit) =
        wang.visit_at(a, "上周二入户", minqing_tests::clock::now() - Duration::days(8));
    let (recent, recent_visit) = wang.visit(a, "今天入户");
    let late = amend(&mut wang, old, |x| x.summary = Some("改内容".into()));
    let too_early = amend(&mut wang, recent, |x| {
        x.visited_at = Some(minqing_tests::clock::now() - Duration::weeks(3));
    });
    let fine = amend(&mut wang, recent, |x| {
        x.visited_at = Some(minqing_tests::clock::now() - Duration::days(1));
    });
    let answer = wang.push(&[old_visit, recent_visit, late, too_early, fine]).await.ok();
    let codes: Vec<&str> = answer.rejected.iter().map(|r| r.error.as_str()).collect();
    assert_eq!(codes, ["correction_too_late", "visit_too_old"]);
    assert!(answer.rejected[0].message.starts_with("记录满7天后不能更正或作废"));
    let mut sql = server.sql();
    let stored = sql.column(
        "SELECT CAST(visited_ms AS TEXT) FROM visits WHERE id = $1",
        &[&recent.to_string()],
    );
    let day_before = (minqing_tests::clock::now() - Duration::days(1)).timestamp_millis();
    assert!((stored[0].parse::<i64>().unwrap() - day_before).abs() < 60_000, "{stored:?}");
}

#[tokio::test]
async fn a_correction_made_offline_reaches_the_cadre_s_other_phone() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (a, _) = two_households(&county, &mut wang).await;
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = app_phone(&server.url, "wang", d1.path(), minqing_tests::clock::shared()).await;
    let second = app_phone(&server.url, "wang", d2.path(), minqing_tests::clock::shared()).await;
    let visit = minqing_mobile::store::NewVisit {
        photos: Vec::new(),
        household_id: a,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: "谈了收成".into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![],
    };
    let now = minqing_tests::clock::now();
    let id = first.store().record_visit(&visit, now).unwrap();
    let mut fix = AmendmentBody::new(id, wang.cadre, "写错了");
    fix.summary = Some("谈了收成和医保".into());
    first.store().amend_visit(fix, now).unwrap();
    first.sync_once().await.unwrap();
    second.sync_once().await.unwrap();
    let seen = second.store().visit(id).unwrap().expect("the visit");
    assert_eq!(seen.summary, "谈了收成和医保");
    // Voided on the second phone, it leaves the first one's history and week.
    let mut void = AmendmentBody::new(id, wang.cadre, "走错户了");
    void.void = true;
    second.store().amend_visit(void, now).unwrap();
    second.sync_once().await.unwrap();
    first.sync_once().await.unwrap();
    assert_eq!(first.store().visit(id).unwrap(), None);
    assert_eq!(first.store().week(minqing_tests::clock::today()).unwrap().visited, 0);
}

#[tokio::test]
async fn a_wrong_disposition_is_voided_on_the_phone_and_the_right_one_reaches_the_office() {
    use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
    use minqing_shared::concern::{Category, ConcernAction, ConcernStatus, SpecialReport};

    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, _) = two_households(&county, &mut wang).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = app_phone(&server.url, "wang", dir.path(), minqing_tests::clock::shared()).await;

    // At the doorstep the cadre ticked 马上解决 for what has to go up to the township.
    let visit = NewVisit {
        household_id: home,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: "看了三组的机井".into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![NewConcern {
            category: Category::Irrigation,
            description: "三组机井坏了".into(),
            disposition: Disposition::ResolvedOnSpot("已修好".into()),
            photos: Vec::new(),
        }],
        photos: Vec::new(),
    };
    phone.store().record_visit(&visit, minqing_tests::clock::now()).unwrap();
    phone.sync_once().await.unwrap();
    let status = || server.sql().column("SELECT status FROM concerns", &[]);
    assert_eq!(status(), vec!["resolved_on_spot"]);

    // Voided with the reason, then escalated: the server has the concern escalated.
    let today = minqing_tests::clock::today();
    let concern = phone.store().concerns().unwrap().remove(0).state;
    let me = phone.store().account().unwrap().unwrap().cadre_id;
    let (op, step) = concern.voidable_by(me).expect("the cadre's own latest step");
    assert!(matches!(step.action, ConcernAction::ResolveOnSpot { .. }));
    let void = ConcernAction::Void { step: op, reason: "选错了：机井要乡里维修".into() };
    phone.store().concern_step(concern.id, void, minqing_tests::clock::now()).unwrap();
    let back = phone.store().concerns().unwrap().remove(0).state;
    assert_eq!(back.effective_status(today), Some(ConcernStatus::Raised), "待处理 again");
    let report = SpecialReport {
        title: "三组机井损坏".into(),
        content: "机井坏了，需乡水利站维修".into(),
        households_affected: Some(30),
    };
    let escalate = ConcernAction::Escalate { report };
    phone.store().concern_step(concern.id, escalate, minqing_tests::clock::now()).unwrap();
    phone.sync_once().await.unwrap();
    assert_eq!(status(), vec!["escalated"]);
    assert!(phone.store().sync_info().unwrap().rejected.is_empty());

    // The office sees it escalated, with the voided step and why.
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get(&format!("/office/concerns/{}", concern.id)).await.body;
    for expected in ["作废记录", "马上解决", "已修好", "选错了：机井要乡里维修", "三组机井损坏"]
    {
        assert!(page.contains(expected), "{expected:?} missing from the concern's page");
    }
    // Once the office decided, the cadre's escalation stands: no void is offered, and one sent
    // anyway is refused.
    let escalated = phone.store().concerns().unwrap().remove(0).state;
    let (latest, _) = escalated.voidable_by(me).expect("the escalation is the latest step");
    let mut office_phone = ApiPhone::login(&server.url, "office").await;
    // As a phone that acts on what it synced: its clock has seen the steps it follows.
    office_phone.pull_all().await;
    let today_d = minqing_tests::clock::today();
    let decision = minqing_shared::concern::Decision {
        solution: "乡水利站维修".into(),
        handler: "水利站".into(),
        unit: None,
        deadline: today_d + Duration::days(10),
        meeting_date: today_d,
    };
    let assign = office_phone.step(concern.id, ConcernAction::Assign { decision });
    assert!(office_phone.push(&[assign]).await.ok().rejected.is_empty());
    let late = wang.step(concern.id, ConcernAction::Void { step: latest, reason: "再改".into() });
    let answer = wang.push(&[late]).await.ok();
    assert_eq!(answer.rejected.len(), 1);
    assert_eq!(answer.rejected[0].error, "illegal_transition", "{:?}", answer.rejected[0]);
    assert!(answer.rejected[0].message.starts_with("此时不能作废处理步骤"));
}

#[tokio::test]
async fn a_concern_step_is_voided_only_within_seven_days_by_its_own_cadre() {
    use minqing_shared::concern::{Category, ConcernAction, Step};

    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, _) = two_households(&county, &mut wang).await;
    let eight_days_ago = minqing_tests::clock::now() - Duration::days(8);
    let old = minqing_shared::ids::ConcernId::new();
    let raise = ConcernAction::Raise {
        household_id: home,
        visit_id: None,
        category: Category::Roads,
        description: "村口路坏了".into(),
        photos: Vec::new(),
    };
    let step = Step { actor: wang.cadre, at: eight_days_ago, action: raise };
    let raise = wang.op_recorded_at(old.0, Payload::Concern(step), eight_days_ago);
    let raised_op = raise.op_id;
    assert!(wang.push(&[raise]).await.ok().rejected.is_empty());
    let void = |phone: &mut ApiPhone, step| {
        let action = ConcernAction::Void { step, reason: "重复记录".into() };
        phone.op(
            old.0,
            Payload::Concern(Step { actor: phone.cadre, at: minqing_tests::clock::now(), action }),
        )
    };
    let late = void(&mut wang, raised_op);
    let answer = wang.push(&[late]).await.ok();
    assert_eq!(answer.rejected[0].error, "correction_too_late");
    assert!(answer.rejected[0].message.starts_with("记录满7天后不能更正或作废"));
    // Dating the void back beside the step does not help: the limit is held against the op's
    // own clock, not the date the phone writes into the step.
    let backdated = {
        let action = ConcernAction::Void { step: raised_op, reason: "重复记录".into() };
        let step = Step { actor: wang.cadre, at: eight_days_ago, action };
        wang.op(old.0, Payload::Concern(step))
    };
    let answer = wang.push(&[backdated]).await.ok();
    assert_eq!(answer.rejected.len(), 1, "a backdated void is refused");
    assert_eq!(answer.rejected[0].error, "correction_too_late");

    // A fresh one: li (another cadre of the township) may not void wang's raise; wang may, and
    // the concern is gone from the office's lists.
    let (fresh, mut raise) = wang.raise(home, None, Category::Roads, "重复记的");
    // With a photo: a voided raise takes its photo out of every view.
    let photo = minqing_shared::photo::PhotoId::of(b"a photo of the road");
    if let Payload::Concern(Step { action: ConcernAction::Raise { photos, .. }, .. }) =
        &mut raise.payload
    {
        photos.push(photo.clone());
    }
    let raised_op = raise.op_id;
    assert!(wang.push(&[raise]).await.ok().rejected.is_empty());
    let mut li = ApiPhone::login(&server.url, "li").await;
    let foreign = {
        let action = ConcernAction::Void { step: raised_op, reason: "不是我的".into() };
        li.op(
            fresh.0,
            Payload::Concern(Step { actor: li.cadre, at: minqing_tests::clock::now(), action }),
        )
    };
    assert_eq!(li.push(&[foreign]).await.ok().rejected.len(), 1);
    let own = {
        let action = ConcernAction::Void { step: raised_op, reason: "重复记录".into() };
        wang.op(
            fresh.0,
            Payload::Concern(Step { actor: wang.cadre, at: minqing_tests::clock::now(), action }),
        )
    };
    let refs = |server: &TestServer| {
        server.sql().count("SELECT COUNT(*) FROM photo_refs WHERE photo_id = $1", &[photo.as_str()])
    };
    assert_eq!(refs(&server), 1, "the raise names its photo");
    assert!(wang.push(&[own]).await.ok().rejected.is_empty());
    assert_eq!(refs(&server), 0, "voided with the raise");
    let office = OfficeClient::login(&server.url, "office").await;
    let list = office.get("/office/concerns").await.body;
    assert!(!list.contains("重复记的"), "a voided concern leaves the list");
    assert!(list.contains("村口路坏了"));
}
