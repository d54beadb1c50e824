//! When an action may be dated: not before the system's earliest date, not after the server's
//! clock plus the skew a phone's clock is allowed, and not before the record it acts on (within
//! the same skew, since two devices' clocks never agree exactly). Deadlines are bounded too.

use chrono::{DateTime, NaiveDate, Utc};

use super::Refusal;
use crate::sync::MAX_CLOCK_AHEAD_MS;

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
