//! The role matrix of the office pages: every page × every role × in scope and out of scope.
//! No page shows a record outside the caller's scope, and no form acts on one.

use minqing_shared::concern::{Category, ConcernAction, SpecialReport};
use minqing_shared::ids::{ConcernId, HouseholdId};
use minqing_tests::office::{OfficeClient, login_form};
use minqing_tests::{ApiPhone, PASSWORD, TestServer};
use reqwest::StatusCode;

const PAGES: &[&str] = &[
    "/office",
    "/office/households",
    "/office/households/new",
    "/office/households.csv",
    "/office/week",
    "/office/concerns",
    "/office/report",
    "/office/report/export.csv",
    "/office/meeting",
    "/office/ledger",
    "/office/evaluation",
    "/office/evaluation/notice",
    "/office/cards",
];

struct World {
    server: TestServer,
    /// (user, household, concern) for wang (城关镇), li (城关镇) and zhao (河西乡).
    homes: Vec<(&'static str, HouseholdId, ConcernId)>,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let county = server.county();
    let mut homes = Vec::new();
    for (user, village) in
        [("wang", county.village), ("li", county.second_village), ("zhao", county.other_village)]
    {
        let mut phone = ApiPhone::login(&server.url, user).await;
        let (home, create) = phone.new_household(village, &format!("{user}家户主"));
        let (visit, v) = phone.visit(home, "走访");
        let (concern, raise) =
            phone.raise(home, Some(visit), Category::Roads, &format!("{user}家门前的路"));
        let escalate = phone.step(
            concern,
            ConcernAction::Escalate {
                report: SpecialReport {
                    title: format!("{user}家的路"),
                    content: "需修".into(),
                    households_affected: None,
                },
            },
        );
        assert!(phone.push(&[create, v, raise, escalate]).await.ok().rejected.is_empty());
        homes.push((user, home, concern));
    }
    World { server, homes }
}

#[tokio::test]
async fn no_office_page_leaks_outside_the_caller_s_scope() {
    let w = world().await;
    let url = &w.server.url;
    // Nobody logged in: every page sends to the login page.
    let anonymous = OfficeClient::anonymous(url);
    for page in PAGES {
        let answer = anonymous.get(page).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "anonymous {page}");
        assert!(
            answer.location.as_deref().is_some_and(|l| l.contains("/office/login")),
            "anonymous {page}"
        );
    }
    // A field cadre's account has no office access.
    for cadre in ["wang", "zhao"] {
        let (answer, session) = login_form(url, cadre, PASSWORD).await;
        assert!(
            session.is_none() && answer.status.is_client_error(),
            "{cadre} got into the office: {}",
            answer.status
        );
    }
    // (role, households it may see)
    let cases = [("office", vec!["wang", "li"]), ("org", vec!["wang", "li", "zhao"])];
    for (role, visible) in cases {
        let office = OfficeClient::login(url, role).await;
        for page in PAGES {
            let answer = office.get(page).await;
            assert_eq!(answer.status, StatusCode::OK, "{role} {page}");
            for (user, _, _) in &w.homes {
                let shown = answer.body.contains(&format!("{user}家户主"))
                    || answer.body.contains(&format!("{user}家门前的路"));
                if !visible.contains(user) {
                    assert!(!shown, "{role} sees {user}'s records on {page}");
                }
            }
        }
        for (user, home, concern) in &w.homes {
            let in_scope = visible.contains(user);
            for path in
                [format!("/office/households/{home}"), format!("/office/concerns/{concern}")]
            {
                let answer = office.get(&path).await;
                if in_scope {
                    assert_eq!(answer.status, StatusCode::OK, "{role} {path}");
                    assert!(answer.body.contains(&format!("{user}家")), "{role} {path}");
                } else {
                    assert!(
                        matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                        "{role} {path}: {}",
                        answer.status
                    );
                    assert!(!answer.body.contains(&format!("{user}家")), "{role} {path} leaks");
                }
            }
        }
    }
}

#[tokio::test]
async fn no_office_form_acts_outside_the_caller_s_scope() {
    let w = world().await;
    let office = OfficeClient::login(&w.server.url, "office").await;
    let (_, zhao_home, zhao_concern) = w.homes[2];
    let before = w.server.sql().count("SELECT COUNT(*) FROM ops", &[]);
    let forms: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/office/concerns/{zhao_concern}/decide"),
            vec![
                ("solution", "修路".into()),
                ("handler", "交通站".into()),
                ("deadline", "2026-12-31".into()),
            ],
        ),
        (format!("/office/concerns/{zhao_concern}/complete"), vec![("note", "办结".into())]),
        (format!("/office/concerns/{zhao_concern}/ledger"), vec![("reason", "多户".into())]),
        ("/office/households/file".to_owned(), vec![("household", zhao_home.to_string())]),
    ];
    for (path, fields) in forms {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = office.post(&path, &fields).await;
        let after = w.server.sql().count("SELECT COUNT(*) FROM ops", &[]);
        assert_eq!(after, before, "{path} acted outside the township ({})", answer.status);
    }
}

#[tokio::test]
async fn an_office_view_of_a_household_or_concern_is_in_the_audit_log() {
    let w = world().await;
    let office = OfficeClient::login(&w.server.url, "office").await;
    let (_, home, concern) = w.homes[0];
    assert_eq!(office.get(&format!("/office/households/{home}")).await.status, StatusCode::OK);
    assert_eq!(office.get(&format!("/office/concerns/{concern}")).await.status, StatusCode::OK);
    // A page refused (out of scope) is not a view.
    let (_, zhao_home, _) = w.homes[2];
    office.get(&format!("/office/households/{zhao_home}")).await;
    let rows = w.server.sql().rows(
        "SELECT a.record_type, a.record_id FROM audit a JOIN cadres c ON c.id = a.cadre_id
         WHERE c.username = 'office' AND a.action = 'view' ORDER BY a.id",
        &[],
    );
    let seen: Vec<(String, String)> =
        rows.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(
        seen,
        vec![
            ("household".to_owned(), home.to_string()),
            ("concern".to_owned(), concern.to_string())
        ]
    );
}

#[tokio::test]
async fn repeated_failed_office_logins_are_throttled() {
    let server = TestServer::start().await;
    server.county();
    for attempt in 1..=5 {
        let (answer, _) = login_form(&server.url, "office", "wrong").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let (answer, session) = login_form(&server.url, "office", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(session.is_none());
    assert!(answer.body.contains("分钟后再试"), "the wait is told");
}

#[tokio::test]
async fn the_organization_department_uploads_a_roster_sees_the_plan_then_imports_it() {
    let server = TestServer::start().await;
    server.county();
    // A township office may not import.
    let office = OfficeClient::login(&server.url, "office").await;
    assert_eq!(office.get("/office/import").await.status, StatusCode::FORBIDDEN);
    let (status, ..) = office.get_bytes("/office/import/template.xlsx").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let home = office.get("/office").await.body;
    assert!(!home.contains("href=\"/office/import\""), "no 名册导入 in a township's menu");
    let org = OfficeClient::login(&server.url, "org").await;
    let home = org.get("/office").await.body;
    assert!(home.contains("href=\"/office/import\">名册导入</a>"), "in the department's menu");
    let page = org.get("/office/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("名册导入"));
    assert!(page.body.contains("href=\"/office/import/template.xlsx\""), "the template is offered");

    // The template downloads, and its sheets carry the Chinese headers the import reads.
    let (status, content_type, bytes) = org.get_bytes("/office/import/template.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("an .xlsx workbook");
    use calamine::Reader;
    assert_eq!(book.sheet_names(), ["单位", "村", "干部", "联系户", "说明"]);
    let households = book.worksheet_range("联系户").unwrap();
    let header: Vec<String> =
        households.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert!(
        header.iter().any(|h| h == "户主") && header.iter().any(|h| h == "联系干部"),
        "{header:?}"
    );
    let csv = "单位名称,单位类别\n河东镇,乡镇\n";
    let upload = |dry_run: bool, csrf: String| {
        let mut form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("单位.csv"),
        );
        if dry_run {
            form = form.text("dry_run", "1");
        }
        reqwest::Client::new()
            .post(format!("{}/office/import", server.url))
            .header("cookie", &org.cookie)
            .multipart(form)
            .send()
    };
    let units = |server: &TestServer| {
        server.sql().count("SELECT COUNT(*) FROM units WHERE name = '河东镇'", &[])
    };
    // Without the page's token: refused, nothing written.
    let forged = upload(false, "forged".into()).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let dry = upload(true, org.csrf.clone()).await.unwrap();
    assert_eq!(dry.status(), StatusCode::OK);
    let body = dry.text().await.unwrap();
    assert!(body.contains("试运行结果") && body.contains("河东镇"), "{body}");
    assert_eq!(units(&server), 0, "a dry run writes nothing");
    let real = upload(false, org.csrf.clone()).await.unwrap();
    let body = real.text().await.unwrap();
    assert!(body.contains("导入完成"), "{body}");
    assert_eq!(units(&server), 1);
}

#[tokio::test]
async fn office_cookies_are_secure_behind_https_and_plain_without() {
    let server = TestServer::start().await;
    let login_cookie = |https: bool| {
        let mut req = reqwest::Client::new().get(format!("{}/office/login", server.url));
        if https {
            req = req.header("x-forwarded-proto", "https");
        }
        async move {
            let resp = req.send().await.unwrap();
            let cookie = resp.headers().get(reqwest::header::SET_COOKIE).unwrap();
            cookie.to_str().unwrap().to_owned()
        }
    };
    let behind_tls = login_cookie(true).await;
    assert!(
        behind_tls.starts_with("minqing_login=") && behind_tls.ends_with("; Secure"),
        "{behind_tls}"
    );
    let plain = login_cookie(false).await;
    assert!(plain.contains("HttpOnly") && !plain.contains("Secure"), "{plain}");
}

#[tokio::test]
async fn an_office_password_reset_by_the_department_is_changed_at_the_next_login() {
    let server = TestServer::start().await;
    let county = server.county();
    let open = OfficeClient::login(&server.url, "office").await;
    assert_eq!(open.get("/office").await.status, StatusCode::OK);
    let initial = "initial-Q7w2";
    let hash = minqing_server::password::hash_password(initial);
    server.write(|tx| tx.set_password(county.office, &hash, true, 0));
    let ended = open.get("/office").await;
    assert!(ended.status.is_redirection(), "the session open before the reset is over");
    assert!(ended.location.as_deref().is_some_and(|l| l.starts_with("/office/login")));
    let login = |fields: Vec<(&'static str, String)>| {
        let url = server.url.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            minqing_tests::office::login_form_with(&url, &fields).await
        }
    };
    let with = |new: &str, again: &str| {
        vec![
            ("username", "office".to_owned()),
            ("password", initial.to_owned()),
            ("new_password", new.to_owned()),
            ("new_password_again", again.to_owned()),
        ]
    };
    // The initial password opens no session: the form asks for a new one.
    let (page, session) =
        login(vec![("username", "office".into()), ("password", initial.into())]).await;
    assert!(session.is_none());
    assert!(page.body.contains("请先修改初始密码") && page.body.contains("修改密码并登录"));
    for (new, again, expected) in [
        ("short", "short", "新密码至少8位"),
        (initial, initial, "新密码不能与原密码相同"),
        ("new-pass-1", "new-pass-2", "两次输入的新密码不一致"),
    ] {
        let (page, session) = login(with(new, again)).await;
        assert!(session.is_none() && page.body.contains(expected), "{expected}: {}", page.body);
    }
    let (page, session) = login(with("城关镇办公室2026", "城关镇办公室2026")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(session.is_some(), "the session opens with the new password");

    let (_, old) = login(vec![("username", "office".into()), ("password", initial.into())]).await;
    assert!(old.is_none(), "the initial password is gone");
    let (_, new) =
        login(vec![("username", "office".into()), ("password", "城关镇办公室2026".into())]).await;
    assert!(new.is_some(), "the new one logs in without another change");
    let changes = server.sql().count(
        "SELECT COUNT(*) FROM audit WHERE record_type = 'password' AND cadre_id = $1",
        &[&county.office.to_string()],
    );
    assert_eq!(changes, 1, "the change is in the audit log");
}
