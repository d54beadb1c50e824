//! When an action may be dated: not before the system's earliest date, not after the server's
//! clock plus the skew a phone's clock is allowed, and not before the record it acts on (within
//! the same skew, since two devices' clocks never agree exactly). Deadlines are bounded too.

use chrono::{DateTime, NaiveDate, Utc};

use super::Refusal;
use crate::calendar::{VisitWeek, china_date, china_midnight_ms};
use crate::sync::MAX_CLOCK_AHEAD_MS;

/// How far after the moment it was recorded a visit may be dated: none, but for the few seconds
/// between the form's clock and the op's stamp.
pub const VISIT_AFTER_RECORD_MS: i64 = 5 * 60 * 1000;

/// No record of this system is dated before this day (its dates are all this century's).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// A decision's deadline is at most this many days after its meeting (five years).
pub const MAX_DEADLINE_DAYS: i64 = 5 * 366;

fn earliest_ms() -> i64 {
    EARLIEST_DATE.and_hms_opt(0, 0, 0).map_or(0, |d| d.and_utc().timestamp_millis())
}

/// Whether an action dated `at` may be recorded now (`now_ms`, the server's clock) on a record
/// that began at `not_before` (the concern's raising, the visit corrected), if any.
pub fn check_at(
    at: DateTime<Utc>,
    not_before: Option<DateTime<Utc>>,
    now_ms: i64,
) -> Result<(), Refusal> {
    let at_ms = at.timestamp_millis();
    if at_ms < earliest_ms() {
        return Err(Refusal::new(
            "date_out_of_range",
            format!("日期早于{EARLIEST_DATE}（dated before {EARLIEST_DATE}）"),
        ));
    }
    if at_ms > now_ms + MAX_CLOCK_AHEAD_MS {
        return Err(Refusal::new(
            "clock_ahead",
            "时间晚于服务器当前时间一小时以上，请检查手机时间（more than an hour ahead of the server's clock）",
        ));
    }
    if let Some(start) = not_before {
        if at_ms < start.timestamp_millis() - MAX_CLOCK_AHEAD_MS {
            return Err(Refusal::new(
                "before_record",
                "时间早于所处理的记录（dated before the record it acts on）",
            ));
        }
    }
    Ok(())
}

/// The days a visit recorded at `recorded_at` may be dated on (China time): from the Monday of
/// the previous ISO week to the day it is recorded. A visit noted on Monday morning may still
/// count for last week; one from three weeks ago may not (the week's figures are settled).
pub fn visit_days(recorded_at: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let today = china_date(recorded_at);
    (VisitWeek::of(today).prev().monday(), today)
}

/// Whether a visit dated `visited_at` may be recorded at `recorded_at` (the op's clock): within
/// [`visit_days`], and never after it was recorded.
pub fn check_visit_time(
    visited_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
) -> Result<(), Refusal> {
    let at_ms = visited_at.timestamp_millis();
    if at_ms > recorded_at.timestamp_millis() + VISIT_AFTER_RECORD_MS {
        return Err(Refusal::new(
            "visit_in_future",
            "走访时间不能晚于记录时间（the visit is dated after it was recorded）",
        ));
    }
    let (first, _) = visit_days(recorded_at);
    if at_ms < china_midnight_ms(first) {
        return Err(Refusal::new(
            "visit_too_old",
            format!(
                "走访时间只能选本周或上周（{first} 起）（a visit may be dated this week or last week, from {first}）"
            ),
        ));
    }
    Ok(())
}

/// How many days after it happened a visit may still be corrected or voided by its cadre.
pub const CORRECTION_DAYS: i64 = 7;

/// Whether a record made at `visited_at` (a visit; a concern's step) may be corrected or
/// voided at `at` (the correction's clock): within [`CORRECTION_DAYS`]. A corrected time is checked like a new visit's, against
/// the correction's clock ([`check_visit_time`]).
pub fn check_correction(visited_at: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), Refusal> {
    if at - visited_at > chrono::Duration::days(CORRECTION_DAYS) {
        return Err(Refusal::new(
            "correction_too_late",
            format!(
                "记录满{CORRECTION_DAYS}天后不能更正或作废（a record is corrected or voided within {CORRECTION_DAYS} days）"
            ),
        ));
    }
    Ok(())
}

/// Whether a decision's `deadline` fits its `meeting`: not before it, at most
/// [`MAX_DEADLINE_DAYS`] after.
pub fn check_deadline(meeting: NaiveDate, deadline: NaiveDate) -> Result<(), Refusal> {
    if meeting < EARLIEST_DATE {
        return Err(Refusal::new(
            "date_out_of_range",
            format!("会议日期早于{EARLIEST_DATE}（the meeting is dated before {EARLIEST_DATE}）"),
        ));
    }
    if deadline < meeting {
        return Err(Refusal::new(
            "invalid_value",
            "完成时限不能早于会议日期（the deadline is before the meeting）",
        ));
    }
    if (deadline - meeting).num_days() > MAX_DEADLINE_DAYS {
        return Err(Refusal::new(
            "date_out_of_range",
            "完成时限不能超过会议后五年（the deadline is more than five years after the meeting）",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn dates_are_bounded_on_both_sides_and_by_the_record() {
        let now = at("2026-11-25T04:00:00Z").timestamp_millis();
        let cases = [
            ("year one", at("0001-01-01T00:00:00Z"), None, Some("date_out_of_range")),
            ("far future", at("9999-12-31T00:00:00Z"), None, Some("clock_ahead")),
            ("a minute ahead", at("2026-11-25T04:01:00Z"), None, None),
            ("two hours ahead", at("2026-11-25T06:00:00Z"), None, Some("clock_ahead")),
            (
                "before the concern was raised",
                at("2026-01-01T00:00:00Z"),
                Some(at("2026-11-20T00:00:00Z")),
                Some("before_record"),
            ),
            (
                "a few minutes before, within clock skew",
                at("2026-11-20T00:00:00Z"),
                Some(at("2026-11-20T00:10:00Z")),
                None,
            ),
        ];
        for (name, when, start, want) in cases {
            assert_eq!(check_at(when, start, now).err().map(|r| r.code), want, "{name}");
        }
    }

    #[test]
    fn a_visit_is_dated_this_week_or_last_and_never_after_it_was_recorded() {
        use crate::clock::china_time;
        // Monday 2026-11-23 is the Monday of this ISO week; 2026-11-16 of last week.
        let recorded = china_time(2026, 11, 25, 9, 30);
        assert_eq!(
            visit_days(recorded),
            ("2026-11-16".parse().unwrap(), "2026-11-25".parse().unwrap())
        );
        let cases = [
            ("now", recorded, None),
            ("this morning", china_time(2026, 11, 25, 8, 0), None),
            ("last Monday at midnight", china_time(2026, 11, 16, 0, 0), None),
            (
                "last Sunday before midnight",
                china_time(2026, 11, 15, 23, 59),
                Some("visit_too_old"),
            ),
            ("three weeks ago", china_time(2026, 11, 4, 10, 0), Some("visit_too_old")),
            ("two minutes later (clock skew)", china_time(2026, 11, 25, 9, 32), None),
            ("this evening", china_time(2026, 11, 25, 19, 0), Some("visit_in_future")),
        ];
        for (name, when, want) in cases {
            assert_eq!(check_visit_time(when, recorded).err().map(|r| r.code), want, "{name}");
        }
        // Recorded on a Monday just after midnight, China time: last week is still open.
        let monday = china_time(2026, 11, 30, 0, 5);
        assert_eq!(visit_days(monday).0, "2026-11-23".parse().unwrap());
        assert!(check_visit_time(china_time(2026, 11, 29, 21, 0), monday).is_ok());
    }

    #[test]
    fn a_visit_is_corrected_within_seven_days() {
        use crate::clock::china_time;
        let visited = china_time(2026, 11, 18, 10, 0);
        assert!(check_correction(visited, china_time(2026, 11, 25, 9, 59)).is_ok());
        assert_eq!(
            check_correction(visited, china_time(2026, 11, 25, 10, 1)).unwrap_err().code,
            "correction_too_late"
        );
    }

    #[test]
    fn deadlines_follow_their_meeting() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(check_deadline(d("2026-12-05"), d("2026-12-31")).is_ok());
        assert_eq!(
            check_deadline(d("2026-12-05"), d("2026-12-04")).unwrap_err().code,
            "invalid_value"
        );
        assert_eq!(
            check_deadline(d("2026-12-05"), d("9999-12-31")).unwrap_err().code,
            "date_out_of_range"
        );
    }
}
