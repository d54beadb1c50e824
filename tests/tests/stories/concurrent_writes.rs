//! Many phones change one household at the same moment, one op per request: the server's merged
//! state must be the merge of every op, whatever order the writers ran in. On PostgreSQL the
//! writers run in parallel (see `server/src/store/postgres/mod.rs`); a read-modify-write of the
//! household that did not lock its row, or a fold of a concern's events that did not lock the
//! concern first, would lose updates here.

use minqing_shared::concern::{Category, ConcernAction, Decision, LedgerKind, SpecialReport};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::sync::{Hlc, HouseholdState};
use minqing_tests::{ApiPhone, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_patches_of_one_household_all_count() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut owner = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = owner.new_household(county.village, "张老汉");
    assert!(owner.push(std::slice::from_ref(&create)).await.ok().rejected.is_empty());

    let mut phones = Vec::new();
    for _ in 0..8 {
        phones.push(ApiPhone::login(&server.url, "wang").await);
    }
    let tasks: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, mut phone)| {
            tokio::spawn(async move {
                let mut ops = Vec::new();
                for k in 0..12 {
                    let text = format!("第{i}部手机第{k}次");
                    let patch = match k % 3 {
                        0 => HouseholdPatch { notes: Some(text), ..HouseholdPatch::default() },
                        1 => HouseholdPatch { address: Some(text), ..HouseholdPatch::default() },
                        _ => HouseholdPatch { head_name: Some(text), ..HouseholdPatch::default() },
                    };
                    let op = phone.op(household.0, Payload::Household(patch));
                    let answer = phone.push(std::slice::from_ref(&op)).await.ok();
                    assert!(answer.rejected.is_empty(), "{:?}", answer.rejected);
                    assert_eq!(answer.acked_through, op.device_seq);
                    ops.push(op);
                }
                ops
            })
        })
        .collect();
    let mut ops = vec![create];
    for task in tasks {
        ops.extend(task.await.unwrap());
    }
    assert_eq!(ops.len(), 1 + 8 * 12);

    let mut expected = HouseholdState::new(household);
    for op in &ops {
        let Payload::Household(patch) = &op.payload else { unreachable!() };
        expected.apply(op.stamp(), patch);
    }
    let stored = server.write(|tx| tx.household(household)).expect("the household is stored");
    assert_eq!(stored, expected, "the stored state is the merge of all {} ops", ops.len());
    let logged = server
        .sql()
        .count("SELECT COUNT(*) FROM ops WHERE record_id = $1", &[&household.to_string()]);
    assert_eq!(logged, ops.len() as i64, "every op logged once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_supervision_records_of_one_concern_all_count() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张老汉");
    let (concern, raise) = wang.raise(home, None, Category::Irrigation, "机井坏了");
    let report =
        SpecialReport {
            title: "机井".into(), content: "需维修".into(), households_affected: None
        };
    let escalate = wang.step(concern, ConcernAction::Escalate { report });
    assert!(wang.push(&[create, raise, escalate]).await.ok().rejected.is_empty());
    let mut office = ApiPhone::login(&server.url, "office").await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let decision = Decision {
        solution: "维修".into(),
        handler: "水利站".into(),
        unit: None,
        deadline: day,
        meeting_date: day,
    };
    let assign = office.step(concern, ConcernAction::Assign { decision });
    assert!(office.push(&[assign]).await.ok().rejected.is_empty());
    let mut org = ApiPhone::login(&server.url, "org").await;
    let ledger =
        org.step(concern, ConcernAction::PutOnLedger { reason: "群众反映强烈".into(), item: None });
    assert!(org.push(&[ledger]).await.ok().rejected.is_empty());

    // Six devices of the Organization Department record supervision at the same moment.
    let mut phones = Vec::new();
    for _ in 0..6 {
        phones.push(ApiPhone::login(&server.url, "org").await);
    }
    let tasks: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, mut phone)| {
            tokio::spawn(async move {
                for k in 0..8 {
                    let action = ConcernAction::Supervise {
                        kind: LedgerKind::Inquiry,
                        note: format!("第{i}台第{k}次询问"),
                    };
                    let op = phone.step(concern, action);
                    let answer = phone.push(std::slice::from_ref(&op)).await.ok();
                    assert!(answer.rejected.is_empty(), "{:?}", answer.rejected);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stored = server.write(|tx| tx.concern(concern)).expect("the concern is stored");
    assert_eq!(stored.supervision.len(), 6 * 8, "every supervision record is kept");
    let events = server.write(|tx| tx.concern_events(concern));
    assert_eq!(events.len(), 4 + 6 * 8, "raise, escalate, assign, ledger and the records");
    assert_eq!(stored, minqing_shared::sync::ConcernState::fold(concern, &events));
}

/// The Organization Department's phone puts a concern on the ledger with a clock that had not
/// seen the cadre's escalation (stamped just before it): folded in stamp order the step would
/// fall on a concern only raised and be set aside, so the server refuses it with its reason
/// and keeps nothing. Taken again after a pull, stamped after the escalation, it stands.
#[tokio::test]
async fn a_step_stamped_before_the_step_it_follows_is_refused_until_the_phone_has_pulled() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let mut org = ApiPhone::login(&server.url, "org").await;
    let (home, create) = wang.new_household(county.village, "李大娘");
    let (concern, raise) = wang.raise(home, None, Category::Irrigation, "机井坏了");
    let escalate = wang.escalate(concern, "机井");
    let ops = [create, raise, escalate.clone()];
    assert!(wang.push(&ops).await.ok().rejected.is_empty());

    let ledger = || ConcernAction::PutOnLedger { reason: "多户反映".into(), item: None };
    let mut early = org.step(concern, ledger());
    early.hlc = Hlc(escalate.hlc.0 - 1);
    let answer = org.push(std::slice::from_ref(&early)).await.ok();
    assert_eq!(answer.rejected.len(), 1, "{:?}", answer.rejected);
    assert_eq!(answer.rejected[0].error, "stamped_out_of_order");
    assert!(answer.rejected[0].message.starts_with("该步骤"), "Chinese first");
    let stored = server.write(|tx| tx.concern(concern)).expect("the concern is stored");
    assert!(!stored.on_ledger() && stored.anomalies.is_empty(), "nothing of it kept");

    org.pull_all().await;
    let again = org.step(concern, ledger());
    assert!(again.hlc > escalate.hlc, "stamped after the escalation, as after a pull");
    assert!(org.push(&[again]).await.ok().rejected.is_empty());
    assert!(server.write(|tx| tx.concern(concern)).expect("stored").on_ledger());
}
