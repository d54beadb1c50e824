//! Many phones change one household at the same moment, one op per request: the server's merged
//! state must be the merge of every op, whatever order the writers ran in. On PostgreSQL the
//! writers run in parallel (see `server/src/store/postgres/mod.rs`); a read-modify-write of the
//! household that did not lock its row, or a fold of a concern's events that did not lock the
//! concern first, would lose updates here.

use minqing_shared::concern::{Category, ConcernAction, Decision, LedgerKind, SpecialReport};
use minqing_shared::sync::HouseholdState;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
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
