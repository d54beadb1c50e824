//! The office logs in, sees its township's households (and no other's), files them 备案, enters
//! a proposed household and prints its registration form; a cadre's phone then pulls the
//! filing. Sessions expire, forms without the session's CSRF token are refused, and field
//! cadres have no office.

use minqing_server::auth::token_hash;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::HouseholdId;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::office::{OfficeClient, login_form};
use minqing_tests::{ApiPhone, County, PASSWORD, TestServer};
use reqwest::StatusCode;

struct World {
    server: TestServer,
    county: County,
    wang: ApiPhone,
    /// wang's households: proposed, confirmed, proposed.
    homes: Vec<HouseholdId>,
    /// zhao's household in 河西乡, out of the office's scope.
    zhao_home: HouseholdId,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let mut ops = Vec::new();
    let mut homes = Vec::new();
    for head in ["张大山", "刘桂兰", "陈二柱"] {
        let (id, op) = wang.new_household(county.village, head);
        homes.push(id);
        ops.push(op);
    }
    let confirm = HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..Default::default() };
    ops.push(wang.op(homes[1].0, Payload::Household(confirm)));
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    let mut zhao = ApiPhone::login(&server.url, "zhao").await;
    let (zhao_home, op) = zhao.new_household(county.other_village, "河西赵家");
    assert!(zhao.push(&[op]).await.ok().rejected.is_empty());
    World { server, county, wang, homes, zhao_home }
}

#[tokio::test]
async fn login_sessions_csrf_and_roles() {
    let w = world().await;
    let url = &w.server.url;
    let anonymous = OfficeClient::anonymous(url);
    let to_login = anonymous.get("/office/households").await;
    assert_eq!(to_login.status, StatusCode::SEE_OTHER);
    assert_eq!(to_login.location.as_deref(), Some("/office/login?next=%2Foffice%2Fhouseholds"));

    let (wrong, cookie) = login_form(url, "office", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("用户名或密码错误") && cookie.is_none());
    let (cadre, cookie) = login_form(url, "wang", PASSWORD).await;
    assert_eq!(cadre.status, StatusCode::FORBIDDEN, "a field cadre has no office");
    assert!(cookie.is_none());

    let (ok, cookie) = login_form(url, "office", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cookie = cookie.expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/office"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }

    let office = OfficeClient::login(url, "office").await;
    let home = office.get("/office").await;
    assert!(home.body.contains("城关镇") && home.body.contains("联系户"), "{}", home.body);
    let id = w.homes[0].to_string();
    let no_token = office.post_raw("/office/households/file", &[("id", &id)]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let bad_token =
        office.post_raw("/office/households/file", &[("_csrf", "0123"), ("id", &id)]).await;
    assert_eq!(bad_token.status, StatusCode::FORBIDDEN);
    let other = OfficeClient::login(url, "org").await;
    let fields = [("_csrf", other.csrf.as_str()), ("id", &id)];
    let foreign = office.post_raw("/office/households/file", &fields).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "another session's token");
    assert_eq!(
        w.server.sql().count("SELECT COUNT(*) FROM households WHERE status = 'filed'", &[]),
        0
    );

    // An hour unused, and the session is gone.
    let hash = token_hash(office.cookie.split_once('=').unwrap().1);
    w.server.write(move |tx| tx.touch_office_session(&hash, 0));
    assert_eq!(office.get("/office").await.status, StatusCode::SEE_OTHER);

    // Logging out ends the session at once.
    let out = other.post("/office/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/office/login"));
    assert_eq!(other.get("/office").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_registry_shows_the_township_and_files_households_that_phones_then_pull() {
    let mut w = world().await;
    let office = OfficeClient::login(&w.server.url, "office").await;
    let page = office.get("/office/households").await;
    assert_eq!(page.status, StatusCode::OK);
    for head in ["张大山", "刘桂兰", "陈二柱", "东关村", "西关村"] {
        assert!(page.body.contains(head), "{head} missing");
    }
    assert!(!page.body.contains("河西赵家"), "another township's household leaked");
    assert!(page.body.contains("王建国 1/20"), "quota use of wang in 东关村");

    // Nothing selected: the page again, with the error, nothing stored.
    let none = office.post("/office/households/file", &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("请先勾选要备案的联系户"));
    // Out of scope: refused by the sync rules, and nothing of the batch stored.
    let (a, z) = (w.homes[0].to_string(), w.zhao_home.to_string());
    let mixed = office.post("/office/households/file", &[("id", &a), ("id", &z)]).await;
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mixed.body.contains("不在本单位管辖范围内"), "{}", mixed.body);
    let filed = "SELECT COUNT(*) FROM households WHERE status = 'filed'";
    assert_eq!(w.server.sql().count(filed, &[]), 0);

    let b = w.homes[1].to_string();
    let done = office.post("/office/households/file", &[("id", &a), ("id", &b)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(w.server.sql().count(filed, &[]), 2);
    let after = office.get("/office/households?status=filed").await;
    assert!(after.body.contains("张大山") && !after.body.contains("陈二柱"));

    // wang's phone pulls the filing as an op of the server's device.
    let changes = w.wang.pull_all().await;
    let filings = changes
        .iter()
        .filter(|c| matches!(&c.op.payload, Payload::Household(p) if p.status == Some(HouseholdStatus::Filed)))
        .count();
    assert_eq!(filings, 2);
}

#[tokio::test]
async fn a_proposed_household_is_entered_checked_and_printed() {
    let w = world().await;
    let office = OfficeClient::login(&w.server.url, "office").await;
    let form = office.get("/office/households/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("户主姓名") && form.body.contains("老党员"));

    let village = w.county.village.to_string();
    let wang = w.county.wang.to_string();
    let count = "SELECT COUNT(*) FROM households";
    let long = "周".repeat(51);
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Fields<'_>, &str)> = vec![
        ("no village", vec![("head_name", "周")], "请选择本单位范围内的村"),
        (
            "another township's village",
            vec![("village", ""), ("head_name", "周")],
            "请选择本单位范围内的村",
        ),
        ("no head of household", vec![("village", &village)], "必填"),
        (
            "letters in the phone",
            vec![("village", &village), ("head_name", "周"), ("phone", "一三八")],
            "只能填写数字",
        ),
        (
            "an unknown kind",
            vec![("village", &village), ("head_name", "周"), ("kind", "rich")],
            "户别无效",
        ),
        (
            "a head 51 characters long",
            vec![("village", &village), ("head_name", &long)],
            "不能超过50个字",
        ),
    ];
    let other_village = w.county.other_village.to_string();
    for (name, mut fields, expected) in cases {
        if name == "another township's village" {
            fields[0].1 = &other_village;
        }
        let answer = office.post("/office/households/new", &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(answer.body.contains(expected), "{name}: {expected} not in the page");
        assert!(answer.body.contains("请更正标红的栏目"), "{name}");
        assert_eq!(w.server.sql().count(count, &[]), 4, "{name}: nothing stored");
    }

    let good = office
        .post(
            "/office/households/new",
            &[
                ("village", &village),
                ("head_name", "周国强"),
                ("address", "二组 8号"),
                ("phone", "13700001111"),
                ("kind", "party_veteran"),
                ("kind", "tech_demo"),
                ("cadre", &wang),
                ("notes", "村支部推荐"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let location = good.location.expect("to the registration form");
    let printed = office.get(&location).await;
    assert_eq!(printed.status, StatusCode::OK);
    for text in [
        "联系户登记表",
        "周国强",
        "二组 8号",
        "☑老党员",
        "☑科技示范户",
        "☐上访户",
        "王建国",
        "拟联系",
    ] {
        assert!(printed.body.contains(text), "{text} missing from the form");
    }
    assert!(printed.body.contains("@media print"), "print styles");
    let foreign = office.get(&format!("/office/households/{}", w.zhao_home)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_county_departments_office_sees_only_its_cadres_households() {
    use minqing_server::password::hash_password;
    use minqing_shared::ids::{CadreId, UnitId};
    use minqing_shared::org::{Cadre, Role, Unit, UnitKind};

    let w = world().await;
    let (dept, cadre, office) = (UnitId::new(), CadreId::new(), CadreId::new());
    let (village, county) = (w.county.village, w.county.county);
    let hash = hash_password(PASSWORD);
    w.server.write(move |tx| {
        tx.put_unit(&Unit {
            id: dept,
            name: "县水利局".into(),
            kind: UnitKind::CountyDepartment,
            county_id: county,
        })?;
        for (id, username, name, role, villages) in [
            (cadre, "shui", "孙水生", Role::LeadershipMember, vec![village]),
            (office, "shui-office", "水利局联系户办公室", Role::Office, vec![]),
        ] {
            let row = Cadre {
                id,
                username: username.into(),
                name: name.into(),
                unit_id: dept,
                role,
                phone: "13600000000".into(),
                title: "副局长".into(),
                villages,
            };
            tx.put_cadre(&row, Some(&hash))?;
        }
        Ok(())
    });
    let mut shui = ApiPhone::login(&w.server.url, "shui").await;
    let (_, op) = shui.new_household(village, "水利联系户");
    assert!(shui.push(&[op]).await.ok().rejected.is_empty());

    let dept_office = OfficeClient::login(&w.server.url, "shui-office").await;
    let page = dept_office.get("/office/households").await;
    assert!(page.body.contains("水利联系户") && page.body.contains("孙水生"));
    assert!(
        !page.body.contains("张大山"),
        "the township's own households are not the department's"
    );
    let township = OfficeClient::login(&w.server.url, "office").await;
    let page = township.get("/office/households").await;
    assert!(
        page.body.contains("水利联系户") && page.body.contains("张大山"),
        "its villages, whoever links them"
    );
}

#[tokio::test]
async fn an_assignment_warning_is_accepted_with_a_reason() {
    use minqing_shared::ids::CadreId;
    use minqing_shared::org::{Cadre, Role};

    let w = world().await;
    // A principal leader in an advanced village: the seed gives them the lagging villages.
    let zhou = CadreId::new();
    let (township, village) = (w.county.township, w.county.village);
    w.server.write(move |tx| {
        let row = Cadre {
            id: zhou,
            username: "zhou".into(),
            name: "周书记".into(),
            unit_id: township,
            role: Role::PrincipalLeader,
            phone: "13500000000".into(),
            title: "党委书记".into(),
            villages: vec![village],
        };
        tx.put_cadre(&row, None)
    });
    let office = OfficeClient::login(&w.server.url, "office").await;
    let page = office.get("/office/households").await;
    let warning = "主要领导周书记应联系后进村，东关村为先进村";
    assert!(page.body.contains(warning), "the standing rule warns");
    assert!(page.body.contains("1条待说明"));
    let subject = zhou.to_string();
    let overrides = "SELECT COUNT(*) FROM assignment_overrides";
    let path = "/office/households/override";
    let empty = office
        .post(path, &[("code", "standing_mismatch"), ("subject", &subject), ("reason", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("理由必填"));
    let unknown = office
        .post(path, &[("code", "quota_exceeded"), ("subject", &subject), ("reason", "x")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("该提示已不存在"));
    assert_eq!(w.server.sql().count(overrides, &[]), 0);
    let reason = "东关村为镇政府驻地，书记兼管";
    let ok = office
        .post(path, &[("code", "standing_mismatch"), ("subject", &subject), ("reason", reason)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = office.get("/office/households").await;
    assert!(
        page.body.contains(warning)
            && page.body.contains(reason)
            && page.body.contains("0条待说明")
    );
}
