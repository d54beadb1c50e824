//! The role matrix generated from the permission table (`minqing_shared::permit::RULES`): for
//! every household action, every concern step and every monthly-report step, from every state a record can be brought
//! to, each class of account (a field cadre's phone, a township office, the Organization
//! Department) pushes the step through the real sync API, and the server accepts it exactly
//! when `permit` says the class may. Nothing here restates who may do what: change the table
//! and this test follows it. (Administrators are not in the stories' county; the table's unit
//! tests cover their rows.)

use minqing_shared::calendar::{YearMonth, china_date, is_report_late};
use minqing_shared::concern::{Category, ConcernAction, Decision, LedgerKind, SpecialReport};
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::{ConcernId, HouseholdId, OpId};
use minqing_shared::permit::{self, Action, Class, Phase};
use minqing_shared::sync::op::{HouseholdPatch, Payload, ReportBody, ReportStatus};
use minqing_tests::{ApiPhone, TestServer};

/// The three classes of the stories' county, each with its phone.
struct Actors {
    wang: ApiPhone,
    office: ApiPhone,
    org: ApiPhone,
}

impl Actors {
    async fn login(server: &TestServer) -> Self {
        Actors {
            wang: ApiPhone::login(&server.url, "wang").await,
            office: ApiPhone::login(&server.url, "office").await,
            org: ApiPhone::login(&server.url, "org").await,
        }
    }

    fn of(&mut self, class: Class) -> &mut ApiPhone {
        match class {
            Class::Field => &mut self.wang,
            Class::Office => &mut self.office,
            Class::OrgDept => &mut self.org,
            Class::Admin => unreachable!("no administrator in the stories' county"),
        }
    }
}

const CLASSES: [Class; 3] = [Class::Field, Class::Office, Class::OrgDept];

/// A step of `action`, shaped right (a void voids `latest`, the concern's latest step).
fn step(action: Action, latest: OpId) -> ConcernAction {
    let today = minqing_tests::clock::today();
    match action {
        Action::ResolveOnSpot => ConcernAction::ResolveOnSpot { note: "当场解决".into() },
        Action::Explain => ConcernAction::Explain { note: "已解释".into() },
        Action::Escalate => ConcernAction::Escalate {
            report: SpecialReport {
                title: "机井".into(),
                content: "需维修".into(),
                households_affected: None,
            },
        },
        Action::Assign => ConcernAction::Assign {
            decision: Decision {
                solution: "维修".into(),
                handler: "水利站".into(),
                unit: None,
                deadline: today,
                meeting_date: today,
            },
        },
        Action::Complete => ConcernAction::Complete { note: "已办结".into() },
        Action::ReportProgress => ConcernAction::Progress { note: "正在施工".into() },
        Action::PutOnLedger => {
            ConcernAction::PutOnLedger { reason: "多户反映".into(), item: None }
        }
        Action::Supervise => {
            ConcernAction::Supervise { kind: LedgerKind::Inquiry, note: "已询问".into() }
        }
        Action::VoidStep => ConcernAction::Void { step: latest, reason: "记错了".into() },
        other => unreachable!("{other:?} is not a step on a raised concern"),
    }
}

/// Pushes `op` as `class`; whether it was accepted.
async fn accepted(actors: &mut Actors, class: Class, op: minqing_shared::sync::Op) -> bool {
    refusal(actors, class, op).await.is_none()
}

/// Pushes `op` as `class`; the server's reason if it was refused.
async fn refusal(
    actors: &mut Actors,
    class: Class,
    op: minqing_shared::sync::Op,
) -> Option<String> {
    let rejected = actors.of(class).push(&[op]).await.ok().rejected;
    rejected.first().map(|r| format!("{}: {}", r.error, r.message))
}

/// Brings a new concern of wang's household to `phase` (and onto the ledger if `ledger`), as
/// the classes the table allows would; with the op of its latest step.
async fn concern_at(
    actors: &mut Actors,
    home: HouseholdId,
    phase: Phase,
    ledger: bool,
) -> (ConcernId, OpId) {
    let (concern, raise) =
        actors.of(Class::Field).raise(home, None, Category::Irrigation, "机井坏了");
    let mut path: Vec<(Class, Action)> = match phase {
        Phase::Raised => vec![],
        Phase::ResolvedOnSpot => vec![(Class::Field, Action::ResolveOnSpot)],
        Phase::Explained => vec![(Class::Field, Action::Explain)],
        Phase::Escalated => vec![(Class::Field, Action::Escalate)],
        Phase::Assigned => vec![(Class::Field, Action::Escalate), (Class::Office, Action::Assign)],
        Phase::Done => vec![
            (Class::Field, Action::Escalate),
            (Class::Office, Action::Assign),
            (Class::Office, Action::Complete),
        ],
        other => unreachable!("{other:?}"),
    };
    if ledger {
        path.insert(1, (Class::OrgDept, Action::PutOnLedger));
    }
    let mut latest = raise.op_id;
    assert!(accepted(actors, Class::Field, raise).await, "raise");
    for (class, action) in path {
        let op = actors.of(class).step(concern, step(action, latest));
        latest = op.op_id;
        assert!(accepted(actors, class, op).await, "setting up {phase:?}: {class:?} {action:?}");
    }
    (concern, latest)
}

#[tokio::test]
async fn every_concern_step_from_every_state_is_accepted_exactly_when_the_table_permits() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut actors = Actors::login(&server).await;
    let (home, create) = actors.wang.new_household(county.village, "矩阵户");
    assert!(actors.wang.push(&[create]).await.ok().rejected.is_empty());

    let states = [
        (Phase::Raised, false),
        (Phase::ResolvedOnSpot, false),
        (Phase::Explained, false),
        (Phase::Escalated, false),
        (Phase::Assigned, false),
        (Phase::Done, false),
        (Phase::Escalated, true),
        (Phase::Assigned, true),
        (Phase::Done, true),
    ];
    let steps: Vec<Action> = permit::RULES
        .iter()
        .map(|r| r.action)
        .filter(|a| a.record() == permit::Record::Concern && *a != Action::RaiseConcern)
        .collect();
    assert_eq!(steps.len(), 9, "every concern step of the table: {steps:?}");
    let (mut checked, mut allowed) = (0, 0);
    let mut wrong = Vec::new();
    for (phase, ledger) in states {
        for &action in &steps {
            for class in CLASSES {
                let (concern, latest) = concern_at(&mut actors, home, phase, ledger).await;
                let expected = permit::permit(class, action, phase, ledger).is_ok();
                allowed += usize::from(expected);
                let op = actors.of(class).step(concern, step(action, latest));
                let refused = refusal(&mut actors, class, op).await;
                if refused.is_none() != expected {
                    let got = refused.unwrap_or_else(|| "accepted".into());
                    wrong.push(format!(
                        "{class:?} {action:?} from {phase:?} (ledger {ledger}): table says \
                         {expected}, server {got}"
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} cases disagree:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(checked, 9 * 9 * 3);
    assert!((15..checked - 15).contains(&allowed), "both kinds of case: {allowed} allowed");
    // Raising: only the linked cadre, from nothing.
    for class in CLASSES {
        let expected = permit::permit(class, Action::RaiseConcern, Phase::New, false).is_ok();
        let (_, raise) = actors.of(class).raise(home, None, Category::Roads, "路面坑洼");
        assert_eq!(accepted(&mut actors, class, raise).await, expected, "{class:?} raises");
    }
}

#[tokio::test]
async fn every_report_step_from_every_state_is_accepted_exactly_when_the_table_permits() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut actors = Actors::login(&server).await;
    let now = minqing_tests::clock::now();
    let body = |month: YearMonth, status: ReportStatus| {
        let submitted = status != ReportStatus::Draft;
        ReportBody {
            unit_id: county.township,
            month,
            status,
            notes: "本月情况".into(),
            submitted_at: submitted.then_some(now),
            late: submitted && is_report_late(month, china_date(now)),
        }
    };
    let phases = [Phase::New, Phase::Draft, Phase::Submitted, Phase::ReportFiled];
    let moves = [
        (Action::EditReport, ReportStatus::Draft),
        (Action::SubmitReport, ReportStatus::Submitted),
        (Action::FileReport, ReportStatus::Filed),
    ];
    // Each case on a month of its own, going back from this one.
    let mut month = YearMonth::of(minqing_tests::clock::today());
    let (mut wrong, mut allowed) = (Vec::new(), 0);
    for phase in phases {
        for (action, status) in moves {
            for class in CLASSES {
                let id = uuid::Uuid::now_v7();
                let setup: &[(Class, ReportStatus)] = match phase {
                    Phase::New => &[],
                    Phase::Draft => &[(Class::Office, ReportStatus::Draft)],
                    Phase::Submitted => &[(Class::Office, ReportStatus::Submitted)],
                    _ => &[
                        (Class::Office, ReportStatus::Submitted),
                        (Class::OrgDept, ReportStatus::Filed),
                    ],
                };
                for (who, s) in setup {
                    let op = actors.of(*who).op(id, Payload::MonthlyReport(body(month, *s)));
                    assert!(accepted(&mut actors, *who, op).await, "setting up {phase:?}");
                }
                let expected = permit::permit(class, action, phase, false).is_ok();
                allowed += usize::from(expected);
                let op = actors.of(class).op(id, Payload::MonthlyReport(body(month, status)));
                let got = accepted(&mut actors, class, op).await;
                if got != expected {
                    wrong.push(format!(
                        "{class:?} {action:?} from {phase:?} ({month}): table says {expected}, \
                         server {got}"
                    ));
                }
                month = month.prev();
            }
        }
    }
    assert!(wrong.is_empty(), "{} cases disagree:\n{}", wrong.len(), wrong.join("\n"));
    // The office edits and submits from nothing or a draft; the department files a submitted one.
    assert_eq!(allowed, 5, "the allowed cases");
}

/// A patch that takes `action` on a household.
fn household_patch(action: Action, county: &minqing_tests::County) -> HouseholdPatch {
    let p = HouseholdPatch::default();
    match action {
        Action::EditHousehold => HouseholdPatch { notes: Some("新备注".into()), ..p },
        Action::ConfirmHousehold => {
            HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..p }
        }
        Action::FileHousehold => HouseholdPatch { status: Some(HouseholdStatus::Filed), ..p },
        Action::LinkHousehold => HouseholdPatch { cadre_id: Some(Some(county.li)), ..p },
        Action::MoveHousehold => HouseholdPatch { village_id: Some(county.second_village), ..p },
        Action::RetireHousehold => HouseholdPatch { deleted: Some(true), ..p },
        Action::RestoreHousehold => HouseholdPatch { deleted: Some(false), ..p },
        other => unreachable!("{other:?}"),
    }
}

/// A new household of wang's in `phase`, made as the table allows.
async fn household_at(
    actors: &mut Actors,
    county: &minqing_tests::County,
    phase: Phase,
) -> HouseholdId {
    let id = HouseholdId::new();
    let create = |status: HouseholdStatus| HouseholdPatch {
        village_id: Some(county.village),
        head_name: Some("矩阵户".into()),
        cadre_id: Some(Some(county.wang)),
        status: Some(status),
        ..HouseholdPatch::default()
    };
    let (who, first) = match phase {
        Phase::Proposed => (Class::Office, create(HouseholdStatus::Proposed)),
        Phase::Confirmed | Phase::Retired => (Class::Field, create(HouseholdStatus::Confirmed)),
        Phase::Filed => (Class::Office, create(HouseholdStatus::Filed)),
        other => unreachable!("{other:?}"),
    };
    let op = actors.of(who).op(id.0, Payload::Household(first));
    assert!(accepted(actors, who, op).await, "creating for {phase:?}");
    if phase == Phase::Retired {
        let retire = HouseholdPatch { deleted: Some(true), ..HouseholdPatch::default() };
        let op = actors.of(Class::Office).op(id.0, Payload::Household(retire));
        assert!(accepted(actors, Class::Office, op).await, "retiring");
    }
    id
}

#[tokio::test]
async fn every_household_action_from_every_state_is_accepted_exactly_when_the_table_permits() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut actors = Actors::login(&server).await;
    let actions: Vec<Action> = permit::RULES
        .iter()
        .map(|r| r.action)
        .filter(|a| a.record() == permit::Record::Household && *a != Action::CreateHousehold)
        .collect();
    assert_eq!(actions.len(), 7, "every household action of the table: {actions:?}");
    // A patch that changes nothing takes no action: those pairs are not cases (a retired
    // household here was confirmed).
    let no_op = |action: Action, phase: Phase| {
        matches!(
            (action, phase),
            (Action::ConfirmHousehold, Phase::Confirmed | Phase::Retired)
                | (Action::FileHousehold, Phase::Filed)
                | (Action::RetireHousehold, Phase::Retired)
        ) || (action == Action::RestoreHousehold && phase != Phase::Retired)
    };
    let (mut wrong, mut checked, mut allowed) = (Vec::new(), 0, 0);
    for phase in [Phase::Proposed, Phase::Confirmed, Phase::Filed, Phase::Retired] {
        for &action in actions.iter().filter(|a| !no_op(**a, phase)) {
            for class in CLASSES {
                let home = household_at(&mut actors, &county, phase).await;
                let expected = permit::permit(class, action, phase, false).is_ok();
                allowed += usize::from(expected);
                let patch = household_patch(action, &county);
                let op = actors.of(class).op(home.0, Payload::Household(patch));
                let got = accepted(&mut actors, class, op).await;
                if got != expected {
                    wrong.push(format!(
                        "{class:?} {action:?} from {phase:?}: table says {expected}, server {got}"
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} cases disagree:\n{}", wrong.len(), wrong.join("\n"));
    assert!((10..checked - 10).contains(&allowed), "both kinds of case: {allowed} of {checked}");
    for class in CLASSES {
        let expected = permit::permit(class, Action::CreateHousehold, Phase::New, false).is_ok();
        let patch = HouseholdPatch {
            village_id: Some(county.village),
            head_name: Some("新户".into()),
            cadre_id: Some(Some(county.wang)),
            ..HouseholdPatch::default()
        };
        let op = actors.of(class).op(HouseholdId::new().0, Payload::Household(patch));
        assert_eq!(accepted(&mut actors, class, op).await, expected, "{class:?} creates");
    }
}
