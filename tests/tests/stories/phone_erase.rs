//! A phone ordered erased, end to end against a real server (SQLite, or PostgreSQL with
//! `MINQING_TEST_POSTGRES`), each phone an encrypted store behind its vault:
//!
//! - 交回 (retired, handed over): at its next sync wang's phone sends its unsent visit first,
//!   then erases its database and keys and reports it; the office sees 已擦除.
//! - 擦除 (wiped, lost): li's phone sends nothing more — its unsent visit never reaches the
//!   server — erases itself and reports it; meanwhile every other endpoint refused it; its token
//!   is dead after.
//!
//! Both orders and both erasures are in the audit log.

use std::sync::Arc;

use minqing_mobile::keys::Cost;
use minqing_mobile::services::Services;
use minqing_mobile::store::NewVisit;
use minqing_mobile::sync::HttpTransport;
use minqing_mobile::vault::Vault;
use minqing_shared::visit::VisitMode;
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, PASSWORD, TestServer};
use reqwest::StatusCode;

const TEST: Cost = Cost { m_kib: 256, t: 1, p: 1 };

/// A phone app with its own folder, logged in as `user`, with a PIN.
async fn app(server: &TestServer, user: &str) -> (Arc<Services>, Arc<Vault>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(Vault::new(dir.path(), TEST));
    let store = vault.open().unwrap().1.expect("a fresh store");
    let services = Services::with_clock(
        Arc::new(store),
        HttpTransport::default(),
        minqing_tests::clock::shared(),
    )
    .with_vault(vault.clone());
    services.login(&server.url, user, PASSWORD).await.expect("login");
    vault.set_pin("246810").unwrap();
    (Arc::new(services), vault, dir)
}

/// A visit recorded on the phone (unsent).
fn visit(app: &Services, household: minqing_shared::ids::HouseholdId, summary: &str) {
    let v = NewVisit {
        household_id: household,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: summary.into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![],
        photos: vec![],
    };
    app.store().record_visit(&v, minqing_tests::clock::now()).unwrap();
}

fn device_of(server: &TestServer, user: &str) -> String {
    let sql = "SELECT d.id FROM devices d JOIN cadres c ON c.id = d.cadre_id
               WHERE c.username = $1 ORDER BY d.created_ms DESC";
    server.sql().column(sql, &[user]).remove(0)
}

fn account_of(server: &TestServer, user: &str) -> String {
    server.sql().column("SELECT id FROM cadres WHERE username = $1", &[user]).remove(0)
}

async fn order(org: &OfficeClient, server: &TestServer, user: &str, what: &str) {
    let (account, device) = (account_of(server, user), device_of(server, user));
    let fields = [("account", account.as_str()), ("device", device.as_str()), ("order", what)];
    let confirm = org.post("/office/accounts/erase-device", &fields).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains("确认"), "a confirmation first");
    let mut fields = fields.to_vec();
    fields.push(("confirm", "1"));
    let done = org.post("/office/accounts/erase-device", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

#[tokio::test]
async fn a_retired_phone_sends_first_and_a_wiped_one_sends_nothing_then_both_erase() {
    let server = TestServer::start().await;
    let county = server.county();
    // Households from the cadres' own API phones, synced to the apps.
    let mut wang_api = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang_api.new_household(county.village, "张大山");
    assert!(wang_api.push(&[create]).await.ok().rejected.is_empty());
    let mut li_api = ApiPhone::login(&server.url, "li").await;
    let (li_home, li_create) = li_api.new_household(county.second_village, "刘桂兰");
    assert!(li_api.push(&[li_create]).await.ok().rejected.is_empty());

    let (wang, wang_vault, wang_dir) = app(&server, "wang").await;
    let (li, li_vault, li_dir) = app(&server, "li").await;
    wang.sync_once().await.unwrap();
    li.sync_once().await.unwrap();
    visit(&wang, home, "交回前的走访");
    visit(&li, li_home, "丢失前的走访");
    assert!(wang.store().pending_count().unwrap() > 0 && li.store().pending_count().unwrap() > 0);

    let org = OfficeClient::login(&server.url, "org").await;
    order(&org, &server, "wang", "retire").await;
    order(&org, &server, "li", "wipe").await;
    let page = org.get("/office/accounts").await.body;
    assert!(page.contains("待交回") && page.contains("待擦除"), "the orders show");

    // Ordered wiped: the API refuses li's token everywhere but the order's own endpoints.
    let li_token = li.store().account().unwrap().unwrap().token;
    let pull = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=10", server.url))
        .bearer_auth(&li_token)
        .send()
        .await
        .unwrap();
    assert_eq!(pull.status(), StatusCode::FORBIDDEN);
    assert!(pull.text().await.unwrap().contains("wipe_requested"));

    // wang's phone: the visit goes up, then the phone erases itself.
    let report = wang.sync_once().await.unwrap();
    assert_eq!(report.erase, Some(minqing_shared::sync::wire::EraseOrder::Retire));
    assert!(report.pushed >= 1, "{report:?}");
    let sent =
        server.sql().count("SELECT COUNT(*) FROM visits WHERE body LIKE '%交回前的走访%'", &[]);
    assert_eq!(sent, 1, "sent before erasing");
    assert!(wang.erased() && wang.store().account().unwrap().is_none());
    assert!(!wang_vault.db_path().exists(), "the database file is gone");
    let left: Vec<_> = std::fs::read_dir(wang_dir.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "keys and journal gone too");

    // li's phone: nothing more is sent.
    let report = li.sync_once().await.unwrap();
    assert_eq!(report.erase, Some(minqing_shared::sync::wire::EraseOrder::Wipe));
    assert_eq!(report.pushed, 0);
    let lost =
        server.sql().count("SELECT COUNT(*) FROM visits WHERE body LIKE '%丢失前的走访%'", &[]);
    assert_eq!(lost, 0, "a lost phone sends nothing more");
    assert!(li.erased() && !li_vault.db_path().exists());
    assert!(std::fs::read_dir(li_dir.path()).unwrap().next().is_none());
    let status = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=10", server.url))
        .bearer_auth(&li_token)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::UNAUTHORIZED, "the token died with the data");

    // The office sees both erased, and when; the audit log has the orders and the erasures.
    let page = org.get("/office/accounts").await.body;
    assert_eq!(page.matches("已擦除 ").count(), 2, "{page}");
    let erased =
        server.sql().count("SELECT COUNT(*) FROM devices WHERE erased_ms IS NOT NULL", &[]);
    assert_eq!(erased, 2);
    for (kind, n) in
        [("device_retire_ordered", 1), ("device_wipe_ordered", 1), ("device_erased", 2)]
    {
        let sql = "SELECT COUNT(*) FROM audit WHERE record_type = $1";
        assert_eq!(server.sql().count(sql, &[kind]), n, "{kind}");
    }
}
