//! 账号管理 and 审计日志 in the office pages: the Organization Department lists every account
//! with its phones, disables and enables an account, resets a password and revokes a lost
//! phone — each refused to a phone at once and written to the audit log — and searches and
//! exports the audit log. A township office gets 403 everywhere; a form without the session's
//! CSRF token changes nothing.

use minqing_server::store::{AuditAction, AuditEntry};
use minqing_shared::sync::{HlcClock, LoginResponse};
use minqing_tests::office::{OfficeClient, Page};
use minqing_tests::phone::login;
use minqing_tests::{ApiPhone, County, PASSWORD, TestServer};
use reqwest::StatusCode;

async fn county_server() -> (TestServer, County) {
    let server = TestServer::start().await;
    let county = server.county();
    (server, county)
}

/// A phone of `username` that reports its app version, as the real app does.
async fn phone_with_version(url: &str, username: &str, version: &str) -> ApiPhone {
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .header(reqwest::header::USER_AGENT, format!("{version} (Android 14)"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD, "device_name": "红米手机"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::OK);
    let login: LoginResponse = resp.json().await.expect("a login body");
    let mut clock = HlcClock::new();
    clock.observe_server_time(login.server_time, minqing_tests::clock::now_ms());
    ApiPhone {
        url: url.to_owned(),
        http: reqwest::Client::new(),
        token: login.token,
        device_id: login.device_id,
        cadre: login.cadre.id,
        seq: 0,
        clock,
        cursor: 0,
    }
}

/// The audit lines of the office's account changes: (who, record type, record).
fn changes(server: &TestServer) -> Vec<Vec<String>> {
    server.sql().rows(
        "SELECT c.username, a.record_type, a.record_id FROM audit a JOIN cadres c ON c.id = a.cadre_id
         WHERE a.action = 'change' AND a.address = 'office' ORDER BY a.id",
        &[],
    )
}

fn flag(server: &TestServer, column: &str, username: &str) -> String {
    let sql = format!("SELECT CAST({column} AS TEXT) FROM cadres WHERE username = $1");
    let sql = if server.db_url.starts_with("sqlite") { sql.replace("$1", "?1") } else { sql };
    server.sql().column(&sql, &[username]).remove(0)
}

fn is_true(v: &str) -> bool {
    matches!(v, "1" | "true")
}

/// Follows a redirect of the office pages.
async fn follow(client: &OfficeClient, answer: &Page) -> Page {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    client.get(answer.location.as_deref().expect("a redirect")).await
}

#[tokio::test]
async fn a_township_office_gets_403_on_every_admin_page_and_form() {
    let (server, county) = county_server().await;
    let wang = ApiPhone::login(&server.url, "wang").await;
    let url = &server.url;
    let anonymous = OfficeClient::anonymous(url);
    for path in ["/office/accounts", "/office/audit", "/office/audit.csv"] {
        let answer = anonymous.get(path).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "anonymous {path}");
    }
    let office = OfficeClient::login(url, "office").await;
    for path in ["/office/accounts", "/office/audit", "/office/audit.csv?user=wang"] {
        let answer = office.get(path).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "office {path}");
        assert!(!answer.body.contains("王建国"), "office {path} shows an account");
    }
    let (wang_id, device) = (county.wang.to_string(), wang.device_id.to_string());
    let forms: [(&str, Vec<(&str, &str)>); 4] = [
        ("/office/accounts/disable", vec![("account", wang_id.as_str())]),
        ("/office/accounts/enable", vec![("account", wang_id.as_str())]),
        ("/office/accounts/reset-password", vec![("account", wang_id.as_str()), ("confirm", "1")]),
        (
            "/office/accounts/revoke-device",
            vec![("account", wang_id.as_str()), ("device", device.as_str()), ("confirm", "1")],
        ),
    ];
    for (path, fields) in &forms {
        let answer = office.post(path, fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "office {path}");
    }
    assert_eq!(wang.pull_page(0, 10).await.status, 200, "the phone goes on");
    assert_eq!(login(url, "wang", PASSWORD).await.status, 200, "the password is unchanged");
    assert!(changes(&server).is_empty());

    // Only the Organization Department's menu has the two pages.
    let home = office.get("/office").await.body;
    assert!(!home.contains("/office/accounts") && !home.contains("/office/audit"));
    let org = OfficeClient::login(url, "org").await;
    let home = org.get("/office").await.body;
    assert!(home.contains("href=\"/office/accounts\">账号管理</a>"), "{home}");
    assert!(home.contains("href=\"/office/audit\">审计日志</a>"), "{home}");
}

#[tokio::test]
async fn the_organization_department_lists_every_account_with_its_phones_and_searches() {
    let (server, _) = county_server().await;
    let mut wang = phone_with_version(&server.url, "wang", "minqing-mobile/0.9.1").await;
    wang.pull_all().await;
    let org = OfficeClient::login(&server.url, "org").await;
    let page = org.get("/office/accounts").await;
    assert_eq!(page.status, StatusCode::OK);
    for (username, name) in [
        ("wang", "王建国"),
        ("li", "李秀英"),
        ("zhao", "赵志强"),
        ("office", "城关镇联系户办公室"),
        ("org", "县委组织部督查室"),
    ] {
        assert!(page.body.contains(&format!("<td class=\"nw\">{username}</td>")), "{username}");
        assert!(page.body.contains(name), "{name}");
    }
    assert!(page.body.contains("河西乡") && page.body.contains("13800138000"));
    assert!(page.body.contains("红米手机"), "wang's phone is listed");
    assert!(page.body.contains("minqing-mobile/0.9.1"), "with its app version");
    assert!(page.body.contains(&wang.device_id.to_string()), "with a revoke form");
    assert!(page.body.contains("共 <b>5</b> 个账号（0 个已停用），手机 1 台（0 台已注销）"));
    assert!(!page.body.contains("最后同步 未同步"), "the pull was recorded as a sync");

    let found = org.get("/office/accounts?q=%E7%8E%8B%E5%BB%BA%E5%9B%BD").await.body;
    assert!(found.contains("王建国") && !found.contains("赵志强"), "searched by name");
    let found = org.get("/office/accounts?q=ZHAO").await.body;
    assert!(found.contains("赵志强") && !found.contains("王建国"), "by username, any case");
    let found = org.get("/office/accounts?q=%E6%B2%B3%E8%A5%BF").await.body;
    assert!(found.contains("赵志强") && !found.contains("李秀英"), "by unit (河西)");
}

#[tokio::test]
async fn a_disabled_account_s_phone_is_refused_until_it_is_enabled_again() {
    let (server, county) = county_server().await;
    let wang = ApiPhone::login(&server.url, "wang").await;
    let org = OfficeClient::login(&server.url, "org").await;
    let wang_id = county.wang.to_string();

    let answer =
        org.post("/office/accounts/disable", &[("account", wang_id.as_str()), ("q", "wang")]).await;
    let page = follow(&org, &answer).await;
    assert!(answer.location.as_deref().unwrap().starts_with("/office/accounts?q=wang&"));
    assert!(page.body.contains("已停用王建国（wang）的账号"), "{}", page.body);
    assert!(page.body.contains("已停用</span>"));
    assert!(is_true(&flag(&server, "disabled", "wang")));
    let refused = wang.pull_page(0, 10).await;
    assert_eq!((refused.status.as_u16(), refused.err().error.as_str()), (403, "account_disabled"));
    let refused = login(&server.url, "wang", PASSWORD).await;
    assert_eq!(refused.err().error, "account_disabled");

    let answer = org.post("/office/accounts/enable", &[("account", wang_id.as_str())]).await;
    let page = follow(&org, &answer).await;
    assert!(page.body.contains("已启用王建国（wang）的账号"), "{}", page.body);
    assert_eq!(wang.pull_page(0, 10).await.status, 200, "the phone works again");

    // The department cannot lock itself out.
    let own = org.post("/office/accounts/disable", &[("account", &county.org.to_string())]).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("不能停用自己正在使用的账号"), "{}", own.body);
    assert!(!is_true(&flag(&server, "disabled", "org")));
    // An unknown account is said so.
    let unknown = org.post("/office/accounts/disable", &[("account", "nobody")]).await;
    assert!(unknown.body.contains("账号不存在"));

    let org_name = "org".to_owned();
    assert_eq!(
        changes(&server),
        [
            vec![org_name.clone(), "account_disabled".into(), wang_id.clone()],
            vec![org_name, "account_enabled".into(), wang_id]
        ]
    );
}

#[tokio::test]
async fn a_reset_password_is_shown_once_and_must_be_changed_at_the_next_login() {
    let (server, county) = county_server().await;
    let org = OfficeClient::login(&server.url, "org").await;
    let li = county.li.to_string();
    // li's phone, logged in before the reset, with a token that pulls.
    let phone = minqing_tests::ApiPhone::login(&server.url, "li").await;
    assert_eq!(phone.pull_page(0, 10).await.status, StatusCode::OK);

    // First the confirmation; nothing changes yet.
    let confirm = org.post("/office/accounts/reset-password", &[("account", &li)]).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("确定为<b>李秀英（li）</b>重置密码吗"), "{}", confirm.body);
    assert_eq!(login(&server.url, "li", PASSWORD).await.status, 200, "not reset yet");

    let resp = reqwest::Client::new()
        .post(format!("{}/office/accounts/reset-password", server.url))
        .header("cookie", &org.cookie)
        .form(&[("_csrf", org.csrf.as_str()), ("account", &li), ("confirm", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cache = resp.headers().get(reqwest::header::CACHE_CONTROL).cloned();
    assert_eq!(cache.as_ref().and_then(|v| v.to_str().ok()), Some("no-store"));
    let body = resp.text().await.unwrap();
    assert!(body.contains("此密码只显示这一次"), "{body}");
    let start = body.find("<code class=\"password\"").expect("the password") + 1;
    let start = start + body[start..].find('>').unwrap() + 1;
    let password = &body[start..start + body[start..].find('<').unwrap()];
    assert_eq!(password.len(), 10, "{password}");

    assert_eq!(login(&server.url, "li", PASSWORD).await.status, 401, "the old password is gone");
    // "原密码立即失效": the phone's token ended with it.
    let pull = phone.pull_page(0, 10).await;
    assert_eq!(pull.status, StatusCode::UNAUTHORIZED, "the old token no longer pulls");
    assert_eq!(pull.err().error, "token_revoked");
    let answer = login(&server.url, "li", password).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.err().error, "password_change_required");
    assert!(is_true(&flag(&server, "must_change_password", "li")));
    let list = org.get("/office/accounts?q=li").await.body;
    assert!(list.contains("待改密码"), "the list shows it");
    assert!(!list.contains(password), "the password is not shown again");
    assert_eq!(changes(&server), [vec!["org".to_owned(), "password_reset".into(), li]]);
}

#[tokio::test]
async fn a_revoked_phone_is_refused_at_its_next_pull_and_the_other_goes_on() {
    let (server, _) = county_server().await;
    let lost = ApiPhone::login(&server.url, "wang").await;
    let other = ApiPhone::login(&server.url, "wang").await;
    let org = OfficeClient::login(&server.url, "org").await;
    let wang = server.sql().column("SELECT id FROM cadres WHERE username = 'wang'", &[]).remove(0);
    let device = lost.device_id.to_string();
    let form = [("account", wang.as_str()), ("device", device.as_str())];

    let confirm = org.post("/office/accounts/revoke-device", &form).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("确定注销<b>王建国（wang）</b>的手机"), "{}", confirm.body);
    assert_eq!(lost.pull_page(0, 10).await.status, 200, "not revoked yet");

    let mut confirmed = form.to_vec();
    confirmed.push(("confirm", "1"));
    let answer = org.post("/office/accounts/revoke-device", &confirmed).await;
    let page = follow(&org, &answer).await;
    assert!(page.body.contains("已注销王建国（wang）的手机「测试手机」"), "{}", page.body);
    assert!(page.body.contains("台（1 台已注销）"), "the list shows it");
    let refused = lost.pull_page(0, 10).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.err().error, "token_revoked");
    assert_eq!(other.pull_page(0, 10).await.status, 200, "wang's other phone goes on");

    let again = org.post("/office/accounts/revoke-device", &confirmed).await;
    assert!(again.body.contains("已经注销"), "{}", again.body);
    // A phone of another account cannot be revoked through wang's.
    let li = server.sql().column("SELECT id FROM cadres WHERE username = 'li'", &[]).remove(0);
    let other_id = other.device_id.to_string();
    let wrong = [("account", li.as_str()), ("device", other_id.as_str()), ("confirm", "1")];
    let wrong = org.post("/office/accounts/revoke-device", &wrong).await;
    assert!(wrong.body.contains("该手机不存在"), "{}", wrong.body);
    assert_eq!(other.pull_page(0, 10).await.status, 200);
    assert_eq!(changes(&server), [vec!["org".to_owned(), "device_revoked".into(), device]]);
}

#[tokio::test]
async fn a_form_without_the_session_s_csrf_token_changes_nothing() {
    let (server, county) = county_server().await;
    let wang = ApiPhone::login(&server.url, "wang").await;
    let org = OfficeClient::login(&server.url, "org").await;
    let (wang_id, device) = (county.wang.to_string(), wang.device_id.to_string());
    let forms: [(&str, Vec<(&str, &str)>); 3] = [
        ("/office/accounts/disable", vec![("account", wang_id.as_str())]),
        ("/office/accounts/reset-password", vec![("account", wang_id.as_str()), ("confirm", "1")]),
        (
            "/office/accounts/revoke-device",
            vec![("account", wang_id.as_str()), ("device", device.as_str()), ("confirm", "1")],
        ),
    ];
    for (path, fields) in &forms {
        let missing = org.post_raw(path, fields).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{path} without a token");
        let mut forged = vec![("_csrf", "forged-token")];
        forged.extend_from_slice(fields);
        let forged = org.post_raw(path, &forged).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{path} with a forged token");
        assert!(forged.body.contains("表单已过期"), "{}", forged.body);
    }
    assert!(!is_true(&flag(&server, "disabled", "wang")));
    assert!(!is_true(&flag(&server, "must_change_password", "wang")));
    assert_eq!(login(&server.url, "wang", PASSWORD).await.status, 200, "the password is kept");
    assert_eq!(wang.pull_page(0, 10).await.status, 200, "the phone is not revoked");
    assert!(changes(&server).is_empty(), "nothing audited");
}

#[tokio::test]
async fn the_audit_page_finds_an_office_view_and_the_csv_export_contains_it() {
    let (server, county) = county_server().await;
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张老汉");
    assert!(wang.push(&[create]).await.ok().rejected.is_empty());
    let office = OfficeClient::login(&server.url, "office").await;
    assert_eq!(office.get(&format!("/office/households/{home}")).await.status, StatusCode::OK);

    let org = OfficeClient::login(&server.url, "org").await;
    let all = org.get("/office/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("城关镇联系户办公室（office）"), "{}", all.body);
    assert!(all.body.contains(&format!("href=\"/office/households/{home}\"")), "{}", all.body);
    assert!(all.body.contains("王建国（wang）"), "wang's push is there too");

    let today = minqing_tests::clock::today();
    let yesterday = today.pred_opt().unwrap();
    let search = |q: String| {
        let org = &org;
        async move { org.get(&format!("/office/audit?{q}")).await }
    };
    let found = search(format!("user=office&action=view&from={today}&to={today}")).await;
    assert!(found.body.contains(&home.to_string()), "{}", found.body);
    assert!(found.body.contains("本页 1 条"), "{}", found.body);
    assert!(!found.body.contains("王建国（wang）"), "only office's lines");
    let none = search(format!("user=office&action=change&from={today}")).await;
    assert!(!none.body.contains(&home.to_string()) && none.body.contains("没有符合条件的记录"));
    let none = search(format!("user=office&to={yesterday}")).await;
    assert!(none.body.contains("没有符合条件的记录"), "nothing before today");
    let wang_changes = search("user=wang&action=change".into()).await;
    assert!(
        wang_changes.body.contains("本页 1 条")
            && wang_changes.body.contains("<td class=\"nw\">联系户</td>")
    );
    let bad = search("user=nobody&from=2026-13-01".into()).await;
    assert!(bad.body.contains("没有用户「nobody」") && bad.body.contains("日期格式应为"));

    let csv_path = format!("/office/audit.csv?user=office&action=view&from={today}");
    let link =
        format!("/office/audit.csv?user=office&amp;from={today}&amp;to={today}&amp;action=view");
    assert!(found.body.contains(&link), "the export is linked with the search");
    let (status, content_type, bytes) = org.get_bytes(&csv_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a byte-order mark for Excel");
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("时间 time") && lines[0].contains("用户 user"));
    assert!(
        lines[1].contains(",office,") && lines[1].contains(&format!(",view,household,{home},1")),
        "{}",
        lines[1]
    );
    let (status, ..) = org.get_bytes("/office/audit.csv?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_audit_page_pages_back_through_more_lines_than_fit() {
    let (server, county) = county_server().await;
    let wang = county.wang;
    server.write(move |tx| {
        for i in 0..620 {
            tx.insert_audit(&AuditEntry {
                at_ms: 1_767_225_600_000 + i, // 2026-01-01 08:00 China time, a ms apart
                cadre_id: Some(wang),
                device_id: None,
                address: None,
                action: AuditAction::View,
                record_type: "pull".into(),
                record_id: Some(format!("line-{i}")),
                count: 1,
            })?;
        }
        Ok(())
    });
    let org = OfficeClient::login(&server.url, "org").await;
    let first = org.get("/office/audit?user=wang&from=2026-01-01&to=2026-01-01").await.body;
    assert!(first.contains("本页 500 条"), "{first}");
    assert!(first.contains(">line-619<") && first.contains(">line-120<"));
    assert!(!first.contains(">line-119<"));
    let at = first.find("更早的记录").expect("a link to the earlier page");
    let href = first[..at].rsplit("href=\"").next().unwrap();
    let href = href[..href.find('"').unwrap()].replace("&amp;", "&");
    let second = org.get(&href).await.body;
    assert!(second.contains("本页 120 条"), "{second}");
    assert!(second.contains(">line-119<") && second.contains(">line-0<"));
    assert!(!second.contains(">line-120<") && !second.contains("更早的记录"));
    let (_, _, bytes) = org.get_bytes("/office/audit.csv?user=wang&from=2026-01-01").await;
    assert_eq!(String::from_utf8(bytes).unwrap().lines().count(), 621, "the export has all");
}
