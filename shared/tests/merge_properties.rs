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
                unit: None,
                deadline: d,
                meeting_date: d,
            },
        },
        ConcernAction::Complete { note: "井已打好".into() },
        ConcernAction::PutOnLedger { reason: "涉及多户".into(), item: None },
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

/// `events` with voids of some of them (the `usize` picks the step), each at its own stamp:
/// before or after the step, valid or not where it falls.
fn with_voids(mut events: Vec<ConcernEvent>, voids: &[(Stamp, usize)]) -> Vec<ConcernEvent> {
    let n = events.len();
    for (k, (stamp, pick)) in voids.iter().enumerate() {
        let step = events[pick % n].op_id;
        events.push(ConcernEvent {
            op_id: OpId(uuid::Uuid::from_u128(900 + k as u128)),
            stamp: *stamp,
            step: Step {
                actor: CadreId(uuid::Uuid::from_u128(5)),
                at: at(28),
                action: ConcernAction::Void { step, reason: "处理方式选错".into() },
            },
        });
    }
    events
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
        voids in prop::collection::vec((stamp_strategy(), 0usize..10), 0..4),
        order in prop::collection::vec(0usize..64, 0..24),
        dups in prop::collection::vec(0usize..64, 0..6),
    ) {
        let id = ConcernId(uuid::Uuid::from_u128(3));
        let events = with_voids(events, &voids);
        let reference = ConcernState::fold(id, &events);
        let shuffled = ConcernState::fold(id, &reorder(&events, &order, &dups));
        prop_assert_eq!(&shuffled, &reference);
        // Nothing is dropped: every distinct event stands, is flagged, or is a void with the
        // step it voided.
        let accounted =
            reference.history.len() + reference.anomalies.len() + 2 * reference.voided.len();
        prop_assert_eq!(accounted, events.len());
        // A voided step is gone from the concern: folding without it and its void gives the
        // same standing steps.
        let gone: Vec<OpId> = reference.voided.iter().map(|v| v.op_id).collect();
        prop_assert!(reference.history_ops.iter().all(|op| !gone.contains(op)));
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
                    unit: None,
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
fn a_wrong_disposition_is_voided_and_the_right_one_taken() {
    let device = devices()[0];
    let (wang, li) = (CadreId::new(), CadreId::new());
    let event = |ms: i64, actor: CadreId, action: ConcernAction| ConcernEvent {
        op_id: OpId::new(),
        stamp: Stamp { hlc: Hlc::from_ms(ms), device },
        step: Step { actor, at: at(ms as u32), action },
    };
    let raise = event(
        1,
        wang,
        ConcernAction::Raise {
            household_id: HouseholdId::new(),
            visit_id: None,
            category: Category::DrinkingWater,
            description: "三组吃水难".into(),
            photos: Vec::new(),
        },
    );
    let resolve = event(2, wang, ConcernAction::ResolveOnSpot { note: "已解决".into() });
    let void = |ms, actor, step: &ConcernEvent| {
        event(ms, actor, ConcernAction::Void { step: step.op_id, reason: "选错了，须上报".into() })
    };
    let escalate = event(
        5,
        wang,
        ConcernAction::Escalate {
            report: SpecialReport {
                title: "三组吃水难".into(),
                content: "需打新井".into(),
                households_affected: Some(40),
            },
        },
    );
    let fold = |events: &[&ConcernEvent]| ConcernState::fold(ConcernId::new(), events.to_vec());
    use minqing_shared::concern::ConcernStatus as S;

    // 马上解决 voided: back to 待处理, its note gone; then 上报 stands.
    let by_wang = void(3, wang, &resolve);
    let state = fold(&[&raise, &resolve, &by_wang]);
    assert_eq!((state.status, state.note.as_str()), (Some(S::Raised), ""));
    assert_eq!(state.voided.len(), 1);
    assert_eq!(state.voided[0].op_id, resolve.op_id);
    assert_eq!(state.voided[0].reason, "选错了，须上报");
    let state = fold(&[&raise, &resolve, &by_wang, &escalate]);
    assert_eq!(state.status, Some(S::Escalated));
    assert_eq!(state.history_ops, vec![raise.op_id, escalate.op_id]);

    // Only the latest step, only its own cadre's.
    let not_latest = void(3, wang, &raise);
    let state = fold(&[&raise, &resolve, &not_latest]);
    assert_eq!(state.status, Some(S::ResolvedOnSpot));
    assert_eq!(state.anomalies.len(), 1);
    let by_li = void(3, li, &resolve);
    assert_eq!(fold(&[&raise, &resolve, &by_li]).status, Some(S::ResolvedOnSpot));

    // A voided raise takes the concern away; the same void twice counts once.
    let raise_voided = void(2, wang, &raise);
    let state = fold(&[&raise, &raise_voided, &raise_voided]);
    assert_eq!((state.status, state.household_id), (None, None));
    assert_eq!(state.voided.len(), 1);
}

#[test]
fn a_step_stamped_before_the_steps_it_follows_does_not_stand() {
    let [phone, org, _] = devices();
    let actor = CadreId::new();
    let event = |ms: i64, device, action: ConcernAction| ConcernEvent {
        op_id: OpId::new(),
        stamp: Stamp { hlc: Hlc::from_ms(ms), device },
        step: Step { actor, at: at(1), action },
    };
    let raise = event(
        1,
        phone,
        ConcernAction::Raise {
            household_id: HouseholdId::new(),
            visit_id: None,
            category: Category::Irrigation,
            description: "机井坏了".into(),
            photos: Vec::new(),
        },
    );
    let report =
        SpecialReport {
            title: "机井".into(), content: "需维修".into(), households_affected: None
        };
    let escalate = event(5, phone, ConcernAction::Escalate { report });
    let events = [raise.clone(), escalate];
    let state = ConcernState::fold(ConcernId::new(), &events);
    let ledger =
        |ms| event(ms, org, ConcernAction::PutOnLedger { reason: "多户反映".into(), item: None });

    // Taken after the escalation it follows, it stands; stamped before it (a device that had
    // not pulled it), the fold would put it on a raised concern and set it aside.
    assert!(state.stands_in_order(&events, &ledger(6)));
    let early = ledger(4);
    assert!(!state.stands_in_order(&events, &early));
    let folded = ConcernState::fold(state.id, events.iter().chain([&early]));
    assert!(!folded.on_ledger(), "the fold sets the early step aside");
    // Out of order but fitting where it falls, it stands: an inquiry stamped between the
    // ledger's opening and a later inquiry.
    let inquiry = || ConcernAction::Supervise { kind: LedgerKind::Inquiry, note: String::new() };
    let opened = [raise, events[1].clone(), ledger(6), event(8, org, inquiry())];
    let state = ConcernState::fold(state.id, &opened);
    assert!(state.stands_in_order(&opened, &event(7, phone, inquiry())));

    // Slipped in before a step the fold had set aside, it would let that step stand: a 办结 that
    // found the concern only raised would close it once an escalation came before it.
    let done = event(9, org, ConcernAction::Complete { note: "已办结".into() });
    let closed_early = [opened[0].clone(), done];
    let state = ConcernState::fold(state.id, &closed_early);
    assert_eq!(state.anomalies.len(), 1);
    let report = || SpecialReport {
        title: "机井".into(),
        content: "需维修".into(),
        households_affected: None,
    };
    let slipped_in = event(5, phone, ConcernAction::Escalate { report: report() });
    assert!(!state.stands_in_order(&closed_early, &slipped_in));
    assert!(state.stands_in_order(
        &closed_early,
        &event(10, phone, ConcernAction::Escalate { report: report() })
    ));
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
