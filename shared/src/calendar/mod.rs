//! Every date the system runs on. One module owns these dates; everything else asks it.
//!
//! All dates are China Standard Time (UTC+8, no daylight saving time). The functions here are
//! pure: callers pass `today` (computed once with [`china_date`]) instead of reading the clock.
//!
//! - visit weeks are ISO weeks, Monday to Sunday ([`VisitWeek`], [`due_this_week`]);
//! - the monthly report of month M is due on the 3rd of M+1 ([`report_due`]), and the joint
//!   meeting 联席会议 on its special reports is held on the 5th of M+1 ([`meeting_date`]);
//! - the supervision ledger 挂账督办 wants an inquiry every week, a check every half month and a
//!   dispatch every month ([`ledger_next_due`]);
//! - evaluation periods are quarters, half-years and years ([`Period`]).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::concern::LedgerKind;

/// The offset of China Standard Time from UTC, in seconds (UTC+8, no DST).
pub const CHINA_OFFSET_SECS: i32 = 8 * 3600;

const CHINA: FixedOffset = match FixedOffset::east_opt(CHINA_OFFSET_SECS) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// China Standard Time as a chrono offset.
pub fn china() -> FixedOffset {
    CHINA
}

/// The calendar date in China at the instant `ts`.
pub fn china_date(ts: DateTime<Utc>) -> NaiveDate {
    ts.with_timezone(&CHINA).date_naive()
}

/// The China date of `ms` milliseconds since the epoch (`None` out of chrono's range).
pub fn china_date_ms(ms: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(ms).map(china_date)
}

/// The instant China's day `date` begins (00:00 UTC+8), in milliseconds since the epoch.
pub fn china_midnight_ms(date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    midnight.timestamp_millis() - i64::from(CHINA_OFFSET_SECS) * 1000
}

/// The China days `first..=last` as a half-open range of instants in milliseconds: what a query
/// of records "on those days" asks for.
pub fn china_days_ms(first: NaiveDate, last: NaiveDate) -> std::ops::Range<i64> {
    china_midnight_ms(first)..china_midnight_ms(add_days(last, 1))
}

/// A week, month or period code that could not be parsed: what was expected, and the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {0}: {1:?}")]
pub struct ParseCalendarError(&'static str, String);

fn parse_error(what: &'static str, input: &str) -> ParseCalendarError {
    ParseCalendarError(what, input.to_owned())
}

/// Parses a number written with exactly `len` ASCII digits (no sign, no spaces).
fn digits<T: FromStr>(s: &str, len: usize) -> Option<T> {
    let all_digits = s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| s.parse().ok()).flatten()
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}

fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    let later = date.checked_add_days(Days::new(days));
    later.unwrap_or(NaiveDate::MAX)
}

fn add_month(date: NaiveDate) -> NaiveDate {
    let later = date.checked_add_months(Months::new(1));
    later.unwrap_or(NaiveDate::MAX)
}

/// Serializes a type as its `Display` string and deserializes it with `FromStr`.
macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An ISO week (Monday to Sunday), the unit of the weekly visit 每周走访.
///
/// Serialized as its [`Display`](fmt::Display) form, e.g. `"2026-W48"`. The year is the ISO
/// week-numbering year, which differs from the calendar year around New Year: 2024-12-30 is in
/// 2025-W01 and 2027-01-01 in 2026-W53. Build values with [`VisitWeek::of`] or
/// [`VisitWeek::new`]; methods panic on a hand-built week that does not exist (e.g. week 60).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VisitWeek {
    /// The ISO week-numbering year.
    pub year: i32,
    /// The ISO week number, 1 to 52 or 53.
    pub week: u32,
}

impl VisitWeek {
    /// The week `week` of ISO year `year`, if it exists.
    pub fn new(year: i32, week: u32) -> Option<Self> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| VisitWeek { year, week })
    }

    /// The ISO week containing `date`.
    pub fn of(date: NaiveDate) -> Self {
        let (year, week) = (date.iso_week().year(), date.iso_week().week());
        VisitWeek { year, week }
    }

    /// The Monday that starts the week.
    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).expect("a valid ISO week")
    }

    /// The Sunday that ends the week.
    pub fn sunday(self) -> NaiveDate {
        add_days(self.monday(), 6)
    }

    /// Whether `date` falls in this week.
    pub fn contains(self, date: NaiveDate) -> bool {
        VisitWeek::of(date) == self
    }

    /// The following week.
    pub fn next(self) -> Self {
        VisitWeek::of(add_days(self.monday(), 7))
    }

    /// Its instants, a half-open range in milliseconds (Monday 00:00 to next Monday 00:00).
    pub fn ms_range(self) -> std::ops::Range<i64> {
        china_days_ms(self.monday(), self.sunday())
    }

    /// A number for the week that sorts like it: `year * 100 + week` (2026-W48 is 202648).
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.week)
    }

    /// The week a [`key`](Self::key) names.
    pub fn from_key(key: i64) -> Option<Self> {
        let year = i32::try_from(key / 100).ok()?;
        let week = u32::try_from(key % 100).ok()?;
        VisitWeek::new(year, week)
    }

    /// The preceding week.
    pub fn prev(self) -> Self {
        VisitWeek::of(self.monday() - Days::new(7))
    }
}

impl fmt::Display for VisitWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for VisitWeek {
    type Err = ParseCalendarError;
    /// Parses `"2026-W48"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts = s.split_once("-W");
        let (year, week) = parts.ok_or_else(|| parse_error("ISO week", s))?;
        match (digits(year, 4), digits(week, 2)) {
            (Some(year), Some(week)) => VisitWeek::new(year, week),
            _ => None,
        }
        .ok_or_else(|| parse_error("ISO week", s))
    }
}

string_serde!(VisitWeek);

/// Whether a household is due for its weekly visit on `today`: it is due once per ISO week,
/// unless its last in-person visit falls in today's week. (A last visit dated in a later week
/// than `today`, e.g. from a phone whose clock ran ahead, also counts as visited.)
pub fn due_this_week(last_in_person_visit: Option<NaiveDate>, today: NaiveDate) -> bool {
    last_in_person_visit.is_none_or(|last| VisitWeek::of(last) < VisitWeek::of(today))
}

/// Days from `last` to `today` (negative if `last` is after `today`), or `None` if there was
/// no visit. Used to order households "overdue first".
pub fn days_since(last: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    last.map(|last| (today - last).num_days())
}

/// The number of whole ISO weeks before today's week that passed without a visit since the last
/// in-person visit: 0 if the household was visited this week or last week, 1 if it was last
/// visited two weeks ago, and so on.
///
/// A household never visited returns `u32::MAX`, so that sorting by `weeks_missed` descending
/// puts it first, ahead of every household that has been visited at least once.
pub fn weeks_missed(last_in_person_visit: Option<NaiveDate>, today: NaiveDate) -> u32 {
    let Some(last) = last_in_person_visit else {
        return u32::MAX;
    };
    let weeks = (VisitWeek::of(today).monday() - VisitWeek::of(last).monday()).num_weeks();
    u32::try_from(weeks.saturating_sub(1).max(0)).unwrap_or(u32::MAX)
}

/// A calendar month, the period of the monthly report 月报.
///
/// Serialized as its [`Display`](fmt::Display) form, e.g. `"2026-11"`. Build values with
/// [`YearMonth::of`] or [`YearMonth::new`]; methods panic on a hand-built month outside 1..=12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

impl YearMonth {
    /// The month `month` (1 to 12) of `year`, if valid.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| YearMonth { year, month })
    }

    /// The month containing `date`.
    pub fn of(date: NaiveDate) -> Self {
        let (year, month) = (date.year(), date.month());
        YearMonth { year, month }
    }

    /// The 1st of the month.
    pub fn first_day(self) -> NaiveDate {
        ymd(self.year, self.month, 1)
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Days::new(1)
    }

    /// The following month (December → January of the next year).
    pub fn next(self) -> Self {
        let (year, month) = match self.month {
            12 => (self.year + 1, 1),
            m => (self.year, m + 1),
        };
        YearMonth { year, month }
    }

    /// The preceding month (January → December of the previous year).
    pub fn prev(self) -> Self {
        let (year, month) = match self.month {
            1 => (self.year - 1, 12),
            m => (self.year, m - 1),
        };
        YearMonth { year, month }
    }

    /// Whether `date` falls in this month.
    pub fn contains(self, date: NaiveDate) -> bool {
        YearMonth::of(date) == self
    }

    /// A number for the month that sorts like it: `year * 100 + month` (2026-11 is 202611).
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = ParseCalendarError;
    /// Parses `"2026-11"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (year, month) = s.split_once('-').ok_or_else(|| parse_error("month", s))?;
        match (digits(year, 4), digits(month, 2)) {
            (Some(year), Some(month)) => YearMonth::new(year, month),
            _ => None,
        }
        .ok_or_else(|| parse_error("month", s))
    }
}

string_serde!(YearMonth);

impl YearMonth {
    /// Its instants, a half-open range in milliseconds.
    pub fn ms_range(self) -> std::ops::Range<i64> {
        china_days_ms(self.first_day(), self.last_day())
    }
}

/// The ISO weeks of `period` up to today's week: the weeks a household was due a visit in it.
pub fn due_weeks(period: Period, today: NaiveDate) -> Vec<VisitWeek> {
    let mut weeks = Vec::new();
    if period.first_day() > today {
        return weeks;
    }
    let last = VisitWeek::of(period.last_day().min(today));
    let mut week = VisitWeek::of(period.first_day());
    while week <= last {
        weeks.push(week);
        week = week.next();
    }
    weeks
}

/// The month whose report an office is working on, on `today`: last month's until its report
/// is due (on the 3rd), then this month's.
pub fn report_month(today: NaiveDate) -> YearMonth {
    let this = YearMonth::of(today);
    if today <= report_due(this.prev()) { this.prev() } else { this }
}

/// The month whose special reports this month's joint meeting 联席会议 studies: last month's
/// (the meeting is on the 5th). Before the 5th it is coming; from the 5th it was held.
pub fn meeting_month(today: NaiveDate) -> YearMonth {
    YearMonth::of(today).prev()
}

/// The day the monthly report of `month` is due: the 3rd of the following month.
pub fn report_due(month: YearMonth) -> NaiveDate {
    let next = month.next();
    ymd(next.year, next.month, 3)
}

/// Whether a monthly report of `month` submitted on `submitted_on` is late (after the 3rd).
pub fn is_report_late(month: YearMonth, submitted_on: NaiveDate) -> bool {
    submitted_on > report_due(month)
}

/// The day of the joint meeting 联席会议 that handles the special reports of `month`: the 5th of
/// the following month.
pub fn meeting_date(month: YearMonth) -> NaiveDate {
    let next = month.next();
    ymd(next.year, next.month, 5)
}

/// The day the next supervision record of `kind` is due for a ledger entry 挂账督办 opened on
/// `opened_on`: 7 days (inquiry), 15 days (check) or one calendar month (dispatch; Jan 31 →
/// Feb 28/29) after the last record of that kind, or after `opened_on` if there is none yet
/// (or the last one predates the entry).
pub fn ledger_next_due(
    kind: LedgerKind,
    opened_on: NaiveDate,
    last_record_on: Option<NaiveDate>,
) -> NaiveDate {
    let from = last_record_on.map_or(opened_on, |last| last.max(opened_on));
    match kind {
        LedgerKind::Inquiry => add_days(from, 7),
        LedgerKind::Check => add_days(from, 15),
        LedgerKind::Dispatch => add_month(from),
    }
}

/// Whether the next supervision record of `kind` is overdue on `today` (today is past its due day).
pub fn ledger_is_overdue(
    kind: LedgerKind,
    opened_on: NaiveDate,
    last_record_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    today > ledger_next_due(kind, opened_on, last_record_on)
}

mod period;
pub use period::Period;

#[cfg(test)]
mod tests;
