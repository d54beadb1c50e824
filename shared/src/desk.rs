//! The responsible unit's desk 我的交办 and the ledger's items: what a unit assigned a concern
//! by the joint meeting owes (a progress report 进展 every week until 办结), in which order its
//! desk lists them, and how related concerns are counted when supervised as one ledger item
//! 合并督办.

use chrono::NaiveDate;

use crate::calendar::{VisitWeek, china_date};
use crate::concern::ConcernStatus;
use crate::ids::CountyId;
use crate::org::{Unit, UnitKind};
use crate::sync::merge::ConcernState;

/// Whether a joint meeting in `county` may name `unit` the responsible unit 承办单位: a
/// township or a county department of the same county (each has a contact-household office
/// account that keeps the desk); not the Organization Department, which supervises.
pub fn may_be_assigned(unit: &Unit, county: CountyId) -> bool {
    unit.county_id == county && matches!(unit.kind, UnitKind::Township | UnitKind::CountyDepartment)
}

/// Whether the responsible unit owes this week's progress report on `c` on `today`: the
/// concern is assigned and not finished, and nothing was reported on it (progress,
/// completion, or the decision itself) since this week's Monday. A unit reports once a week,
/// in step with the ledger's weekly inquiry 每周一询问.
pub fn progress_due(c: &ConcernState, today: NaiveDate) -> bool {
    c.status == Some(ConcernStatus::Assigned)
        && c.last_report_at().map(china_date).is_none_or(|d| d < VisitWeek::of(today).monday())
}

/// The desk's order: overdue first (the longest overdue first), then open ones by deadline,
/// then finished ones, the latest finished first.
pub fn desk_order(c: &ConcernState, today: NaiveDate) -> (u8, i64) {
    let deadline = c.decision.as_ref().map(|d| d.deadline);
    let days = |d: Option<NaiveDate>| d.map_or(i64::MAX, |d| (d - today).num_days());
    match c.effective_status(today) {
        Some(ConcernStatus::Overdue) => (0, days(deadline)),
        Some(s) if !s.is_closed() => (1, days(deadline)),
        _ => (2, -c.done_at.map_or(0, |t| t.timestamp())),
    }
}

/// The households a concern stands for: its special report's count, else the one household
/// that raised it.
pub fn households_affected(c: &ConcernState) -> u32 {
    c.report.as_ref().and_then(|r| r.households_affected).unwrap_or(1).max(1)
}

/// The households a ledger item stands for: the sum over its member concerns (each concern is
/// a different household's, or a different group's, report).
pub fn item_households<'a>(members: impl IntoIterator<Item = &'a ConcernState>) -> u32 {
    members.into_iter().map(households_affected).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::concern::{ConcernAction, Decision, SpecialReport, Step};
    use crate::ids::{CadreId, ConcernId, DeviceId, HouseholdId, OpId};
    use crate::sync::hlc::{Hlc, Stamp};
    use crate::sync::merge::ConcernEvent;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    /// A concern escalated and assigned on Dec 5 (a Saturday), then `more` steps on the
    /// given days.
    fn assigned(deadline: u32, more: &[(u32, ConcernAction)]) -> ConcernState {
        let who = CadreId::new();
        let at = |d: u32| crate::clock::china_time(2026, 12, d, 10, 0);
        let mut steps = vec![
            (
                1,
                ConcernAction::Raise {
                    household_id: HouseholdId::new(),
                    visit_id: None,
                    category: crate::concern::Category::Roads,
                    description: "路坏了".into(),
                    photos: Vec::new(),
                },
            ),
            (
                2,
                ConcernAction::Escalate {
                    report: SpecialReport {
                        title: "修路".into(),
                        content: "三组道路".into(),
                        households_affected: Some(30),
                    },
                },
            ),
            (
                5,
                ConcernAction::Assign {
                    decision: Decision {
                        solution: "交通局修路".into(),
                        handler: "王局长".into(),
                        unit: None,
                        deadline: day(deadline),
                        meeting_date: day(5),
                    },
                },
            ),
        ];
        steps.extend(more.iter().cloned());
        let device = DeviceId::new();
        let events: Vec<ConcernEvent> = steps
            .into_iter()
            .map(|(d, action)| ConcernEvent {
                op_id: OpId::new(),
                stamp: Stamp { hlc: Hlc::from_ms(at(d).timestamp_millis()), device },
                step: Step { actor: who, at: at(d), action },
            })
            .collect();
        ConcernState::fold(ConcernId::new(), &events)
    }

    #[test]
    fn a_unit_owes_one_progress_report_a_week_until_done() {
        let c = assigned(31, &[]);
        assert!(!progress_due(&c, day(6)), "assigned this week: the decision counts");
        assert!(progress_due(&c, day(7)), "a new week (Monday 7th) with nothing reported");
        let progress = ConcernAction::Progress { note: "已勘测".into() };
        let c = assigned(31, &[(8, progress.clone())]);
        assert!(!progress_due(&c, day(13)), "reported on Tuesday");
        assert!(progress_due(&c, day(14)), "due again the next Monday");
        let done = ConcernAction::Complete { note: "已修好".into() };
        let c = assigned(31, &[(8, progress), (15, done)]);
        assert!(!progress_due(&c, day(28)), "finished: nothing owed");
    }

    #[test]
    fn the_desk_lists_overdue_first_then_by_deadline_then_finished() {
        let today = day(20);
        let overdue_long = assigned(10, &[]);
        let overdue = assigned(15, &[]);
        let soon = assigned(22, &[]);
        let later = assigned(31, &[]);
        let done = assigned(31, &[(12, ConcernAction::Complete { note: "好了".into() })]);
        let mut list = [&later, &done, &soon, &overdue, &overdue_long];
        list.sort_by_key(|c| desk_order(c, today));
        assert_eq!(
            list.map(|c| c.id),
            [&overdue_long, &overdue, &soon, &later, &done].map(|c| c.id)
        );
    }

    #[test]
    fn an_item_counts_the_households_of_each_member() {
        let road = assigned(31, &[]);
        let mut single = road.clone();
        single.report = None;
        assert_eq!(households_affected(&road), 30);
        assert_eq!(households_affected(&single), 1, "the household that raised it");
        assert_eq!(item_households([&road, &single, &road]), 61);
    }
}
