//! The role matrix: every API route × every role × in scope and out of scope. A pull returns
//! exactly the caller's scope (0 leaks); a push is accepted exactly where the role may write.

use std::collections::BTreeSet;

use minqing_shared::concern::{Category, ConcernAction, Decision, LedgerKind};
use minqing_shared::ids::{ConcernId, HouseholdId};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_tests::{ApiPhone, TestServer};
use uuid::Uuid;

struct World {
    server: TestServer,
    /// wang's household (城关镇, 东关村) and its escalated concern.
    wang_home: HouseholdId,
    wang_concern: ConcernId,
    /// li's household (城关镇, 西关村).
    li_home: HouseholdId,
    /// Every concern with its household.
    concerns: Vec<(ConcernId, HouseholdId)>,
    /// zhao's household (河西乡) and its escalated concern.
    zhao_home: HouseholdId,
    zhao_concern: ConcernId,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let county = server.county();
    let mut homes = Vec::new();
    let mut concerns = Vec::new();
    for (user, village) in
        [("wang", county.village), ("li", county.second_village), ("zhao", county.other_village)]
    {
        let mut phone = ApiPhone::login(&server.url, user).await;
        let (home, create) = phone.new_household(village, &format!("{user}的联系户"));
        let (visit, v) = phone.visit(home, "走访");
        let (concern, raise) = phone.raise(home, Some(visit), Category::Irrigation, "机井坏了");
        let escalate = phone.escalate(concern, "机井");
        assert!(phone.push(&[create, v, raise, escalate]).await.ok().rejected.is_empty());
        homes.push(home);
        concerns.push(concern);
    }
    World {
        server,
        wang_home: homes[0],
        wang_concern: concerns[0],
        li_home: homes[1],
        zhao_home: homes[2],
        zhao_concern: concerns[2],
        concerns: concerns.iter().copied().zip(homes.iter().copied()).collect(),
    }
}

fn households_seen(changes: &[minqing_shared::sync::Change]) -> BTreeSet<Uuid> {
    changes
        .iter()
        .filter_map(|c| match &c.op.payload {
            Payload::Household(_) => Some(c.op.record_id),
            Payload::Visit(v) => Some(v.household_id.0),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn every_role_pulls_exactly_its_scope() {
    let w = world().await;
    let all = BTreeSet::from([w.wang_home.0, w.li_home.0, w.zhao_home.0]);
    let cases = [
        ("wang", BTreeSet::from([w.wang_home.0])),
        ("li", BTreeSet::from([w.li_home.0])),
        ("zhao", BTreeSet::from([w.zhao_home.0])),
        ("office", BTreeSet::from([w.wang_home.0, w.li_home.0])),
        ("org", all.clone()),
    ];
    for (user, expected) in cases {
        let mut phone = ApiPhone::login(&w.server.url, user).await;
        let changes = phone.pull_all().await;
        assert_eq!(households_seen(&changes), expected, "{user} sees exactly its scope");
        // Concern steps are scoped too: none about a household outside the scope.
        let concern_ids: BTreeSet<Uuid> = changes
            .iter()
            .filter(|c| matches!(c.op.payload, Payload::Concern(_)))
            .map(|c| c.op.record_id)
            .collect();
        let in_scope: BTreeSet<Uuid> = w
            .concerns
            .iter()
            .filter(|(_, home)| expected.contains(&home.0))
            .map(|(c, _)| c.0)
            .collect();
        assert_eq!(concern_ids, in_scope, "{user}: exactly the concerns of its households");
    }
}

/// What each role may push, in and out of its scope.
#[tokio::test]
async fn every_role_writes_exactly_where_it_may() {
    let w = world().await;
    let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let assign = || ConcernAction::Assign {
        decision: Decision {
            solution: "维修".into(),
            handler: "水利站".into(),
            unit: None,
            deadline: d,
            meeting_date: d,
        },
    };
    // (user, what, expected code or "" for accepted)
    type Make = fn(&mut ApiPhone, &World, &dyn Fn() -> ConcernAction) -> minqing_shared::sync::Op;
    let cases: Vec<(&str, &str, Make, &str)> = vec![
        ("wang", "visits his household", |p, w, _| p.visit(w.wang_home, "走访").1, ""),
        ("wang", "visits li's household", |p, w, _| p.visit(w.li_home, "走访").1, "out_of_scope"),
        (
            "wang",
            "visits another township's",
            |p, w, _| p.visit(w.zhao_home, "走访").1,
            "out_of_scope",
        ),
        ("wang", "records a decision", |p, w, a| p.step(w.wang_concern, a()), "not_allowed"),
        (
            "wang",
            "puts a concern on the ledger",
            |p, w, _| {
                p.step(
                    w.wang_concern,
                    ConcernAction::PutOnLedger { reason: String::new(), item: None },
                )
            },
            "not_allowed",
        ),
        (
            "wang",
            "edits his household",
            |p, w, _| {
                p.op(
                    w.wang_home.0,
                    Payload::Household(HouseholdPatch {
                        notes: Some("备注".into()),
                        ..Default::default()
                    }),
                )
            },
            "",
        ),
        (
            "wang",
            "edits li's household",
            |p, w, _| {
                p.op(
                    w.li_home.0,
                    Payload::Household(HouseholdPatch {
                        notes: Some("备注".into()),
                        ..Default::default()
                    }),
                )
            },
            "out_of_scope",
        ),
        ("office", "records a decision in its township", |p, w, a| p.step(w.wang_concern, a()), ""),
        (
            "office",
            "records a decision in another township",
            |p, w, a| p.step(w.zhao_concern, a()),
            "out_of_scope",
        ),
        (
            "office",
            "files a household in its township",
            |p, w, _| {
                p.op(
                    w.li_home.0,
                    Payload::Household(HouseholdPatch {
                        status: Some(minqing_shared::household::HouseholdStatus::Filed),
                        ..Default::default()
                    }),
                )
            },
            "",
        ),
        (
            "office",
            "files one in another township",
            |p, w, _| {
                p.op(
                    w.zhao_home.0,
                    Payload::Household(HouseholdPatch {
                        status: Some(minqing_shared::household::HouseholdStatus::Filed),
                        ..Default::default()
                    }),
                )
            },
            "out_of_scope",
        ),
        (
            "office",
            "records a visit itself",
            |p, w, _| p.visit(w.wang_home, "代录").1,
            "not_allowed",
        ),
        (
            "office",
            "puts a concern on the ledger",
            |p, w, _| {
                p.step(
                    w.wang_concern,
                    ConcernAction::PutOnLedger { reason: String::new(), item: None },
                )
            },
            "not_allowed",
        ),
        ("org", "records a decision anywhere", |p, w, a| p.step(w.zhao_concern, a()), ""),
        (
            "org",
            "puts a concern on the ledger",
            |p, w, _| {
                p.step(
                    w.zhao_concern,
                    ConcernAction::PutOnLedger { reason: "多户".into(), item: None },
                )
            },
            "",
        ),
        (
            "org",
            "records a weekly inquiry",
            |p, w, _| {
                p.step(
                    w.zhao_concern,
                    ConcernAction::Supervise {
                        kind: LedgerKind::Inquiry, note: "已询问".into()
                    },
                )
            },
            "",
        ),
        (
            "zhao",
            "steps on wang's concern",
            |p, w, _| p.step(w.wang_concern, ConcernAction::Explain { note: String::new() }),
            "out_of_scope",
        ),
    ];
    for (user, what, make, expected) in cases {
        let mut phone = ApiPhone::login(&w.server.url, user).await;
        let op = make(&mut phone, &w, &assign);
        let answer = phone.push(&[op]).await.ok();
        let got = answer.rejected.first().map_or("", |r| r.error.as_str());
        assert_eq!(got, expected, "{user} {what}");
    }
}

#[tokio::test]
async fn sync_routes_need_a_token_and_public_routes_do_not() {
    let w = world().await;
    let http = reqwest::Client::new();
    for (method, path, status) in [
        ("GET", "/healthz", 200),
        ("GET", "/metrics", 200),
        ("GET", "/api/v1/sync/pull?cursor=0", 401),
        ("POST", "/api/v1/sync/push", 401),
        ("POST", "/api/v1/auth/login", 400),
        ("GET", &format!("/api/v1/sync/household/{}/history?through=99", w.wang_home), 401),
    ] {
        let req = if method == "GET" {
            http.get(format!("{}{path}", w.server.url))
        } else {
            http.post(format!("{}{path}", w.server.url))
        };
        assert_eq!(req.send().await.unwrap().status().as_u16(), status, "{method} {path}");
    }
}

/// A household's history goes to the cadre it is assigned to, and to nobody else: not another
/// cadre, not an office, not the Organization Department (they pull their scope instead).
#[tokio::test]
async fn a_household_history_is_only_for_its_own_cadre() {
    let w = world().await;
    let homes = [("wang", w.wang_home), ("li", w.li_home), ("zhao", w.zhao_home)];
    for user in ["wang", "li", "zhao", "office", "org"] {
        let phone = ApiPhone::login(&w.server.url, user).await;
        for (owner, home) in homes {
            let path =
                format!("{}/api/v1/sync/household/{home}/history?through=1000", w.server.url);
            let answer = phone.http.get(path).bearer_auth(&phone.token).send().await.unwrap();
            let expected = if user == owner { 200 } else { 404 };
            assert_eq!(answer.status().as_u16(), expected, "{user} asks for {owner}'s household");
            if expected == 200 {
                let body: minqing_shared::sync::HistoryResponse = answer.json().await.unwrap();
                let of_home = |c: &minqing_shared::sync::Change| match &c.op.payload {
                    Payload::Household(_) => c.op.record_id == home.0,
                    Payload::Visit(v) => v.household_id == home,
                    Payload::Concern(_) => w.concerns.contains(&(ConcernId(c.op.record_id), home)),
                    _ => false,
                };
                assert!(body.changes.iter().all(of_home), "only {owner}'s household");
                assert!(!body.changes.is_empty());
            }
        }
    }
}
