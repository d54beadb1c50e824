//! TEMPORARY stub, replaced by the helper's calendar.
use chrono::{DateTime, NaiveDate, Utc, FixedOffset};
use serde::{Deserialize, Serialize};
/// x
pub fn china() -> FixedOffset { FixedOffset::east_opt(8 * 3600).unwrap() }
/// x
pub fn china_date(ts: DateTime<Utc>) -> NaiveDate { ts.with_timezone(&china()).date_naive() }
/// x
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth { /// y
 pub year: i32, /// m
 pub month: u32 }
