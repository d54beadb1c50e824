//! The 提醒 tab's reminders, computed from what the phone holds (offline): the households still
//! due this week, the cadre's concerns whose deadline is near or passed, and what the office did
//! on them since the cadre last looked.

use chrono::NaiveDate;
use minqing_shared::concern::Step;
use minqing_shared::reminders::{deadline_reminder, is_office_news, week_days_left};
use minqing_shared::sync::merge::ConcernEvent;

use super::queries::{ConcernView, HouseholdSummary};
use super::{Result, Store, set_setting_in, setting_in};

/// Where the last concern event the cadre saw on 提醒 is kept: events are numbered (their
/// rowid) as they reach the phone, so a step the office dated days ago but the phone pulled
/// only now is news all the same.
const SEEN_SETTING: &str = "reminders_seen_event";
/// Where an older app kept the time the cadre last opened 提醒 (read once, on upgrade).
const SEEN_MS_SETTING: &str = "reminders_seen_ms";
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
    /// The reminders on `today`; the office's news that reached the phone after `seen` (from
    /// [`Store::reminders_seen`]).
    pub fn reminders(&self, today: NaiveDate, seen: i64) -> Result<Reminders> {
        let due: Vec<HouseholdSummary> = self
            .week(today)?
            .households
            .into_iter()
            .filter(|h| h.due && h.household.is_active())
            .collect();
        let concerns = self.concerns()?;
        let mut deadlines: Vec<DeadlineReminder> = concerns
            .iter()
            .filter_map(|c| {
                let days = deadline_reminder(&c.state, today)?;
                Some(DeadlineReminder { concern: c.clone(), days })
            })
            .collect();
        deadlines.sort_by_key(|d| d.days);
        let arrived = self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT rowid, event FROM concern_events WHERE rowid > ?1")?;
            let rows =
                stmt.query_map([seen], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            rows.map(|r| {
                let (n, event) = r?;
                Ok((n, serde_json::from_str::<ConcernEvent>(&event)?))
            })
            .collect::<Result<Vec<_>>>()
        })?;
        let mut news: Vec<(i64, OfficeNews)> = arrived
            .into_iter()
            .filter(|(_, e)| is_office_news(&e.step.action))
            .filter_map(|(n, e)| {
                // Only steps that stand on a concern the phone shows.
                let concern = concerns.iter().find(|c| c.state.history_ops.contains(&e.op_id))?;
                Some((n, OfficeNews { concern: concern.clone(), step: e.step }))
            })
            .collect();
        news.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        let news = news.into_iter().map(|(_, n)| n).collect();
        Ok(Reminders { days_left: week_days_left(today), due, deadlines, news })
    }

    /// The last concern event the cadre saw on 提醒 (0: none). On a phone upgraded from an app
    /// that kept the time instead, the events dated up to that time count as seen.
    pub fn reminders_seen(&self) -> Result<i64> {
        self.read(|c| {
            if let Some(n) = setting_in(c, SEEN_SETTING)?.and_then(|v| v.parse().ok()) {
                return Ok(n);
            }
            let Some(ms) = setting_in(c, SEEN_MS_SETTING)?.and_then(|v| v.parse::<i64>().ok())
            else {
                return Ok(0);
            };
            let mut stmt = c.prepare_cached("SELECT rowid, event FROM concern_events")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut seen = 0;
            for row in rows {
                let (n, event) = row?;
                let event: ConcernEvent = serde_json::from_str(&event)?;
                if event.step.at.timestamp_millis() <= ms {
                    seen = seen.max(n);
                }
            }
            Ok(seen)
        })
    }

    /// The cadre opened 提醒: everything that reached the phone so far is seen.
    pub fn mark_reminders_seen(&self) -> Result<()> {
        self.write(|tx| {
            let last: i64 =
                tx.query_row("SELECT COALESCE(MAX(rowid), 0) FROM concern_events", [], |r| {
                    r.get(0)
                })?;
            set_setting_in(tx, SEEN_SETTING, &last.to_string())
        })
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
