//! A roster kept current by the township office (issue 14, item 6): it edits a household's
//! phone and address, moves it to another of its cadres, retires it (停止联系: 迁出, 去世,
//! 不再联系) from a date and restores it; each change is an audited op that reaches the phones
//! of the cadres concerned, and a retired household leaves the roster and the week's figures.

use minqing_shared::household::HouseholdStatus;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;

#[tokio::test]
async fn the_office_edits_moves_retires_and_restores_a_household() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    let confirm = HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..Default::default() };
    let confirm = wang.op(home.0, Payload::Household(confirm));
    assert!(wang.push(&[create, confirm]).await.ok().rejected.is_empty());
    wang.pull_all().await;
    let mut li = ApiPhone::login(&server.url, "li").await;
    li.pull_all().await;

    let office = OfficeClient::login(&server.url, "office").await;
    let edit = format!("/office/households/{home}/edit");
    let form = office.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("修改联系户信息 · 张大山") && form.body.contains("13900000000"));

    // A new phone number and address; the cadre's phone receives them.
    let mut fields = vec![
        ("village", county.village.to_string()),
        ("head_name", "张大山".to_owned()),
        ("address", "三组 15号".to_owned()),
        ("phone", "13811112222".to_owned()),
        ("cadre", county.wang.to_string()),
        ("notes", String::new()),
        ("kind", "party_veteran".to_owned()),
    ];
    let as_refs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    let post = |f: Vec<(&'static str, String)>| {
        let office = &office;
        let edit = edit.clone();
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            office.post(&edit, &refs).await
        }
    };
    let saved = post(as_refs(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let changes = wang.pull_all().await;
    let patches: Vec<&HouseholdPatch> = changes
        .iter()
        .filter_map(|c| match &c.op.payload {
            Payload::Household(p) if c.op.record_id == home.0 => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(patches.len(), 1, "one op with what changed");
    assert_eq!(patches[0].phone.as_deref(), Some("13811112222"));
    assert_eq!(patches[0].address.as_deref(), Some("三组 15号"));
    assert_eq!(patches[0].head_name, None, "unchanged fields are not sent");

    // A bad phone number is refused on the form, nothing saved.
    fields[3].1 = "电话号码".into();
    let refused = post(as_refs(&fields)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("只能填写数字"));
    fields[3].1 = "13811112222".into();

    // Moved to li: his phone receives the household, wang's sees it leave.
    fields[4].1 = county.li.to_string();
    assert_eq!(post(as_refs(&fields)).await.status, StatusCode::SEE_OTHER);
    let to_li = li.pull_all().await;
    assert!(to_li.iter().any(|c| c.op.record_id == home.0), "li's phone gets the household");
    let mut sql = server.sql();
    let cadre = sql.column("SELECT cadre_id FROM households WHERE id = $1", &[&home.to_string()]);
    assert_eq!(cadre, [county.li.to_string()]);

    // Retired: a date in the future is refused; 迁出 from today is kept, with the reason shown.
    let page = format!("/office/households/{home}");
    let retire = format!("{page}/retire");
    let future = (minqing_tests::clock::today() + chrono::Days::new(3)).to_string();
    let refused = office.post(&retire, &[("reason", "moved_away"), ("on", &future)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("不能晚于今天"), "{}", refused.body);
    let no_reason = office.post(&retire, &[("reason", ""), ("on", "2026-11-20")]).await;
    assert!(no_reason.body.contains("请选择停止联系的原因"));
    let done = office.post(&retire, &[("reason", "moved_away"), ("on", "2026-11-20")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let shown = office.get(&page).await.body;
    assert!(shown.contains("已停止联系：迁出，自2026年11月20日起"), "{shown}");
    assert!(shown.contains("恢复联系"));
    let roster = office.get("/office/households").await.body;
    assert!(!roster.contains("张大山"), "a retired household leaves the roster");
    let week = office.get("/office/week").await.body;
    assert!(!week.contains("张大山"));
    let retired_list = office.get("/office/households?status=retired").await.body;
    assert!(retired_list.contains("张大山") && retired_list.contains("已停止联系（迁出）"));
    let retired = li.pull_all().await;
    assert!(retired.iter().any(|c| matches!(&c.op.payload,
        Payload::Household(p) if p.deleted == Some(true) && p.retirement.is_some())));

    // Restored.
    let back = office.post(&format!("{page}/restore"), &[]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(office.get("/office/households").await.body.contains("张大山"));
    assert!(!office.get(&page).await.body.contains("已停止联系"));

    // Every change is in the audit log.
    let audited = sql.count(
        "SELECT COUNT(*) FROM audit WHERE record_type = 'household' AND record_id = $1",
        &[&home.to_string()],
    );
    assert!(audited >= 4, "edit, move, retire, restore audited: {audited}");
}

#[tokio::test]
async fn a_cadre_over_the_village_quota_is_shown_on_the_household_page_until_a_move_fixes_it() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    // 东关村 has 1,200 people: a cadre links at most 20 of its households. Wang links 21.
    let mut ops = Vec::new();
    let mut homes = Vec::new();
    for i in 0..21 {
        let (home, create) = wang.new_household(county.village, &format!("联系户{i:02}"));
        let confirm =
            HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..Default::default() };
        ops.extend([create, wang.op(home.0, Payload::Household(confirm))]);
        homes.push(home);
    }
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get(&format!("/office/households/{}", homes[0])).await.body;
    assert!(page.contains("联系安排提示：王建国在东关村已确认21户，超过定额20户"), "{page}");
    assert!(page.contains("/office/households#warnings"), "the way to accept it with a reason");

    // Moved to li: wang is back within the quota, and neither page warns.
    let form = [
        ("village", county.village.to_string()),
        ("head_name", "联系户20".to_owned()),
        ("address", String::new()),
        ("phone", String::new()),
        ("cadre", county.li.to_string()),
        ("notes", String::new()),
    ];
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let moved = office.post(&format!("/office/households/{}/edit", homes[20]), &refs).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    for home in [homes[0], homes[20]] {
        let page = office.get(&format!("/office/households/{home}")).await.body;
        assert!(!page.contains("联系安排提示："), "no warning left");
    }
}

#[tokio::test]
async fn a_household_proposed_on_the_phone_is_filed_by_the_office_and_then_counts() {
    use minqing_mobile::store::NewHousehold;
    use minqing_tests::faults::app_phone;

    let server = TestServer::start().await;
    let county = server.county();
    let dir = tempfile::tempdir().unwrap();
    let phone = app_phone(&server.url, "wang", dir.path(), minqing_tests::clock::shared()).await;
    let today = minqing_tests::clock::today();
    let new = NewHousehold {
        village_id: county.village,
        head_name: "冯老四".into(),
        address: "六组 2号".into(),
        phone: "13700001111".into(),
        kinds: vec![],
    };
    // Not one of wang's villages: refused on the phone.
    let elsewhere = NewHousehold { village_id: county.other_village, ..new.clone() };
    assert!(phone.store().propose_household(&elsewhere, minqing_tests::clock::now()).is_err());
    let id = phone.store().propose_household(&new, minqing_tests::clock::now()).unwrap();
    assert_eq!(phone.sync_once().await.unwrap().rejected, 0);
    assert_eq!(phone.store().week(today).unwrap().total, 0);

    let office = OfficeClient::login(&server.url, "office").await;
    let roster = office.get("/office/households?status=proposed").await.body;
    assert!(roster.contains("冯老四"), "the office sees the proposal");
    let filed = office.post("/office/households/file", &[("id", &id.to_string())]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER);

    phone.sync_once().await.unwrap();
    let list = phone.store().households("冯老四", today).unwrap();
    assert_eq!(list[0].household.status, HouseholdStatus::Filed);
    assert_eq!(phone.store().week(today).unwrap().total, 1, "filed: it counts now");
}
