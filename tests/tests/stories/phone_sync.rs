//! The phone's store and sync engine against a real server: offline work, two phones of one
//! cadre, the network cut mid-push, a refused op.

use std::sync::Arc;

use chrono::Duration;
use minqing_mobile::Store;
use minqing_mobile::services::Services;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit, stamp_and_apply};
use minqing_mobile::sync::{SyncEngine, SyncError, TransportError};
use minqing_shared::concern::{Category, ConcernStatus, SpecialReport};
use minqing_shared::ids::HouseholdId;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::{Topic, VisitMode};
use minqing_tests::faults::{Fault, FaultyTransport};
use minqing_tests::{ApiPhone, County, PASSWORD, TestServer};

struct Phone {
    engine: SyncEngine<FaultyTransport>,
    _dir: tempfile::TempDir,
}

impl Phone {
    async fn login(url: &str, user: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("phone.db")).unwrap());
        let engine = SyncEngine::new(store, FaultyTransport::default())
            .with_clock(minqing_tests::clock::shared());
        engine.login(url, user, PASSWORD, "测试手机").await.unwrap();
        Self { engine, _dir: dir }
    }
    fn store(&self) -> &Store {
        self.engine.store()
    }
    fn net(&self) -> &FaultyTransport {
        self.engine.transport()
    }
}

fn visit(household: HouseholdId, i: usize) -> NewVisit {
    NewVisit {
        photos: Vec::new(),
        household_id: household,
        mode: VisitMode::InPerson,
        topics: vec![Topic::KeyWork, Topic::HotIssues],
        policies: "讲解医保缴费政策".into(),
        summary: format!("第{i}次走访：谈了收成、医保和孩子上学"),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![],
    }
}

/// Ten households of wang's, created and confirmed from another device of his.
async fn households(url: &str, county: &County) -> Vec<HouseholdId> {
    let mut setup = ApiPhone::login(url, "wang").await;
    let mut ids = Vec::new();
    let mut ops = Vec::new();
    for i in 0..10 {
        let (id, op) = setup.new_household(county.village, &format!("户主{i}"));
        ids.push(id);
        ops.push(op);
        let confirmed = HouseholdPatch {
            status: Some(minqing_shared::household::HouseholdStatus::Confirmed),
            ..HouseholdPatch::default()
        };
        ops.push(setup.op(id.0, Payload::Household(confirmed)));
    }
    assert!(setup.push(&ops).await.ok().rejected.is_empty());
    ids
}

fn server_visits(server: &TestServer) -> i64 {
    server.sql().count("SELECT COUNT(*) FROM visits", &[])
}

#[tokio::test]
async fn twenty_visits_recorded_offline_reach_the_cadre_s_second_phone() {
    let server = TestServer::start().await;
    let county = server.county();
    let homes = households(&server.url, &county).await;
    let phone = Phone::login(&server.url, "wang").await;
    phone.engine.sync_once().await.unwrap();
    let today = minqing_tests::clock::today();
    assert_eq!(phone.store().week(today).unwrap().total, 10);

    // A day at the doorsteps with no signal.
    phone.net().set_offline(true);
    let start = minqing_tests::clock::now() - Duration::hours(3);
    for i in 0..20 {
        let mut v = visit(homes[i % 10], i);
        if i == 3 {
            v.concerns.push(NewConcern {
                photos: Vec::new(),
                category: Category::Schooling,
                description: "孩子14岁，交不起学费辍学".into(),
                disposition: Disposition::Escalated(SpecialReport {
                    title: "学生辍学".into(),
                    content: "建议减免学费".into(),
                    households_affected: Some(1),
                }),
            });
        }
        phone.store().record_visit(&v, start + Duration::minutes(i as i64 * 5)).unwrap();
    }
    assert_eq!(phone.store().pending_count().unwrap(), 22);
    let offline = phone.engine.sync_once().await.unwrap_err();
    assert!(offline.is_transient(), "{offline}");
    let info = phone.store().sync_info().unwrap();
    assert_eq!(info.pending, 22);
    assert!(info.last_error.unwrap().contains("no signal"));
    let week = phone.store().week(today).unwrap();
    assert_eq!(week.visited, 10, "every household visited this week, offline");

    // Back in signal.
    phone.net().set_offline(false);
    let report = phone.engine.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (22, 0));
    assert_eq!(phone.store().pending_count().unwrap(), 0);
    assert_eq!(server_visits(&server), 20);

    let second = Phone::login(&server.url, "wang").await;
    second.engine.sync_once().await.unwrap();
    let week = second.store().week(today).unwrap();
    assert_eq!((week.visited, week.total), (10, 10));
    let detail = second.store().household_detail(homes[3], today).unwrap().unwrap();
    assert_eq!(detail.visits.len(), 2);
    assert_eq!(detail.concerns.len(), 1);
    assert_eq!(detail.concerns[0].status, Some(ConcernStatus::Escalated));
}

#[tokio::test]
async fn a_push_cut_midway_is_resumed_with_nothing_lost_or_doubled() {
    let server = TestServer::start().await;
    let county = server.county();
    let homes = households(&server.url, &county).await;
    let phone = Phone::login(&server.url, "wang").await;
    phone.engine.sync_once().await.unwrap();
    // 450 visits: several pushes (at most 200 ops or ~32 KB each).
    for i in 0..450 {
        phone
            .store()
            .record_visit(
                &visit(homes[i % 10], i),
                minqing_tests::clock::now() - Duration::seconds(450 - i as i64),
            )
            .unwrap();
    }
    // The first push goes through, the second is committed but its answer is lost, the third
    // never leaves the phone.
    phone.net().plan(vec![None, Some(Fault::DropResponse), Some(Fault::DropRequest)]);
    let err = phone.engine.sync_once().await.unwrap_err();
    assert!(matches!(err, SyncError::Transport(_)), "{err}");
    let pending = phone.store().pending_count().unwrap() as i64;
    let acked = 450 - pending;
    assert!(acked > 0 && pending > 0, "one batch acknowledged, {pending} pending");
    let stored = server_visits(&server);
    assert!(stored > acked && stored < 450, "the batch whose answer was lost is stored: {stored}");

    phone.net().plan(vec![Some(Fault::DropRequest)]);
    assert!(phone.engine.sync_once().await.is_err());
    let report = phone.engine.sync_once().await.unwrap();
    assert_eq!(report.rejected, 0);
    assert_eq!(phone.store().pending_count().unwrap(), 0);
    assert_eq!(server_visits(&server), 450, "nothing lost, nothing doubled");
    let week = phone.store().week(minqing_tests::clock::today()).unwrap();
    assert_eq!(week.visited, 10);
}

#[tokio::test]
async fn a_refused_op_is_shown_with_its_reason_and_blocks_nothing() {
    let server = TestServer::start().await;
    let county = server.county();
    let homes = households(&server.url, &county).await;
    let phone = Phone::login(&server.url, "wang").await;
    phone.engine.sync_once().await.unwrap();
    // A household in another township's village: the server will refuse it.
    phone
        .store()
        .write(|tx| {
            let patch = HouseholdPatch {
                village_id: Some(county.other_village),
                head_name: Some("外乡户".into()),
                cadre_id: Some(Some(county.wang)),
                ..HouseholdPatch::default()
            };
            stamp_and_apply(
                tx,
                HouseholdId::new().0,
                Payload::Household(patch),
                minqing_tests::clock::now_ms(),
            )
        })
        .unwrap();
    phone.store().record_visit(&visit(homes[0], 1), minqing_tests::clock::now()).unwrap();
    let report = phone.engine.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (2, 1));
    let info = phone.store().sync_info().unwrap();
    assert_eq!(info.pending, 0);
    assert_eq!(info.rejected.len(), 1);
    assert_eq!(info.rejected[0].error, "out_of_scope");
    assert!(!info.rejected[0].message.is_empty());
    assert_eq!(server_visits(&server), 1);
}

#[tokio::test]
async fn the_server_lists_each_phone_with_the_app_version_it_runs() {
    let server = TestServer::start().await;
    server.county();
    let phone = Phone::login(&server.url, "wang").await;
    let device = phone.store().account().unwrap().unwrap().device_id;
    phone.engine.sync_once().await.unwrap();
    let devices = server.write(|tx| tx.devices(None));
    let row = devices.iter().find(|d| d.id == device).expect("the phone is listed");
    let expected = format!("minqing-mobile/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(row.app_version.as_deref(), Some(expected.as_str()));
    assert!(row.last_seen_ms.is_some(), "the sync is recorded");
}

#[tokio::test]
async fn a_password_change_ends_every_other_sign_in_and_the_changing_phone_keeps_syncing() {
    let server = TestServer::start().await;
    let county = server.county();
    households(&server.url, &county).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("phone.db")).unwrap());
    let services =
        Services::with_clock(store, FaultyTransport::default(), minqing_tests::clock::shared());
    services.login(&server.url, "wang", minqing_tests::PASSWORD).await.unwrap();
    services.engine().sync_once().await.unwrap();
    let old_token = services.store().account().unwrap().unwrap().token;
    // wang's other phone, and the token it was given.
    let other = minqing_tests::ApiPhone::login(&server.url, "wang").await;
    assert_eq!(other.pull_page(0, 10).await.status, 200);

    let engine = services.engine();
    engine
        .change_password(&server.url, "wang", minqing_tests::PASSWORD, "换个密码abc1")
        .await
        .unwrap();
    let new_token = services.store().account().unwrap().unwrap().token;
    assert_ne!(new_token, old_token, "the phone that changed it got a new token");
    services.engine().sync_once().await.expect("and keeps syncing with it");
    let stale = other.pull_page(0, 10).await;
    assert_eq!(stale.status, 401, "the other phone's token ended");
    assert_eq!(stale.err().error, "token_revoked");
    let replayed = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=10", server.url))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 401, "the changing phone's old token ended too");
}

#[tokio::test]
async fn a_password_reset_by_the_office_is_changed_on_the_phone_which_then_logs_in() {
    let server = TestServer::start().await;
    let county = server.county();
    let ids = households(&server.url, &county).await;
    let initial = "initial-7Kq2";
    let hash = minqing_server::password::hash_password(initial);
    server.write(|tx| tx.set_password(county.wang, &hash, true, 0));

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("phone.db")).unwrap());
    let services =
        Services::with_clock(store, FaultyTransport::default(), minqing_tests::clock::shared());
    let refused = services.login(&server.url, "wang", initial).await.unwrap_err();
    match &refused {
        SyncError::Transport(TransportError::Server { status: 403, body }) => {
            assert_eq!(body.error, "password_change_required");
        }
        other => panic!("expected password_change_required, got {other}"),
    }
    assert!(services.store().account().unwrap().is_none(), "nothing stored");

    // As the login screen does it: change the password, then log in with the new one.
    let wrong = services.engine().change_password(&server.url, "wang", "not-it-1", "new-pass-1");
    assert!(matches!(
        wrong.await.unwrap_err(),
        SyncError::Transport(TransportError::Server { status: 401, .. })
    ));
    let engine = services.engine();
    engine.change_password(&server.url, "wang", initial, "新的密码abc1").await.unwrap();
    services.login(&server.url, "wang", "新的密码abc1").await.unwrap();
    let account = services.store().account().unwrap().expect("logged in with the new password");
    assert_eq!(account.cadre_id, county.wang);
    services.engine().sync_once().await.unwrap();
    let today = minqing_tests::clock::today();
    let households = services.store().households("", today).unwrap();
    assert_eq!(households.len(), ids.len(), "the cadre's households arrive");

    // The new password is the password now; the initial one is gone.
    assert_eq!(minqing_tests::phone::login(&server.url, "wang", initial).await.status, 401);
    assert_eq!(minqing_tests::phone::login(&server.url, "wang", "新的密码abc1").await.status, 200);
}

#[tokio::test]
async fn a_revoked_phone_is_told_to_log_in_again() {
    let server = TestServer::start().await;
    server.county();
    let phone = Phone::login(&server.url, "wang").await;
    let device = phone.store().account().unwrap().unwrap().device_id;
    server.write(|tx| tx.revoke_device(device, 0));
    let err = phone.engine.sync_once().await.unwrap_err();
    assert!(matches!(err, SyncError::LoggedOut(_)), "{err}");
    assert!(!err.is_transient());
    assert!(phone.store().sync_info().unwrap().last_error.unwrap().contains("此设备已退出登录"));
}

#[tokio::test]
async fn another_cadre_logs_in_on_the_phone_only_after_its_records_are_sent() {
    let server = TestServer::start().await;
    let county = server.county();
    let homes = households(&server.url, &county).await;
    let mut li = ApiPhone::login(&server.url, "li").await;
    let (li_home, create) = li.new_household(county.second_village, "李大娘");
    li.push(&[create]).await.ok();
    let phone = Phone::login(&server.url, "wang").await;
    phone.engine.sync_once().await.unwrap();
    phone.store().record_visit(&visit(homes[0], 0), minqing_tests::clock::now()).unwrap();
    // Unsent records of wang's: li may not log in yet, and nothing is lost.
    let refused = phone.engine.login(&server.url, "li", PASSWORD, "同一部手机").await;
    assert!(refused.is_err());
    assert_eq!(phone.store().pending_count().unwrap(), 1);
    phone.engine.sync_once().await.unwrap();
    // Sent: li logs in, starts from an empty store and cursor 0, and gets all of hers.
    phone.engine.login(&server.url, "li", PASSWORD, "同一部手机").await.unwrap();
    phone.engine.sync_once().await.unwrap();
    let today = minqing_tests::clock::today();
    let week = phone.store().week(today).unwrap();
    assert_eq!(week.households.len(), 1);
    assert_eq!(week.households[0].household.id, li_home);
    assert_eq!(week.total, 0, "a proposed household is listed, not counted, until confirmed");
    assert_eq!(server_visits(&server), 1);
}

#[tokio::test]
async fn a_household_given_to_another_cadre_reaches_its_phone_with_its_history() {
    let server = TestServer::start().await;
    let county = server.county();
    // 王建国 has visited 张老汉 and raised a concern there.
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张老汉");
    let (visit, v) = wang.visit(home, "了解灌溉情况");
    let (concern, raise) = wang.raise(home, Some(visit), Category::Irrigation, "机井坏了");
    assert!(wang.push(&[create, v, raise]).await.ok().rejected.is_empty());

    // 李秀英's phone has synced before (the office gave her a household of her own).
    let mut office = ApiPhone::login(&server.url, "office").await;
    let (_, own_op) = office.new_household(county.second_village, "刘大娘");
    let own_op = {
        let mut op = own_op;
        if let Payload::Household(p) = &mut op.payload {
            p.cadre_id = Some(Some(county.li));
        }
        op
    };
    assert!(office.push(&[own_op]).await.ok().rejected.is_empty());
    let li = Phone::login(&server.url, "li").await;
    li.engine.sync_once().await.unwrap();
    assert!(li.store().account().unwrap().unwrap().cursor > 0);
    let today = minqing_tests::clock::today();
    assert_eq!(li.store().households("", today).unwrap().len(), 1, "刘大娘 only");

    // The office gives 张老汉 to 李秀英: her next sync brings the household whole, with the
    // visit and the concern from before her cursor.
    let patch = HouseholdPatch { cadre_id: Some(Some(county.li)), ..HouseholdPatch::default() };
    let give = office.op(home.0, Payload::Household(patch));
    assert!(office.push(&[give]).await.ok().rejected.is_empty());
    let report = li.engine.sync_once().await.unwrap();
    assert_eq!(report.requests, 2, "one pull and one history");
    let detail = li.store().household_detail(home, today).unwrap().expect("张老汉 is hers now");
    assert_eq!(detail.summary.household.head_name, "张老汉");
    assert_eq!(detail.visits.len(), 1);
    assert_eq!(detail.visits[0].summary, "了解灌溉情况");
    assert_eq!(detail.concerns.len(), 1);
    assert_eq!(detail.concerns[0].id, concern);
    assert!(li.store().pending_histories().unwrap().is_empty());

    // Another cadre may not read the household's history.
    let stranger = ApiPhone::login(&server.url, "zhao").await;
    let path = format!("{}/api/v1/sync/household/{home}/history?through=1000", server.url);
    let answer =
        reqwest::Client::new().get(path).bearer_auth(&stranger.token).send().await.unwrap();
    assert_eq!(answer.status(), 404);

    // A sync with nothing new is two small requests: the erase-order check and one pull.
    assert_eq!(li.engine.sync_once().await.unwrap().requests, 1, "one pull");
}
