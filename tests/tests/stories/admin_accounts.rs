//! Accounts, devices, login protection and the audit log, through the real command line:
//! a lost phone revoked and refused, a reset password changed before the next login, a
//! disabled account refused, the sixth bad password throttled, a phone's push and pull audited.

use minqing_tests::admin::{change_password, cli, phone};
use minqing_tests::phone::login;
use minqing_tests::{ApiPhone, County, PASSWORD, TestServer};

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");

async fn county_server() -> (TestServer, County) {
    let server = TestServer::start().await;
    let county = server.county();
    (server, county)
}

#[tokio::test]
async fn a_lost_phone_revoked_on_the_command_line_is_refused_at_its_next_request() {
    let (server, _) = county_server().await;
    let mut lost = ApiPhone::login(&server.url, "wang").await;
    let other = ApiPhone::login(&server.url, "wang").await;
    lost.pull_all().await;

    let list = cli(BINARY, &server.db_url, &["device", "list", "wang"]);
    assert!(list.ok, "{}", list.all());
    assert!(list.stdout.contains(&lost.device_id.to_string()), "{}", list.stdout);
    assert!(list.stdout.contains("测试手机"), "{}", list.stdout);
    assert!(list.stdout.starts_with("设备 device\t用户 user\t名称 name\t版本 app version"));
    assert_eq!(list.stdout.lines().count(), 3, "a header and wang's two phones:\n{}", list.stdout);

    let revoke = cli(BINARY, &server.db_url, &["device", "revoke", &lost.device_id.to_string()]);
    assert!(revoke.ok, "{}", revoke.all());
    let refused = lost.pull_page(0, 10).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.err().error, "token_revoked");
    assert_eq!(other.pull_page(0, 10).await.status, 200, "the other phone goes on");
    let again = cli(BINARY, &server.db_url, &["device", "revoke", &lost.device_id.to_string()]);
    assert!(!again.ok, "revoking twice says so");
    let list = cli(BINARY, &server.db_url, &["device", "list"]);
    assert!(list.stdout.contains("已注销 revoked"), "{}", list.stdout);

    // The other phone, lost too: ordered wiped (audited); refused everywhere but the order's
    // own endpoints; a revoked phone cannot be ordered.
    let wipe = cli(BINARY, &server.db_url, &["device", "wipe", &other.device_id.to_string()]);
    assert!(wipe.ok && wipe.stdout.contains("已要求擦除设备"), "{}", wipe.all());
    let refused = other.pull_page(0, 10).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.err().error, "wipe_requested");
    let list = cli(BINARY, &server.db_url, &["device", "list", "wang"]);
    assert!(list.stdout.contains("待擦除 wipe ordered"), "{}", list.stdout);
    let revoked = cli(BINARY, &server.db_url, &["device", "retire", &lost.device_id.to_string()]);
    assert!(!revoked.ok, "a revoked phone is not ordered: {}", revoked.all());
    let audited = server.sql().count(
        "SELECT COUNT(*) FROM audit WHERE record_type = 'device_wipe_ordered' AND address = 'cli'",
        &[],
    );
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_reset_password_must_be_changed_and_a_disabled_account_is_refused() {
    let (server, _) = county_server().await;
    let reset = cli(BINARY, &server.db_url, &["account", "reset-password", "li"]);
    assert!(reset.ok, "{}", reset.all());
    let password =
        reset.stdout.split_whitespace().nth(2).unwrap().split('（').next().unwrap().to_owned();
    assert_eq!(login(&server.url, "li", PASSWORD).await.status, 401, "the old password is gone");
    let answer = login(&server.url, "li", &password).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.err().error, "password_change_required");
    let (status, _) = change_password(&server.url, "li", &password, "西关村的新密码2026").await;
    assert_eq!(status, 200);
    phone(&server.url, "li", "西关村的新密码2026").await;

    let mut wang = ApiPhone::login(&server.url, "wang").await;
    assert!(cli(BINARY, &server.db_url, &["account", "disable", "wang"]).ok);
    let refused = login(&server.url, "wang", PASSWORD).await;
    assert_eq!((refused.status.as_u16(), refused.err().error.as_str()), (403, "account_disabled"));
    assert_eq!(wang.pull_page(0, 10).await.err().error, "account_disabled");
    assert!(cli(BINARY, &server.db_url, &["account", "enable", "wang"]).ok);
    assert_eq!(wang.pull_all().await.len(), 0);

    let created = cli(
        BINARY,
        &server.db_url,
        &[
            "account",
            "create",
            "sun",
            "--name",
            "孙干部",
            "--unit",
            "城关镇",
            "--role",
            "一般干部",
            "--phone",
            "13700000001",
            "--villages",
            "城关镇/东关村",
        ],
    );
    assert!(created.ok, "{}", created.all());
    let bad = cli(
        BINARY,
        &server.db_url,
        &[
            "account",
            "create",
            "qq",
            "--name",
            "x",
            "--unit",
            "无此单位",
            "--role",
            "一般干部",
            "--phone",
            "13700000002",
        ],
    );
    assert!(!bad.ok);
    assert!(bad.all().contains("没有单位「无此单位」"), "{}", bad.all());
}

#[tokio::test]
async fn the_sixth_bad_login_in_a_row_is_throttled_with_the_wait() {
    let (server, _) = county_server().await;
    for attempt in 1..=5 {
        let answer = login(&server.url, "wang", "wrong").await;
        assert_eq!(answer.status, 401, "attempt {attempt}");
    }
    let throttled = login(&server.url, "wang", PASSWORD).await;
    assert_eq!(throttled.status, 429, "even the right password waits");
    let e = throttled.err();
    assert_eq!(e.error, "too_many_attempts");
    assert!(e.message.contains("15"), "{}", e.message);
    // Other accounts from the same address are not locked out by wang's failures.
    assert_eq!(login(&server.url, "li", PASSWORD).await.status, 200);
    let (status, body) = change_password(&server.url, "wang", PASSWORD, "新的密码123").await;
    assert_eq!((status, body["error"].as_str()), (429, Some("too_many_attempts")));
}

#[tokio::test]
async fn the_audit_log_records_a_phone_s_push_and_pull() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (_, visit) = phone.visit(household, "谈了今年的收成");
    phone.push(&[create, visit]).await.ok();
    let mut second = ApiPhone::login(&server.url, "wang").await;
    assert_eq!(
        second.pull_all().await.len(),
        2,
        "the two ops (the seeded county is not in the log)"
    );

    let mut sql = server.sql();
    let pushes = sql.rows(
        "SELECT action, record_type, device_id FROM audit WHERE action = 'change' ORDER BY id",
        &[],
    );
    let device = phone.device_id.to_string();
    assert_eq!(
        pushes,
        [["change", "household", device.as_str()], ["change", "visit", device.as_str()]]
    );
    let pulls = sql.rows(
        "SELECT record_type, CAST(count AS TEXT), device_id, cadre_id FROM audit WHERE action = 'view'",
        &[],
    );
    assert_eq!(
        pulls,
        [["pull".to_owned(), "2".into(), second.device_id.to_string(), county.wang.to_string()]]
    );

    let export = cli(BINARY, &server.db_url, &["audit", "--who", "wang", "--csv"]);
    assert!(export.ok, "{}", export.all());
    let lines: Vec<&str> = export.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", export.stdout);
    assert!(lines[1].contains(",wang,") && lines[1].contains(",view,pull,,2"), "{}", lines[1]);
    let none = cli(BINARY, &server.db_url, &["audit", "--who", "li", "--since", "2020-01-01"]);
    assert_eq!(none.stdout.lines().count(), 1, "{}", none.stdout);
}

#[tokio::test]
async fn a_reset_made_while_a_cadre_changes_the_password_is_not_overwritten() {
    let (server, county) = county_server().await;
    let seen = minqing_server::password::hash_password(PASSWORD);
    server.write(|tx| tx.set_password(county.li, &seen, false, 0));
    // The office resets it after li's current password was checked against `seen` …
    let reset = minqing_server::password::hash_password("reset-by-office-1");
    server.write(|tx| tx.set_password(county.li, &reset, true, 0));
    // … so li's change, decided against `seen`, changes nothing.
    let mine = minqing_server::password::hash_password("li-chose-this-1");
    assert!(!server.write(|tx| tx.replace_password(county.li, &seen, &mine, 0, None)));
    assert_eq!(login(&server.url, "li", "reset-by-office-1").await.status, 403, "still to change");
    assert_eq!(login(&server.url, "li", "li-chose-this-1").await.status, 401);
    // Decided against the hash that is stored, it takes, and lifts the must-change flag.
    assert!(server.write(|tx| tx.replace_password(county.li, &reset, &mine, 0, None)));
    assert_eq!(login(&server.url, "li", "li-chose-this-1").await.status, 200);
}
