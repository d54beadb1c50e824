//! The screens rendered in a VirtualDom over a real (temp-file) store: what a cadre sees, in
//! Chinese and in English, and the taps of recording a visit at a doorstep.

mod support;

use chrono::{Duration, Utc};
use minqing_mobile::location::Locator;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
use minqing_shared::clock::china_time;
use minqing_shared::concern::{Category, ConcernStatus};
use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::visit::{GeoFix, NoFix};
use minqing_shared::visit::{Topic, VisitMode};
use support::dom::App;
use support::{Phone, VILLAGE_NAME, today, weeks_ago};

fn just_now() -> chrono::DateTime<Utc> {
    support::now() - Duration::minutes(1)
}

fn position(html: &str, needle: &str) -> usize {
    html.find(needle).unwrap_or_else(|| panic!("{needle:?} not on the page"))
}

#[tokio::test]
async fn this_week_shows_progress_and_the_longest_waiting_first() {
    let phone = Phone::logged_in();
    let visited = phone.household("赵大山", "一组5号", "13900000001");
    let two_weeks = phone.household("钱秀英", "二组8号", "13900000002");
    phone.household("孙老汉", "三组1号", "");
    let last_week = phone.household("李桂兰", "四组3号", "13900000004");
    phone.visit(visited, just_now(), "谈了秋收");
    phone.visit(two_weeks, weeks_ago(2), "谈了医保");
    phone.visit(last_week, weeks_ago(1), "谈了修路");

    let app = App::new(phone.services.clone());
    let text = app.text();
    for expected in
        ["本周走访", "1 / 4", "已走访", "待走访 · 3", "本周已走访 · 1", "从未走访", "已1周未走访"]
    {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    let order = ["孙老汉", "钱秀英", "李桂兰", "赵大山"].map(|name| position(&text, name));
    assert!(order.is_sorted(), "never visited, then longest waiting, then visited: {order:?}");
    assert!(
        text.ends_with("本周 联系户 民情 提醒 3 名片 同步"),
        "the tab bar closes the page, 提醒 with its badge: {text}"
    );
}

#[tokio::test]
async fn the_english_switch_changes_every_label_and_is_remembered() {
    let phone = Phone::logged_in();
    let home = phone.household("赵大山", "一组5号", "13900000001");
    phone.visit(home, weeks_ago(1), "谈了秋收");
    let mut app = App::new(phone.services.clone());
    assert!(app.text().contains("待走访"));

    app.click_attr("aria-label", "设置");
    assert!(app.text().contains("登录与设置"));
    app.click("English");
    assert!(app.text().contains("Login and settings"));
    app.click("This week");
    let text = app.text();
    for expected in ["This week's visits", "Still due", "Record visit", "Households", "Concerns"] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    assert!(!text.contains("待走访"), "{text}");
    assert_eq!(phone.store().setting("lang").unwrap().as_deref(), Some("en"));

    // The choice survives a restart of the app.
    let again = App::new(phone.services.clone());
    assert!(again.text().contains("This week's visits"));
}

#[tokio::test]
async fn households_are_searched_and_a_household_shows_its_history() {
    let phone = Phone::logged_in();
    let li = phone.household_with(
        "李桂兰",
        "四组3号",
        "13900000004",
        HouseholdStatus::Proposed,
        &[HouseholdKind::PartyVeteran],
    );
    phone.household("赵大山", "一组5号", "13900000001");
    let visit = NewVisit {
        photos: Vec::new(),
        household_id: li,
        mode: VisitMode::InPerson,
        topics: vec![Topic::HotIssues, Topic::LatestNews],
        policies: "讲解低保申请条件".into(),
        summary: "老人腿脚不便，想了解低保".into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![NewConcern {
            photos: Vec::new(),
            category: Category::Roads,
            description: "村口的路一下雨就走不了".into(),
            disposition: Disposition::Open,
        }],
    };
    phone.store().record_visit(&visit, weeks_ago(1)).unwrap();

    let mut app = App::new(phone.services.clone());
    app.click("联系户");
    let text = app.text();
    assert!(text.contains("李桂兰") && text.contains("赵大山"), "{text}");
    assert!(text.contains(VILLAGE_NAME), "{text}");

    app.type_into("type", "search", 0, "李");
    let text = app.text();
    assert!(text.contains("李桂兰") && !text.contains("赵大山"), "{text}");

    app.click("李桂兰");
    let html = app.html();
    assert!(html.contains("href=\"tel:13900000004\""), "tap to call");
    let text = app.text();
    for expected in [
        "联系户详情",
        "拨打电话 13900000004",
        "老党员",
        "拟联系",
        "民情诉求 · 1",
        "道路交通",
        "村口的路一下雨就走不了",
        "待处理",
        "走访记录 · 1",
        "老人腿脚不便，想了解低保",
        "热点难点、最新动态",
        "宣讲政策：讲解低保申请条件",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }

    // The cadre checked the household at the door and confirms it.
    app.click("确认联系户");
    assert!(app.text().contains("已确认"));
    let detail = phone.store().household_detail(li, today()).unwrap().unwrap();
    assert_eq!(detail.summary.household.status, HouseholdStatus::Confirmed);
    app.click("返回");
    assert!(app.text().contains("赵大山"), "back to the list");
}

#[tokio::test]
async fn a_visit_with_a_concern_takes_six_taps_and_says_saved_after_the_commit() {
    let phone = Phone::logged_in();
    let home = phone.household("钱秀英", "二组8号", "13900000002");
    let pending_before = phone.store().pending_count().unwrap();
    let mut app = App::new(phone.services.clone());
    let mut taps = 0;
    let mut tap = |app: &mut App, text: &str| {
        taps += 1;
        app.click(text);
    };

    tap(&mut app, "记录走访");
    assert!(app.text().contains("记录走访"));
    assert!(app.text().contains("钱秀英"));
    tap(&mut app, "重点工作");
    app.type_into("id", "summary", 0, "谈了今年的收成和孩子上学");
    tap(&mut app, "添加民情诉求");
    tap(&mut app, "饮水");
    app.type_into("placeholder", "群众的诉求", 0, "自来水管冻裂了");
    tap(&mut app, "马上解决");
    assert!(!app.text().contains("已保存"), "nothing says saved before the save");
    tap(&mut app, "保存");
    assert_eq!(taps, 6);

    let text = app.text();
    assert!(text.contains("已保存 · 钱秀英"), "{text}");
    assert!(text.contains("本周走访") && text.contains("1 / 1"), "back on the week: {text}");
    let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
    assert_eq!(detail.visits.len(), 1);
    assert_eq!(detail.visits[0].topics, vec![Topic::KeyWork]);
    assert_eq!(detail.visits[0].summary, "谈了今年的收成和孩子上学");
    assert_eq!(detail.concerns.len(), 1);
    assert_eq!(detail.concerns[0].category, Some(Category::DrinkingWater));
    assert_eq!(detail.concerns[0].status, Some(ConcernStatus::ResolvedOnSpot));
    // The visit, the raise and the resolution wait in the outbox.
    assert_eq!(phone.store().pending_count().unwrap(), pending_before + 3);
}

#[tokio::test]
async fn a_visit_noted_the_next_day_is_dated_when_it_happened() {
    let phone = Phone::logged_in();
    let home = phone.household("周桂芳", "一组2号", "");
    let mut app = App::new(phone.services.clone());
    app.click("记录走访");
    let text = app.text();
    // Wednesday 25 November: this week and last are offered, nothing earlier, nothing later.
    for expected in ["走访时间", "今天 · 11月25日 周三", "昨天 · 11月24日 周二", "11月16日 周一"]
    {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    assert!(!text.contains("11月15日") && !text.contains("11月26日"), "{text}");
    assert!(app.html().contains("value=\"12:00\""), "the time opens at now");

    // A time later today is refused with the reason; nothing is saved.
    app.type_into("id", "visit-time", 0, "18:00");
    app.click("保存");
    assert!(app.text().contains("走访时间不能晚于记录时间"), "{}", app.text());
    assert!(phone.store().household_detail(home, today()).unwrap().unwrap().visits.is_empty());

    // Yesterday evening: saved at that time, and it counts for this week.
    app.choose("id", "visit-day", 0, "2026-11-24");
    app.type_into("id", "visit-time", 0, "19:30");
    app.click("保存");
    assert!(app.text().contains("已保存 · 周桂芳"), "{}", app.text());
    let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
    assert_eq!(detail.visits[0].visited_at, china_time(2026, 11, 24, 19, 30));
    assert_eq!(phone.store().week(today()).unwrap().visited, 1);
}

#[tokio::test]
async fn the_form_takes_a_location_fix_or_says_why_not_and_never_waits_for_it() {
    let fix = GeoFix { lat: 36.01, lon: 114.49, accuracy_m: Some(12.0), fixed_at: None };
    for (locator, shown, gps, no_fix) in [
        (Locator::Fixed(Ok(fix)), "已定位 · 精度约12米", Some(fix), None),
        (
            Locator::Fixed(Err(NoFix::Denied)),
            "未定位：未授权定位（不影响保存）",
            None,
            Some(NoFix::Denied),
        ),
    ] {
        let phone = Phone::logged_in_at(locator);
        let home = phone.household("郑秀兰", "二组3号", "");
        let mut app = App::new(phone.services.clone());
        app.click("记录走访");
        app.settle().await;
        assert!(app.text().contains(shown), "{shown:?} missing from: {}", app.text());
        app.click("保存");
        let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
        assert_eq!((detail.visits[0].gps, detail.visits[0].no_fix), (gps, no_fix));
    }
    // Saved before the platform answered: recorded as no fix in time.
    let phone = Phone::logged_in();
    let home = phone.household("郑秀兰", "二组3号", "");
    let mut app = App::new(phone.services.clone());
    app.click("记录走访");
    assert!(app.text().contains("正在定位…（不影响保存）"), "{}", app.text());
    app.click("保存");
    let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
    assert_eq!(detail.visits[0].no_fix, Some(NoFix::Timeout));
}

#[tokio::test]
async fn a_cadre_proposes_a_household_which_is_listed_but_not_counted() {
    let phone = Phone::logged_in();
    let pending = phone.store().pending_count().unwrap();
    let mut app = App::new(phone.services.clone());
    app.click("联系户");
    app.click("＋ 新增联系户");
    let text = app.text();
    assert!(text.contains("新增联系户") && text.contains(VILLAGE_NAME), "{text}");
    app.click("提交");
    assert!(app.text().contains("请填写户主姓名"), "{}", app.text());
    app.type_into("id", "head", 0, "冯老四");
    app.type_into("id", "address", 0, "六组 2号");
    app.type_into("id", "phone", 0, "13700001111");
    app.click("困难户");
    app.click("提交");
    let text = app.text();
    assert!(text.contains("已提交，待办公室确认") && text.contains("冯老四"), "{text}");
    let list = phone.store().households("冯老四", today()).unwrap();
    assert_eq!(list.len(), 1);
    let h = &list[0].household;
    assert_eq!((h.status, h.address.as_str()), (HouseholdStatus::Proposed, "六组 2号"));
    assert!(h.kinds.contains(&HouseholdKind::InDifficulty));
    assert_eq!(phone.store().week(today()).unwrap().total, 0, "proposed: listed, not counted");
    assert_eq!(phone.store().pending_count().unwrap(), pending + 1);
}

#[tokio::test]
async fn a_visit_is_corrected_with_a_reason_then_voided() {
    let phone = Phone::logged_in();
    let home = phone.household("吴老三", "五组6号", "");
    phone.visit(home, support::now(), "谈了养老保险");
    phone.visit(home, weeks_ago(2), "两周前的走访");
    let mut app = App::new(phone.services.clone());
    app.click("联系户");
    app.click("吴老三");
    // Only the visit within seven days offers a correction.
    assert_eq!(app.text().matches("更正 / 作废").count(), 1, "{}", app.text());
    app.click("更正 / 作废");
    let text = app.text();
    assert!(text.contains("更正走访") && text.contains("更正原因"), "{text}");
    app.click("保存更正");
    assert!(app.text().contains("请填写更正原因"), "{}", app.text());
    app.type_into("id", "reason", 0, "内容记错了");
    app.click("保存更正");
    assert!(app.text().contains("没有改动"), "{}", app.text());
    app.type_into("id", "summary", 0, "谈了养老保险和医保缴费");
    app.click("保存更正");
    let text = app.text();
    assert!(text.contains("已更正") && text.contains("谈了养老保险和医保缴费"), "{text}");

    app.click("更正 / 作废");
    app.type_into("id", "reason", 0, "走错户了");
    app.click("作废此次走访");
    let text = app.text();
    assert!(text.contains("已作废") && text.contains("走访记录 · 1"), "{text}");
    assert!(!text.contains("谈了养老保险"), "{text}");
    assert_eq!(phone.store().week(today()).unwrap().visited, 0);
}

#[tokio::test]
async fn an_escalated_concern_is_saved_only_with_its_special_report() {
    let phone = Phone::logged_in();
    let home = phone.household("孙老汉", "三组1号", "");
    let mut app = App::new(phone.services.clone());
    app.click("记录走访");
    app.click("群众来电");
    app.click("添加民情诉求");
    app.click("保存");
    assert!(app.text().contains("请选择诉求类别"), "{}", app.text());
    app.click("教育");
    app.type_into("placeholder", "群众的诉求", 0, "孙子14岁，交不起学费辍学在家");
    app.click("上报");
    assert!(app.text().contains("民情专题报告"));
    app.click("保存");
    let text = app.text();
    assert!(text.contains("上报须填写专题报告标题和内容"), "{text}");
    assert!(!text.contains("已保存"), "{text}");
    assert!(phone.store().household_detail(home, today()).unwrap().unwrap().visits.is_empty());

    app.type_into("placeholder", "报告标题", 0, "三组学生辍学");
    app.type_into("placeholder", "报告内容：问题、建议", 0, "建议乡里协调减免学费");
    app.type_into("id", "concern-0-households", 0, "3");
    app.click("保存");
    assert!(app.text().contains("已保存 · 孙老汉"), "{}", app.text());
    let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
    assert_eq!(detail.visits[0].mode, VisitMode::PhoneFromHousehold);
    let concern = &detail.concerns[0];
    assert_eq!(concern.status, Some(ConcernStatus::Escalated));
    assert_eq!(concern.report.as_ref().unwrap().title, "三组学生辍学");
    assert_eq!(concern.report.as_ref().unwrap().households_affected, Some(3), "涉及户数");
    // A call is recorded, but the household is still due this week.
    assert!(detail.summary.due);
}

#[tokio::test]
async fn the_week_lists_a_proposed_household_without_counting_it_or_calling_the_phone_empty() {
    let phone = Phone::logged_in();
    let app = App::new(phone.services.clone());
    assert!(app.text().contains("还没有联系户，请先同步"), "an empty phone: {}", app.text());

    phone.household_with("孙桂芝", "五组2号", "13900000009", HouseholdStatus::Proposed, &[]);
    let app = App::new(phone.services.clone());
    let text = app.text();
    assert!(text.contains("孙桂芝"), "listed: {text}");
    assert!(text.contains("0 / 0"), "not counted until confirmed: {text}");
    assert!(!text.contains("还没有联系户"), "not called empty: {text}");
}

#[tokio::test]
async fn a_photo_is_taken_shown_removed_and_saved_with_the_visit() {
    // A picture as the camera gives it (larger than the phone keeps).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("camera.png");
    image::ImageBuffer::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x / 7) as u8, (y / 5) as u8, 90u8])
    })
    .save(&file)
    .unwrap();
    let phone = Phone::logged_in_with_camera(file);
    let home = phone.household("冯秋菊", "三组8号", "");
    let mut app = App::new(phone.services.clone());
    app.click("记录走访");
    assert!(app.text().contains("照片（最多3张）"), "{}", app.text());
    app.click("拍照/选照片");
    assert_eq!(app.html().matches("data:image/jpeg;base64,").count(), 1, "the thumbnail shows");
    app.click("拍照/选照片");
    assert_eq!(app.html().matches("data:image/jpeg;base64,").count(), 1, "the same picture once");
    app.click_attr("title", "删除照片");
    assert_eq!(app.html().matches("data:image/jpeg;base64,").count(), 0, "removed");
    app.click("拍照/选照片");
    app.click("保存");
    assert!(app.text().contains("已保存 · 冯秋菊"), "{}", app.text());

    let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
    assert_eq!(detail.visits[0].photos.len(), 1);
    let id = &detail.visits[0].photos[0];
    let jpeg = phone.store().photo_jpeg(id).unwrap().expect("kept until sent");
    let kept = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((kept.width(), kept.height()), (1280, 960), "made small, the shape kept");
    assert_eq!(phone.store().sync_info().unwrap().photos_waiting, 1);

    // The household's history shows it, waiting to go up; so does 同步.
    app.click("联系户");
    app.click("冯秋菊");
    assert!(app.text().contains("照片待上传"), "{}", app.text());
    app.click("同步");
    assert!(app.text().contains("待上传照片 1张"), "{}", app.text());
}

#[tokio::test]
async fn a_picture_on_a_visit_and_its_concern_shows_on_both() {
    let phone = Phone::logged_in();
    let home = phone.household("褚大伯", "一组2号", "");
    let mut png = std::io::Cursor::new(Vec::new());
    image::ImageBuffer::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 4, 60u8]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let picture = minqing_mobile::photo::take(png.get_ref()).unwrap();
    let visit = NewVisit {
        household_id: home,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: "院墙裂了".into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![NewConcern {
            category: Category::Other,
            description: "院墙裂缝".into(),
            disposition: Disposition::Open,
            photos: vec![picture.clone()],
        }],
        photos: vec![picture.clone()],
    };
    phone.store().record_visit(&visit, support::now()).unwrap();
    let detail = phone.store().household_detail(home, today()).unwrap().unwrap();
    let on = |record: uuid::Uuid| detail.photos.iter().filter(|p| p.record == record).count();
    assert_eq!(on(detail.visits[0].id.0), 1, "on the visit");
    assert_eq!(on(detail.concerns[0].id.0), 1, "and on its concern");
    let concern = &detail.concerns[0];
    assert_eq!(phone.store().photos_of(concern.id.0, &concern.photos).unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_disposition_is_voided_with_a_reason_and_the_concern_is_open_again() {
    let phone = Phone::logged_in();
    let home = phone.household("韩春生", "一组9号", "");
    let visit = NewVisit {
        household_id: home,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: String::new(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![NewConcern {
            category: Category::Roads,
            description: "村口桥面塌了".into(),
            disposition: Disposition::ResolvedOnSpot("已修好".into()),
            photos: Vec::new(),
        }],
        photos: Vec::new(),
    };
    phone.store().record_visit(&visit, support::now()).unwrap();
    let mut app = App::new(phone.services.clone());
    app.click("民情");
    assert!(app.text().contains("作废：马上解决"), "{}", app.text());
    app.click("作废：马上解决");
    app.click("确认作废");
    assert!(app.text().contains("请填写作废原因"), "a reason is required: {}", app.text());
    app.type_into("id", "void-reason", 0, "选错了：桥要乡里修");
    app.click("确认作废");
    let state = phone.store().concerns().unwrap().remove(0).state;
    assert_eq!(state.status, Some(ConcernStatus::Raised), "待处理 again");
    assert_eq!(state.voided[0].reason, "选错了：桥要乡里修");
    let text = app.text();
    assert!(text.contains("待处理") && text.contains("上报"), "the follow-ups are offered: {text}");
    // Voiding the raise too takes the concern off the list.
    assert!(text.contains("作废：反映"), "{text}");
    app.click("作废：反映");
    app.type_into("id", "void-reason", 0, "重复记录");
    app.click("确认作废");
    assert!(phone.store().concerns().unwrap().is_empty());
    assert!(!app.text().contains("村口桥面塌了"), "{}", app.text());
}
