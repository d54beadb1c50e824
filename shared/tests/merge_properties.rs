//! Any order and any duplication of the same ops give the same state.

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::concern::{Category, ConcernAction, Decision, LedgerKind, SpecialReport, Step};
use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::ids::{CadreId, ConcernId, DeviceId, HouseholdId, OpId, VillageId};
use minqing_shared::sync::op::HouseholdPatch;
use minqing_shared::sync::{ConcernEvent, ConcernState, Hlc, HouseholdState, Stamp};
use proptest::prelude::*;

fn devices() -> [DeviceId; 3] {
    // Fixed ids, so that shrinking is reproducible.
    [1u128, 2, 3].map(|n| DeviceId(uuid::Uuid::from_u128(n)))
}

fn stamp_strategy() -> impl Strategy<Value = Stamp> {
    (0u64..50, 0usize..3).prop_map(|(ms, d)| Stamp { hlc: Hlc(ms << 16), device: devices()[d] })
}

fn patch_strategy() -> impl Strategy<Value = HouseholdPatch> {
    let name = proptest::option::of(prop::sample::select(vec!["张三", "李四", "王五"]));
    let phone = proptest::option::of(prop::sample::select(vec!["13800000001", "13800000002"]));
    let kinds = proptest::option::of(prop::sample::subsequence(HouseholdKind::ALL.to_vec(), 0..3));
    let status = proptest::option::of(prop::sample::select(HouseholdStatus::ALL.to_vec()));
    let deleted = proptest::option::of(any::<bool>());
    (name, phone, kinds, status, deleted).prop_map(|(name, phone, kinds, status, deleted)| {
        HouseholdPatch {
            village_id: Some(VillageId(uuid::Uuid::from_u128(9))),
            head_name: name.map(str::to_owned),
            phone: phone.map(str::to_owned),
            kinds,
            status,
            deleted,
            ..HouseholdPatch::default()
        }
    })
}

/// Distinct stamps, as a device's clock guarantees.
fn household_ops() -> impl Strategy<Value = Vec<(Stamp, HouseholdPatch)>> {
    prop::collection::btree_map(stamp_strategy(), patch_strategy(), 1..12)
        .prop_map(|m| m.into_iter().collect())
}

fn apply_all(ops: &[(Stamp, HouseholdPatch)]) -> HouseholdState {
    let mut state = HouseholdState::new(HouseholdId(uuid::Uuid::from_u128(7)));
    for (stamp, patch) in ops {
        state.apply(*stamp, patch);
    }
    state
}

fn at(day: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(2, 0, 0).unwrap().and_utc()
}

fn action_strategy() -> impl Strategy<Value = ConcernAction> {
    let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    prop::sample::select(vec![
        ConcernAction::Raise {
            photos: Vec::new(),
            household_id: HouseholdId(uuid::Uuid::from_u128(7)),
            visit_id: None,
            category: Category::Irrigation,
            description: "机井坏了".into(),
        },
        ConcernAction::ResolveOnSpot { note: "修好了".into() },
        ConcernAction::Explain { note: "明年列入计划".into() },
        ConcernAction::Escalate {
            report: SpecialReport {
                title: "打井".into(),
                content: "需新井".into(),
                households_affected: None,
            },
        },
        ConcernAction::Assign {
            decision: Decision {
                solution: "水利站".into(),
                handler: "李".into(),
                deadline: d,
                meeting_date: d,
            },
        },
        ConcernAction::Complete { note: "井已打好".into() },
        ConcernAction::PutOnLedger { reason: "涉及多户".into() },
        ConcernAction::Supervise { kind: LedgerKind::Inquiry, note: String::new() },
    ])
}

fn concern_events() -> impl Strategy<Value = Vec<ConcernEvent>> {
    prop::collection::btree_map(stamp_strategy(), (action_strategy(), 1u32..28), 1..10).prop_map(
        |m| {
            m.into_iter()
                .enumerate()
                .map(|(i, (stamp, (action, day)))| ConcernEvent {
                    op_id: OpId(uuid::Uuid::from_u128(100 + i as u128)),
                    stamp,
                    step: Step { actor: CadreId(uuid::Uuid::from_u128(5)), at: at(day), action },
                })
                .collect()
        },
    )
}

/// The ops, shuffled by `order` and with the ops picked by `dups` sent again.
fn reorder<T: Clone>(ops: &[T], order: &[usize], dups: &[usize]) -> Vec<T> {
    let mut out: Vec<T> = ops.to_vec();
    for (i, j) in order.iter().enumerate() {
        let len = out.len();
        out.swap(i % len, j % len);
    }
    for d in dups {
        out.push(ops[d % ops.len()].clone());
    }
    out
}

proptest! {
    #[test]
    fn household_merge_ignores_order_and_duplicates(
        ops in household_ops(),
        order in prop::collection::vec(0usize..64, 0..24),
        dups in prop::collection::vec(0usize..64, 0..6),
    ) {
        let reference = apply_all(&ops);
        let shuffled = apply_all(&reorder(&ops, &order, &dups));
        prop_assert_eq!(shuffled, reference);
    }

    #[test]
    fn household_merge_is_the_latest_write_per_field(ops in household_ops()) {
        let state = apply_all(&ops);
        let latest_name = ops.iter().filter(|(_, p)| p.head_name.is_some()).max_by_key(|(s, _)| *s);
        prop_assert_eq!(state.head_name.stamp, latest_name.map(|(s, _)| *s));
        prop_assert_eq!(
            state.head_name.value,
            latest_name.and_then(|(_, p)| p.head_name.clone()).unwrap_or_default()
        );
    }

    #[test]
    fn concern_fold_ignores_order_and_duplicates(
        events in concern_events(),
        order in prop::collection::vec(0usize..64, 0..24),
        dups in prop::collection::vec(0usize..64, 0..6),
    ) {
        let id = ConcernId(uuid::Uuid::from_u128(3));
        let reference = ConcernState::fold(id, &events);
        let shuffled = ConcernState::fold(id, &reorder(&events, &order, &dups));
        prop_assert_eq!(&shuffled, &reference);
        // Nothing is dropped: every distinct event either applied or is flagged.
        prop_assert_eq!(reference.history.len() + reference.anomalies.len(), events.len());
    }
}

#[test]
fn a_concern_folds_from_doorstep_to_done() {
    let device = devices()[0];
    let office = devices()[1];
    let actor = CadreId::new();
    let d = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
    let meeting = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let steps = [
        (
            device,
            1,
            ConcernAction::Raise {
                photos: Vec::new(),
                household_id: HouseholdId::new(),
                visit_id: None,
                category: Category::Schooling,
                description: "孩子14岁辍学，交不起学费".into(),
            },
        ),
        (
            device,
            2,
            ConcernAction::Escalate {
                report: SpecialReport {
                    title: "辍学".into(),
                    content: "申请减免学费".into(),
                    households_affected: Some(1),
                },
            },
        ),
        (
            office,
            3,
            ConcernAction::Assign {
                decision: Decision {
                    solution: "减免学费".into(),
                    handler: "乡教办王主任".into(),
                    deadline: d,
                    meeting_date: meeting,
                },
            },
        ),
        (office, 4, ConcernAction::Complete { note: "已返校".into() }),
        // A late step after done is flagged, not dropped.
        (device, 5, ConcernAction::Explain { note: "重复".into() }),
    ];
    let events: Vec<ConcernEvent> = steps
        .into_iter()
        .map(|(dev, ms, action)| ConcernEvent {
            op_id: OpId::new(),
            stamp: Stamp { hlc: Hlc::from_ms(ms), device: dev },
            step: Step { actor, at: at(ms as u32), action },
        })
        .collect();
    let state = ConcernState::fold(ConcernId::new(), &events);
    assert_eq!(state.status, Some(minqing_shared::concern::ConcernStatus::Done));
    assert_eq!(state.decision.as_ref().unwrap().handler, "乡教办王主任");
    assert_eq!(state.history.len(), 4);
    assert_eq!(state.anomalies.len(), 1);
    assert_eq!(state.anomalies[0].op_id, events[4].op_id);
    let before = NaiveDate::from_ymd_opt(2026, 12, 21).unwrap();
    assert_eq!(state.effective_status(before), Some(minqing_shared::concern::ConcernStatus::Done));
}

#[test]
fn unlinking_a_cadre_survives_the_wire() {
    let unlink = HouseholdPatch { cadre_id: Some(None), ..HouseholdPatch::default() };
    let json = serde_json::to_string(&unlink).unwrap();
    assert_eq!(json, r#"{"cadre_id":null}"#);
    assert_eq!(serde_json::from_str::<HouseholdPatch>(&json).unwrap(), unlink);
    assert_eq!(serde_json::from_str::<HouseholdPatch>("{}").unwrap(), HouseholdPatch::default());
}

#[test]
fn a_late_confirm_does_not_undo_the_office_s_filing() {
    let device = devices()[0];
    let office = devices()[1];
    let filed =
        HouseholdPatch { status: Some(HouseholdStatus::Filed), ..HouseholdPatch::default() };
    let confirmed =
        HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..HouseholdPatch::default() };
    for order in [[0, 1], [1, 0]] {
        let ops = [
            (Stamp { hlc: Hlc::from_ms(10), device: office }, filed.clone()),
            (Stamp { hlc: Hlc::from_ms(20), device }, confirmed.clone()),
        ];
        let state = apply_all(&[ops[order[0]].clone(), ops[order[1]].clone()]);
        assert_eq!(state.status.value, HouseholdStatus::Filed);
    }
}
