//! Evaluation periods 考核: quarters, half-years and years.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{ParseCalendarError, YearMonth, digits, parse_error};
/// An evaluation period 考核周期: the quarterly notice 季度通报, the half-year summary 半年小结
/// or the year-end summary 年终总结.
///
/// Serialized externally tagged, e.g. `{"quarter":{"year":2026,"quarter":4}}`,
/// `{"half_year":{"year":2026,"half":1}}`, `{"year":{"year":2026}}`; its URL form is
/// [`Period::code`]. Methods panic on a hand-built quarter outside 1..=4 or half outside 1..=2
/// (deserialization and parsing reject them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodRepr", into = "PeriodRepr")]
pub enum Period {
    /// A quarter, 1 to 4.
    Quarter {
        /// The year.
        year: i32,
        /// The quarter, 1 (Jan–Mar) to 4 (Oct–Dec).
        quarter: u32,
    },
    /// A half-year, 1 (上半年, Jan–Jun) or 2 (下半年, Jul–Dec).
    HalfYear {
        /// The year.
        year: i32,
        /// The half, 1 or 2.
        half: u32,
    },
    /// A calendar year.
    Year {
        /// The year.
        year: i32,
    },
}

/// The serde shape of [`Period`], deserialized before validation.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum PeriodRepr {
    Quarter { year: i32, quarter: u32 },
    HalfYear { year: i32, half: u32 },
    Year { year: i32 },
}

impl From<Period> for PeriodRepr {
    fn from(p: Period) -> Self {
        match p {
            Period::Quarter { year, quarter } => PeriodRepr::Quarter { year, quarter },
            Period::HalfYear { year, half } => PeriodRepr::HalfYear { year, half },
            Period::Year { year } => PeriodRepr::Year { year },
        }
    }
}

impl TryFrom<PeriodRepr> for Period {
    type Error = &'static str;
    fn try_from(r: PeriodRepr) -> Result<Self, Self::Error> {
        let period = match r {
            PeriodRepr::Quarter { year, quarter } => Period::Quarter { year, quarter },
            PeriodRepr::HalfYear { year, half } => Period::HalfYear { year, half },
            PeriodRepr::Year { year } => Period::Year { year },
        };
        match period.months() {
            Some(_) => Ok(period),
            None => Err("no such quarter or half-year"),
        }
    }
}

impl Period {
    /// The quarter containing `date`.
    pub fn quarter_of(date: NaiveDate) -> Self {
        let (year, quarter) = (date.year(), date.month().div_ceil(3));
        Period::Quarter { year, quarter }
    }

    /// The half-year containing `date`.
    pub fn half_year_of(date: NaiveDate) -> Self {
        let (year, half) = (date.year(), date.month().div_ceil(6));
        Period::HalfYear { year, half }
    }

    /// The year containing `date`.
    pub fn year_of(date: NaiveDate) -> Self {
        Period::Year { year: date.year() }
    }

    /// The first and last month of the period, or `None` for a quarter or half that does not
    /// exist.
    fn months(self) -> Option<(YearMonth, YearMonth)> {
        let (year, first, len) = match self {
            Period::Quarter { year, quarter } if (1..=4).contains(&quarter) => {
                (year, 3 * quarter - 2, 3)
            }
            Period::HalfYear { year, half } if (1..=2).contains(&half) => (year, 6 * half - 5, 6),
            Period::Year { year } => (year, 1, 12),
            _ => return None,
        };
        let month = |month| YearMonth { year, month };
        Some((month(first), month(first + len - 1)))
    }

    /// The first day of the period.
    pub fn first_day(self) -> NaiveDate {
        let (first, _) = self.months().expect("a valid period");
        first.first_day()
    }

    /// The last day of the period.
    pub fn last_day(self) -> NaiveDate {
        let (_, last) = self.months().expect("a valid period");
        last.last_day()
    }

    /// Its instants, a half-open range in milliseconds.
    pub fn ms_range(self) -> std::ops::Range<i64> {
        super::china_days_ms(self.first_day(), self.last_day())
    }

    /// Whether `date` falls in the period.
    pub fn contains(self, date: NaiveDate) -> bool {
        (self.first_day()..=self.last_day()).contains(&date)
    }

    /// The Chinese label, as a county prints it: "2026年第四季度", "2026年上半年",
    /// "2026年下半年", "2026年度".
    pub fn label_zh(self) -> String {
        match self {
            Period::Quarter { year, quarter } => {
                let n = ["一", "二", "三", "四"].get(quarter as usize - 1).copied().unwrap_or("");
                format!("{year}年第{n}季度")
            }
            Period::HalfYear { year, half: 1 } => format!("{year}年上半年"),
            Period::HalfYear { year, .. } => format!("{year}年下半年"),
            Period::Year { year } => format!("{year}年度"),
        }
    }

    /// The English label: "2026 Q4", "2026 H1", "2026".
    pub fn label_en(self) -> String {
        match self {
            Period::Quarter { year, quarter } => format!("{year} Q{quarter}"),
            Period::HalfYear { year, half } => format!("{year} H{half}"),
            Period::Year { year } => format!("{year}"),
        }
    }

    /// The stable string form used in URLs: "2026-Q4", "2026-H2", "2026" (parsed by `FromStr`).
    pub fn code(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Period {
    /// Writes [`Period::code`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::HalfYear { year, half } => write!(f, "{year:04}-H{half}"),
            Period::Year { year } => write!(f, "{year:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = ParseCalendarError;
    /// Parses "2026-Q4", "2026-H2" or "2026".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || parse_error("period", s);
        let Some((year, rest)) = s.split_once('-') else {
            let year = digits(s, 4).ok_or_else(bad)?;
            return Ok(Period::Year { year });
        };
        let year = digits(year, 4).ok_or_else(bad)?;
        let repr = if let Some(quarter) = rest.strip_prefix('Q').and_then(|n| digits(n, 1)) {
            PeriodRepr::Quarter { year, quarter }
        } else if let Some(half) = rest.strip_prefix('H').and_then(|n| digits(n, 1)) {
            PeriodRepr::HalfYear { year, half }
        } else {
            return Err(bad());
        };
        Period::try_from(repr).map_err(|_| bad())
    }
}
