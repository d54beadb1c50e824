use super::*;
use crate::household::{Household, HouseholdKind, HouseholdStatus};
use crate::ids::{HouseholdId, VillageId};
use crate::sync::op::HouseholdPatch;

#[test]
fn every_action_has_one_row() {
    for action in Action::ALL {
        let rows = RULES.iter().filter(|r| r.action == *action).count();
        assert_eq!(rows, 1, "{action:?}");
        let rule = rule_of(*action);
        assert!(!rule.who.is_empty() && !rule.from.is_empty(), "{action:?}");
        for phase in rule.from {
            assert!(
                Phase::of_record(action.record()).contains(phase),
                "{action:?} from {phase:?} is not a phase of {:?}",
                action.record()
            );
        }
        if rule.who != Class::ALL {
            assert!(!rule.only.is_empty(), "{action:?} needs a reason for the others");
        }
    }
}

#[test]
fn the_seed_s_division_of_work_holds() {
    use Action as A;
    use Class as C;
    use Phase as P;
    let cases = [
        ("a cadre raises at the doorstep", C::Field, A::RaiseConcern, P::New, false, None),
        (
            "an office does not raise",
            C::Office,
            A::RaiseConcern,
            P::New,
            false,
            Some("not_allowed"),
        ),
        ("a cadre escalates after explaining", C::Field, A::Escalate, P::Explained, false, None),
        (
            "a cadre cannot close an assigned concern",
            C::Field,
            A::Complete,
            P::Assigned,
            false,
            Some("not_allowed"),
        ),
        (
            "the office completes an assigned concern",
            C::Office,
            A::Complete,
            P::Assigned,
            false,
            None,
        ),
        ("the office decides at the meeting", C::Office, A::Assign, P::Escalated, false, None),
        (
            "no decision on a raised concern",
            C::Office,
            A::Assign,
            P::Raised,
            false,
            Some("illegal_transition"),
        ),
        (
            "the ledger is the department's",
            C::Office,
            A::PutOnLedger,
            P::Assigned,
            false,
            Some("not_allowed"),
        ),
        (
            "not twice on the ledger",
            C::OrgDept,
            A::PutOnLedger,
            P::Assigned,
            true,
            Some("already_on_ledger"),
        ),
        (
            "supervision needs the ledger",
            C::OrgDept,
            A::Supervise,
            P::Assigned,
            false,
            Some("not_on_ledger"),
        ),
        (
            "no supervision once done",
            C::OrgDept,
            A::Supervise,
            P::Done,
            true,
            Some("illegal_transition"),
        ),
        ("an office submits its report", C::Office, A::SubmitReport, P::Draft, false, None),
        (
            "a submitted report is not rewritten",
            C::Office,
            A::EditReport,
            P::Submitted,
            false,
            Some("illegal_transition"),
        ),
        (
            "an office does not file its own report",
            C::Office,
            A::FileReport,
            P::Submitted,
            false,
            Some("not_allowed"),
        ),
        ("the department files", C::OrgDept, A::FileReport, P::Submitted, false, None),
        (
            "the department does not submit for a unit",
            C::OrgDept,
            A::SubmitReport,
            P::Draft,
            false,
            Some("not_allowed"),
        ),
        (
            "a cadre does not file households",
            C::Field,
            A::FileHousehold,
            P::Confirmed,
            false,
            Some("not_allowed"),
        ),
        (
            "a cadre confirms a proposed household",
            C::Field,
            A::ConfirmHousehold,
            P::Proposed,
            false,
            None,
        ),
        (
            "the department resets a cadre's password",
            C::OrgDept,
            A::ResetPassword,
            P::FieldAccount,
            false,
            None,
        ),
        (
            "but not a colleague's",
            C::OrgDept,
            A::ResetPassword,
            P::OrgAccount,
            false,
            Some("not_allowed"),
        ),
        (
            "nor an administrator's",
            C::OrgDept,
            A::ResetPassword,
            P::AdminAccount,
            false,
            Some("not_allowed"),
        ),
        (
            "an office does not reset passwords",
            C::Office,
            A::ResetPassword,
            P::FieldAccount,
            false,
            Some("not_allowed"),
        ),
        (
            "a visit is recorded once",
            C::Field,
            A::RecordVisit,
            P::Existing,
            false,
            Some("already_exists"),
        ),
    ];
    for (name, class, action, phase, ledger, want) in cases {
        assert_eq!(permit(class, action, phase, ledger).err().map(|r| r.code), want, "{name}");
    }
}

#[test]
fn screens_offer_exactly_what_is_permitted() {
    assert_eq!(
        offered(Class::Field, Record::Concern, Phase::Raised, false),
        vec![Action::ResolveOnSpot, Action::Explain, Action::Escalate, Action::VoidStep]
    );
    assert_eq!(
        offered(Class::Field, Record::Concern, Phase::Explained, false),
        vec![Action::Escalate, Action::VoidStep]
    );
    // The cadre's steps stand once the office has decided (or the concern is on the ledger).
    assert!(
        !offered(Class::Field, Record::Concern, Phase::Escalated, true).contains(&Action::VoidStep)
    );
    assert!(offered(Class::Field, Record::Concern, Phase::Assigned, false).is_empty());
    assert_eq!(
        offered(Class::OrgDept, Record::Concern, Phase::Assigned, false),
        vec![Action::Assign, Action::Complete, Action::ReportProgress, Action::PutOnLedger]
    );
    assert_eq!(
        offered(Class::OrgDept, Record::Concern, Phase::Assigned, true),
        vec![Action::Assign, Action::Complete, Action::ReportProgress, Action::Supervise]
    );
    // The responsible unit's desk: progress and completion, nothing else.
    assert_eq!(
        offered_on_concern(Class::Office, Phase::Assigned, false, Access::Assignee),
        vec![Action::Complete, Action::ReportProgress]
    );
    assert_eq!(
        offered_on_concern(Class::Office, Phase::Escalated, false, Access::Assignee),
        vec![Action::Complete]
    );
    assert_eq!(
        permit_access(Action::Assign, Access::Assignee).unwrap_err().code,
        "out_of_scope",
        "the responsible unit does not re-decide"
    );
    assert!(permit_access(Action::Assign, Access::Own).is_ok());
}

fn household(status: HouseholdStatus) -> Household {
    Household {
        id: HouseholdId::new(),
        village_id: VillageId::new(),
        head_name: "李大山".into(),
        address: "一组 5号".into(),
        phone: String::new(),
        kinds: [HouseholdKind::PartyVeteran].into(),
        cadre_id: None,
        notes: String::new(),
        status,
        deleted: false,
        retirement: None,
    }
}

#[test]
fn a_household_patch_names_each_action_it_takes() {
    let filed = household(HouseholdStatus::Filed);
    let back = HouseholdPatch { status: Some(HouseholdStatus::Proposed), ..Default::default() };
    assert_eq!(household_actions(Some(&filed), &back).unwrap_err().code, "illegal_transition");

    let same = HouseholdPatch { head_name: Some("李大山".into()), ..Default::default() };
    assert!(household_actions(Some(&filed), &same).unwrap().is_empty(), "nothing changes");

    let phone = HouseholdPatch { phone: Some("13900000000".into()), ..Default::default() };
    assert_eq!(
        household_actions(Some(&filed), &phone).unwrap(),
        vec![(Action::EditHousehold, Phase::Filed)]
    );

    let new = HouseholdPatch {
        village_id: Some(VillageId::new()),
        head_name: Some("王".into()),
        status: Some(HouseholdStatus::Filed),
        ..Default::default()
    };
    assert_eq!(
        household_actions(None, &new).unwrap(),
        vec![(Action::CreateHousehold, Phase::New), (Action::FileHousehold, Phase::Proposed)]
    );
    let retire = HouseholdPatch { deleted: Some(true), ..Default::default() };
    assert_eq!(
        household_actions(Some(&household(HouseholdStatus::Confirmed)), &retire).unwrap(),
        vec![(Action::RetireHousehold, Phase::Confirmed)]
    );
}
