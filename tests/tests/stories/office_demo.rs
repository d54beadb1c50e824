//! Every office page over a generated demo county (the small one, for a debug build): each
//! answers 200 for the township office and the Organization Department, the demo cadre has no
//! office, and a page's links to concerns and households open.

use minqing_server::demo::{DEMO_PASSWORD, DemoSpec, generate};
use minqing_tests::TestServer;
use minqing_tests::office::{OfficeClient, login_form};
use minqing_tests::sql::off_runtime;
use reqwest::StatusCode;

const PAGES: &[&str] = &[
    "/office",
    "/office/households",
    "/office/households?status=proposed",
    "/office/households/new",
    "/office/households.csv",
    "/office/week",
    "/office/concerns",
    "/office/concerns?status=overdue",
    "/office/concerns?age=older&category=drinking_water",
    "/office/report",
    "/office/report/export.xlsx",
    "/office/report/export.csv",
    "/office/meeting",
    "/office/ledger",
    "/office/ledger?group=town",
    "/office/desk",
    "/office/notifications",
    "/office/evaluation",
    "/office/evaluation?period=2026-H2",
    "/office/evaluation/notice",
    "/office/cards",
];

/// The first link of the page to `prefix` followed by a UUID.
fn first_link(body: &str, prefix: &str) -> Option<String> {
    let needle = format!("href=\"{prefix}");
    body.match_indices(&needle).find_map(|(at, _)| {
        let id = body.get(at + needle.len()..at + needle.len() + 36)?;
        let uuid = id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        uuid.then(|| format!("{prefix}{id}"))
    })
}

#[tokio::test]
async fn every_page_answers_over_the_demo_county() {
    let server = TestServer::start().await;
    let state = server.state.clone();
    off_runtime(move || generate(&state, &DemoSpec::small())).expect("a demo county");
    let (cadre, _) = login_form(&server.url, "demo-cadre", DEMO_PASSWORD).await;
    assert_eq!(cadre.status, StatusCode::FORBIDDEN);
    for user in ["demo-office", "demo-org"] {
        let office = OfficeClient::login_with(&server.url, user, DEMO_PASSWORD).await;
        for path in PAGES {
            let page = office.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{user} {path}");
        }
        let list = office.get("/office/concerns").await.body;
        let concern = first_link(&list, "/office/concerns/").expect("a concern");
        assert_eq!(office.get(&concern).await.status, StatusCode::OK, "{user} {concern}");
        let registry = office.get("/office/households").await.body;
        let household = first_link(&registry, "/office/households/").expect("a household");
        let form = office.get(&household).await;
        assert!(form.body.contains("联系户登记表"), "{user} {household}");
    }
}
