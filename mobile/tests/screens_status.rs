//! The screens that show what happened after the doorstep: 民情 with the office's decisions,
//! 名片 with the QR, 同步 with pending and refused records, and 登录 on a new phone.

mod support;

use chrono::Duration;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
use minqing_shared::concern::{Category, ConcernAction, Decision, SpecialReport};
use minqing_shared::sync::Rejection;
use minqing_shared::visit::VisitMode;
use support::dom::App;
use support::{CADRE_NAME, CADRE_PHONE, Phone, UNIT_NAME, VILLAGE_NAME, today, weeks_ago};

fn escalated(title: &str) -> Disposition {
    Disposition::Escalated(SpecialReport {
        title: title.into(),
        content: "需要县水利局支持".into(),
        households_affected: Some(40),
    })
}

fn concern(category: Category, description: &str, disposition: Disposition) -> NewConcern {
    NewConcern { photos: Vec::new(), category, description: description.into(), disposition }
}

#[tokio::test]
async fn concerns_show_status_and_the_office_s_decision() {
    let phone = Phone::logged_in();
    let home = phone.household("钱秀英", "二组8号", "13900000002");
    let visit = NewVisit {
        photos: Vec::new(),
        household_id: home,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: "反映吃水和灌溉".into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![
            concern(Category::DrinkingWater, "三组吃水难，井水不够", escalated("三组吃水难")),
            concern(Category::Irrigation, "机井坏了", escalated("机井维修")),
            concern(Category::Dispute, "与邻居的宅基地纠纷", Disposition::Open),
        ],
    };
    phone.store().record_visit(&visit, weeks_ago(2)).unwrap();
    let ids: Vec<_> = phone.store().concerns().unwrap().into_iter().map(|v| v.state).collect();
    let id_of = |text: &str| ids.iter().find(|s| s.description.contains(text)).unwrap().id;
    let meeting = today() - Duration::days(10);
    let decision = |handler: &str, deadline| ConcernAction::Assign {
        decision: Decision {
            solution: "水利站打新井".into(),
            handler: handler.into(),
            unit: None,
            deadline,
            meeting_date: meeting,
        },
    };
    phone.office_step(id_of("吃水"), decision("李水利", today() + Duration::days(20)));
    phone.office_step(id_of("机井"), decision("张站长", today() - Duration::days(1)));
    let water = id_of("吃水");
    let mut app = App::new(phone.services.clone());
    app.click("民情");
    let text = app.text();
    for expected in [
        "我的民情",
        "未办结 · 3",
        "饮水",
        "三组吃水难，井水不够",
        "已交办",
        "承办人",
        "李水利",
        "完成时限",
        "解决方案",
        "水利站打新井",
        "逾期",
        "张站长",
        "矛盾纠纷",
        "待处理",
        "民情专题报告",
        "钱秀英",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }

    phone.office_step(water, ConcernAction::Complete { note: "新井已通水".into() });
    app.click("本周");
    app.click("民情");
    let text = app.text();
    assert!(text.contains("已办结 · 1") && text.contains("办结时间"), "{text}");
    assert!(text.contains("新井已通水"), "{text}");
}

#[tokio::test]
async fn the_card_is_the_qr_of_the_vcard_with_name_unit_and_phone() {
    let phone = Phone::logged_in();
    let mut app = App::new(phone.services.clone());
    app.click("名片");
    let html = app.html();
    let card = phone.store().card().unwrap().unwrap();
    assert!(html.contains(&card.qr_svg()), "the QR is inlined as SVG");
    assert!(card.to_vcard().contains(&format!("FN:{CADRE_NAME}")));
    let text = app.text();
    for expected in ["我的名片", CADRE_NAME, UNIT_NAME, CADRE_PHONE, VILLAGE_NAME, "扫码"] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
}

#[tokio::test]
async fn sync_shows_pending_records_the_last_error_and_refusals() {
    let phone = Phone::logged_in();
    let home = phone.household("赵大山", "一组5号", "13900000001");
    phone.visit(home, support::now(), "谈了秋收");
    let now = support::now().timestamp_millis();
    let pending = phone.store().pending_count().unwrap();
    phone.store().record_sync(now, Some("offline: no signal")).unwrap();
    let refusal = Rejection {
        device_seq: 2,
        op_id: None,
        error: "out_of_scope".into(),
        message: "该户不在您的联系范围".into(),
    };
    phone.store().acknowledge(1, &[refusal], now, now).unwrap();

    let mut app = App::new(phone.services.clone());
    app.click("同步");
    let text = app.text();
    for expected in [
        "离线",
        "待上传",
        &format!("{}条", pending - 1),
        "上次成功 从未",
        "上次错误",
        "offline: no signal",
        "服务器拒收的记录 · 1",
        "第2条：该户不在您的联系范围",
        "out_of_scope",
        "立即同步",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    app.click("立即同步");
    assert!(app.text().contains("正在同步…"), "progress while syncing");

    phone.store().record_sync(now + 1000, None).unwrap();
    app.click("本周");
    app.click("同步");
    assert!(app.text().contains("在线"));
}

#[tokio::test]
async fn a_new_phone_starts_at_login_in_chinese_with_an_english_switch() {
    let phone = Phone::logged_out();
    let mut app = App::new(phone.services.clone());
    let text = app.text();
    for expected in ["民情通", "服务器地址", "用户名", "密码", "语言", "中文", "English", "登录"]
    {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    assert!(!text.contains("本周走访"), "no tabs before login");

    app.click_attr("id", "login");
    app.settle().await;
    assert!(app.text().contains("请填写服务器地址、用户名和密码"), "{}", app.text());

    app.click("English");
    let text = app.text();
    assert!(text.contains("Server address") && text.contains("Log in"), "{text}");
}

#[tokio::test]
async fn the_login_screen_changes_an_initial_password_and_checks_it_first() {
    let phone = Phone::logged_out();
    let mut app = App::new(phone.services.clone());
    app.click_attr("id", "switch-mode");
    let text = app.text();
    for expected in ["修改密码", "原密码", "新密码（至少8位）", "再次输入新密码", "修改密码并登录"]
    {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    app.type_into("id", "server", 0, support::NO_SERVER);
    app.type_into("id", "username", 0, "wang");
    app.type_into("id", "password", 0, "initial-1");

    app.type_into("id", "new-password", 0, "short");
    app.type_into("id", "new-password-again", 0, "short");
    app.click_attr("id", "login");
    app.settle().await;
    assert!(app.text().contains("新密码至少8位"), "{}", app.text());

    app.type_into("id", "new-password", 0, "new-pass-1");
    app.type_into("id", "new-password-again", 0, "new-pass-2");
    app.click_attr("id", "login");
    app.settle().await;
    assert!(app.text().contains("两次输入的新密码不一致"), "{}", app.text());

    // Well-formed, but nothing listens at the address: the cadre is told, nothing is stored.
    app.type_into("id", "new-password-again", 0, "new-pass-1");
    app.click_attr("id", "login");
    app.settle().await;
    assert!(app.text().contains("修改密码失败：连不上服务器"), "{}", app.text());
    assert!(phone.store().account().unwrap().is_none());

    app.click_attr("id", "switch-mode");
    let text = app.text();
    assert!(!text.contains("再次输入新密码") && text.contains("登录"), "{text}");
}

#[tokio::test]
async fn settings_offer_a_password_change_that_is_checked_before_it_is_sent() {
    let phone = Phone::logged_in();
    let mut app = App::new(phone.services.clone());
    app.click_attr("aria-label", "设置");
    assert!(app.text().contains("修改密码"), "{}", app.text());
    app.type_into("id", "old-password", 0, "minqing-demo");
    app.type_into("id", "new-password", 0, "minqing-demo");
    app.type_into("id", "new-password-again", 0, "minqing-demo");
    app.click_attr("id", "change-password");
    app.settle().await;
    assert!(app.text().contains("新密码不能与原密码相同"), "{}", app.text());
    app.type_into("id", "new-password", 0, "another-one");
    app.type_into("id", "new-password-again", 0, "another-one");
    app.click_attr("id", "change-password");
    app.settle().await;
    assert!(app.text().contains("修改密码失败：连不上服务器"), "{}", app.text());
    assert!(phone.store().account().unwrap().is_some(), "still logged in");
}

#[tokio::test]
async fn a_concern_left_open_is_escalated_later_from_the_concerns_screen() {
    let phone = Phone::logged_in();
    let home = phone.household("钱秀英", "二组8号", "13900000002");
    let visit = NewVisit {
        photos: Vec::new(),
        household_id: home,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: String::new(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![concern(Category::Dispute, "与邻居的宅基地纠纷", Disposition::Open)],
    };
    phone.store().record_visit(&visit, weeks_ago(1)).unwrap();
    let pending = phone.store().pending_count().unwrap();
    let mut app = App::new(phone.services.clone());
    app.click("民情");
    let text = app.text();
    assert!(text.contains("待处理") && text.contains("后续处理"), "{text}");

    app.click("上报");
    app.click("保存");
    assert!(app.text().contains("上报须填写专题报告标题和内容"));
    app.type_into("placeholder", "报告标题", 0, "二组宅基地纠纷");
    app.type_into("placeholder", "报告内容：问题、建议", 0, "建议司法所调解");
    app.type_into("placeholder", "涉及户数", 0, "两户");
    app.click("保存");
    assert!(app.text().contains("涉及户数须为1至100000的整数"), "a number, or nothing");
    app.type_into("placeholder", "涉及户数", 0, "2");
    app.click("保存");
    let text = app.text();
    assert!(text.contains("已保存"), "{text}");
    assert!(text.contains("已上报") && text.contains("等待联席会议研究"), "{text}");
    assert!(!text.contains("后续处理"), "the office's turn now: {text}");
    let state = &phone.store().concerns().unwrap()[0].state;
    assert_eq!(state.report.as_ref().unwrap().title, "二组宅基地纠纷");
    assert_eq!(state.report.as_ref().unwrap().households_affected, Some(2), "涉及户数");
    assert_eq!(phone.store().pending_count().unwrap(), pending + 1);
}

#[tokio::test]
async fn reminders_list_what_needs_the_cadre_with_a_badge_and_the_morning_notice_comes_once() {
    let phone = Phone::logged_in();
    let due = phone.household("孙大娘", "一组1号", "");
    let visited = phone.household("钱大伯", "一组2号", "");
    phone.visit(visited, support::now(), "走访");
    // A concern of the visited household, escalated; the office decides, with a deadline in two
    // days (the phone receives it like a pulled op).
    let visit = NewVisit {
        household_id: visited,
        mode: VisitMode::PhoneFromHousehold,
        topics: vec![],
        policies: String::new(),
        summary: String::new(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![NewConcern {
            category: Category::Roads,
            description: "村口桥面塌了".into(),
            disposition: Disposition::Escalated(SpecialReport {
                title: "村口桥面塌陷".into(),
                content: "需乡里维修".into(),
                households_affected: Some(12),
            }),
            photos: Vec::new(),
        }],
        photos: Vec::new(),
    };
    phone.store().record_visit(&visit, support::now()).unwrap();
    let concern = phone.store().concerns().unwrap().remove(0).state.id;
    let decision = Decision {
        solution: "交通站维修".into(),
        handler: "乡交通站".into(),
        unit: None,
        deadline: today() + Duration::days(2),
        meeting_date: today(),
    };
    phone.office_step(concern, ConcernAction::Assign { decision });

    let mut app = App::new(phone.services.clone());
    // The tab bar closes the page: "… 提醒 3 名片 同步" (no number: no badge).
    let badge = |app: &App| {
        let text = app.text();
        text.rsplit("提醒 ").next()?.split(' ').next()?.parse::<u32>().ok()
    };
    assert_eq!(
        badge(&app),
        Some(3),
        "one household due, one deadline, one decision: {}",
        app.text()
    );
    app.click("提醒");
    app.settle().await;
    let text = app.text();
    // Wednesday 25 November: five days left, Sunday included.
    for expected in [
        "本周还有1户未走访 · 剩5天",
        "孙大娘",
        "临近或超过完成时限的诉求",
        "村口桥面塌了",
        "还剩2天",
        "办公室新动态",
        "承办人：乡交通站",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    let listed = phone.store().reminders(today(), 0).unwrap();
    let due_ids: Vec<_> = listed.due.iter().map(|h| h.household.id).collect();
    assert_eq!(due_ids, vec![due], "a household visited this week is not due");
    // Looked at: the decision is no longer news (the badge counts the rest).
    app.click("本周");
    app.settle().await;
    assert_eq!(badge(&app), Some(2));

    // The morning notice: once a day, in the cadre's words.
    assert_eq!(
        phone.services.morning_reminder().unwrap().as_deref(),
        Some("本周还有1户未走访 · 剩5天")
    );
    assert_eq!(phone.services.morning_reminder().unwrap(), None, "once a day");

    // The responsible unit reports progress 进展: news in 提醒, and a line on the concern —
    // though dated two days back (the phone was out of signal): news is what reached the phone
    // since 提醒 was last opened, whenever it was dated.
    let progress = ConcernAction::Progress { note: "已进场施工".into() };
    phone.office_step_at(concern, progress, support::now() - Duration::days(2));
    app.click("提醒");
    app.settle().await;
    let text = app.text();
    assert!(text.contains("进展 · 道路交通") && text.contains("已进场施工"), "{text}");
    app.click("民情");
    app.settle().await;
    let text = app.text();
    assert!(text.contains("进展") && text.contains("· 已进场施工"), "{text}");
}

#[tokio::test]
async fn concerns_stored_by_an_older_app_are_folded_again_so_a_step_can_be_voided() {
    let phone = Phone::logged_in();
    let home = phone.household("吴大婶", "二组6号", "");
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
            description: "桥面塌了".into(),
            disposition: Disposition::ResolvedOnSpot("已修".into()),
            photos: Vec::new(),
        }],
        photos: Vec::new(),
    };
    phone.store().record_visit(&visit, support::now()).unwrap();
    let me = phone.store().account().unwrap().unwrap().cadre_id;
    // As an app of schema version 3 left it: the stored state without the steps' ops.
    let path = phone.db_path();
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        let state: String = db.query_row("SELECT state FROM concerns", [], |r| r.get(0)).unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&state).unwrap();
        json.as_object_mut().unwrap().remove("history_ops");
        db.execute("UPDATE concerns SET state = ?1", [json.to_string()]).unwrap();
        db.execute_batch("DROP TABLE photos").unwrap();
        db.pragma_update(None, "user_version", 3).unwrap();
    }
    let old = minqing_mobile::Store::open(&path).unwrap();
    let state = old.concerns().unwrap().remove(0).state;
    assert!(state.voidable_by(me).is_some(), "folded again at open: 作废 is offered");
}
