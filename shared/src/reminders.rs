//! Reminders 提醒: what a cadre or an office is reminded of, and when — one definition for the
//! phone's 提醒 tab and the office's. Nothing here sends anything: the phone computes its
//! reminders from what it holds, offline.

use chrono::NaiveDate;

use crate::calendar::VisitWeek;
use crate::concern::{ConcernAction, ConcernStatus};
use crate::sync::merge::ConcernState;

/// A concern's deadline is reminded of from this many days before it (and every day after).
pub const DEADLINE_SOON_DAYS: i64 = 3;

/// The hour (China time) from which a phone reminds its cadre of the households still due
/// that day, once a day.
pub const MORNING_HOUR: u32 = 8;

/// Whether `at` is at or after [`MORNING_HOUR`] China time on its day.
pub fn is_morning_or_later(at: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Timelike;
    at.with_timezone(&crate::calendar::china()).hour() >= MORNING_HOUR
}

/// Days left to visit this week, today included (the week ends on Sunday).
pub fn week_days_left(today: NaiveDate) -> i64 {
    (VisitWeek::of(today).sunday() - today).num_days() + 1
}

/// Where an assigned concern's deadline stands on `today`, if it is to be reminded of: the
/// days left (0: today; negative: overdue by that many days). `None` for a concern not
/// assigned, finished, or with more than [`DEADLINE_SOON_DAYS`] left.
pub fn deadline_reminder(concern: &ConcernState, today: NaiveDate) -> Option<i64> {
    if concern.status != Some(ConcernStatus::Assigned) {
        return None;
    }
    let days = (concern.decision.as_ref()?.deadline - today).num_days();
    (days <= DEADLINE_SOON_DAYS).then_some(days)
}

/// Whether a step on a cadre's concern is news from the office for the cadre: the joint
/// meeting's decision, the responsible unit's progress and completion, the Organization
/// Department's ledger and supervision.
pub fn is_office_news(action: &ConcernAction) -> bool {
    matches!(
        action,
        ConcernAction::Assign { .. }
            | ConcernAction::Progress { .. }
            | ConcernAction::Complete { .. }
            | ConcernAction::PutOnLedger { .. }
            | ConcernAction::Supervise { .. }
    )
}

/// The month whose report an office is reminded of on `today`, if it is not in: from the day
/// before it is due (the 2nd) through the joint meeting (the 5th), when a late report still
/// holds the meeting up.
pub fn report_reminder(today: NaiveDate, submitted: bool) -> Option<crate::calendar::YearMonth> {
    use crate::calendar::{YearMonth, meeting_date, report_due};
    // Last month's report: due on this month's 3rd.
    let month = YearMonth::of(today).prev();
    let due = report_due(month);
    let from = due.pred_opt()?;
    let until = meeting_date(month);
    (!submitted && from <= today && today <= until).then_some(month)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::concern::Decision;
    use crate::ids::ConcernId;
    use crate::sync::merge::ConcernState;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn the_morning_starts_at_eight_china_time() {
        let at = |h| crate::clock::china_time(2026, 12, 1, h, 0);
        assert!(!is_morning_or_later(at(7)));
        assert!(is_morning_or_later(at(8)) && is_morning_or_later(at(21)));
    }

    #[test]
    fn the_report_is_reminded_of_from_the_2nd_through_the_meeting() {
        let nov = crate::calendar::YearMonth::new(2026, 11).unwrap();
        assert_eq!(report_reminder(day(1), false), None, "not yet");
        assert_eq!(report_reminder(day(2), false), Some(nov), "the day before it is due");
        assert_eq!(report_reminder(day(3), false), Some(nov));
        assert_eq!(report_reminder(day(5), false), Some(nov), "late, the meeting waits");
        assert_eq!(report_reminder(day(6), false), None);
        assert_eq!(report_reminder(day(2), true), None, "submitted: nothing to remind");
    }

    #[test]
    fn the_week_ends_on_sunday() {
        // 2026-11-30 is a Monday, 2026-12-06 a Sunday.
        assert_eq!(week_days_left(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()), 7);
        assert_eq!(week_days_left(day(5)), 2);
        assert_eq!(week_days_left(day(6)), 1);
    }

    #[test]
    fn a_deadline_is_reminded_of_three_days_before_and_every_day_after() {
        let mut c = ConcernState::fold(ConcernId::new(), std::iter::empty());
        c.status = Some(ConcernStatus::Assigned);
        c.decision = Some(Decision {
            solution: "修井".into(),
            handler: "水利站".into(),
            unit: None,
            deadline: day(10),
            meeting_date: day(5),
        });
        assert_eq!(deadline_reminder(&c, day(6)), None, "four days before");
        assert_eq!(deadline_reminder(&c, day(7)), Some(3));
        assert_eq!(deadline_reminder(&c, day(10)), Some(0));
        assert_eq!(deadline_reminder(&c, day(12)), Some(-2));
        c.status = Some(ConcernStatus::Done);
        assert_eq!(deadline_reminder(&c, day(12)), None, "finished: nothing to remind");
    }
}
