//! The 提醒 tab's reminders, computed from what the phone holds (offline): the households still
//! due this week, the cadre's concerns whose deadline is near or passed, and what the office did
//! on them since the cadre last looked.

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::concern::Step;
use minqing_shared::reminders::{deadline_reminder, is_office_news, week_days_left};

use super::queries::{ConcernView, HouseholdSummary};
use super::{Result, Store, set_setting_in, setting_in};

/// Where the time the cadre last opened 提醒 is kept.
const SEEN_SETTING: &str = "reminders_seen_ms";
/// Where the day of the last morning notification is kept.
const NOTIFIED_SETTING: &str = "reminders_notified_day";

/// A concern whose deadline is near or passed.
#[derive(Clone, Debug, PartialEq)]
pub struct DeadlineReminder {
    /// The concern.
    pub concern: ConcernView,
    /// Days left (0: today; negative: overdue by that many).
    pub days: i64,
}

/// A step the office took on one of the cadre's concerns.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficeNews {
    /// The concern.
    pub concern: ConcernView,
    /// The step.
    pub step: Step,
}

/// What 提醒 lists.
#[derive(Clone, Debug, PartialEq)]
pub struct Reminders {
    /// Days left to visit this week, today included.
    pub days_left: i64,
    /// Households still due this week (active ones; most overdue first).
    pub due: Vec<HouseholdSummary>,
    /// Concerns whose deadline is near or passed, most urgent first.
    pub deadlines: Vec<DeadlineReminder>,
    /// The office's steps since the cadre last opened 提醒, newest first.
    pub news: Vec<OfficeNews>,
}

impl Reminders {
    /// The tab's badge: every item listed.
    pub fn count(&self) -> usize {
        self.due.len() + self.deadlines.len() + self.news.len()
    }
}

impl Store {
    /// The reminders on `today`; news after `seen_ms` (from [`Store::reminders_seen`]).
    pub fn reminders(&self, today: NaiveDate, seen_ms: i64) -> Result<Reminders> {
        let due: Vec<HouseholdSummary> = self
            .week(today)?
            .households
            .into_iter()
            .filter(|h| h.due && h.household.is_active())
            .collect();
        let mut deadlines = Vec::new();
        let mut news = Vec::new();
        for concern in self.concerns()? {
            if let Some(days) = deadline_reminder(&concern.state, today) {
                deadlines.push(DeadlineReminder { concern: concern.clone(), days });
            }
            for step in &concern.state.history {
                if is_office_news(&step.action) && step.at.timestamp_millis() > seen_ms {
                    news.push(OfficeNews { concern: concern.clone(), step: step.clone() });
                }
            }
        }
        deadlines.sort_by_key(|d| d.days);
        news.sort_by_key(|n| std::cmp::Reverse(n.step.at));
        Ok(Reminders { days_left: week_days_left(today), due, deadlines, news })
    }

    /// When the cadre last opened 提醒 (0: never).
    pub fn reminders_seen(&self) -> Result<i64> {
        self.read(|c| Ok(setting_in(c, SEEN_SETTING)?.and_then(|v| v.parse().ok()).unwrap_or(0)))
    }

    /// The cadre opened 提醒 at `at`.
    pub fn mark_reminders_seen(&self, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| set_setting_in(tx, SEEN_SETTING, &at.timestamp_millis().to_string()))
    }

    /// Whether this morning's notification is still to be shown on `today` (and notes it
    /// shown): once a day.
    pub fn take_morning_notification(&self, today: NaiveDate) -> Result<bool> {
        self.write(|tx| {
            let day = today.to_string();
            if setting_in(tx, NOTIFIED_SETTING)?.as_deref() == Some(day.as_str()) {
                return Ok(false);
            }
            set_setting_in(tx, NOTIFIED_SETTING, &day)?;
            Ok(true)
        })
    }
}
