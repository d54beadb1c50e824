//! The evaluation's figures 考核: per unit and per cadre over a quarter, half-year or year —
//! visit coverage (household-weeks visited in person / due), concerns resolved on time, overdue
//! counts. Pure functions over what [`Scoped`] loaded.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate};
use minqing_shared::calendar::{Period, VisitWeek, china_date};
use minqing_shared::concern::ConcernStatus;
use minqing_shared::ids::{CadreId, HouseholdId, UnitId};
use minqing_shared::sync::merge::ConcernState;

use super::scope::Scoped;
use crate::store::VisitFact;

/// One unit's or cadre's period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Score {
    /// Confirmed or filed households.
    pub households: usize,
    /// Household-weeks due (households × weeks of the period so far).
    pub due: usize,
    /// Household-weeks with an in-person visit.
    pub visited: usize,
    /// Concerns raised in the period.
    pub raised: usize,
    /// Of which closed on time: on the spot, explained, or done by the deadline.
    pub on_time: usize,
    /// Of which done after the deadline.
    pub late: usize,
    /// Of which overdue now.
    pub overdue: usize,
}

impl Score {
    /// Visit coverage, 0..=1.
    pub fn coverage(&self) -> f64 {
        if self.due == 0 { 0.0 } else { self.visited as f64 / self.due as f64 }
    }

    /// Share of decided concerns closed on time, 0..=1.
    pub fn on_time_rate(&self) -> f64 {
        let decided = self.on_time + self.late + self.overdue;
        if decided == 0 { 0.0 } else { self.on_time as f64 / decided as f64 }
    }
}

/// The ISO weeks of `period` up to today's week: the weeks a household was due a visit.
pub fn due_weeks(period: Period, today: NaiveDate) -> Vec<VisitWeek> {
    let last = VisitWeek::of(period.last_day().min(today));
    let mut week = VisitWeek::of(period.first_day());
    let mut weeks = Vec::new();
    while week <= last && period.first_day() <= today {
        weeks.push(week);
        week = week.next();
    }
    weeks
}

/// Whether a closed concern was closed on time; `None` while it is still open (not overdue).
fn timeliness(c: &ConcernState, today: NaiveDate) -> Option<bool> {
    match c.effective_status(today)? {
        ConcernStatus::ResolvedOnSpot | ConcernStatus::Explained => Some(true),
        ConcernStatus::Done => {
            let done = c.done_at.map(china_date);
            Some(match (&c.decision, done) {
                (Some(d), Some(done)) => done <= d.deadline,
                _ => true,
            })
        }
        ConcernStatus::Overdue => Some(false),
        _ => None,
    }
}

/// Scores per unit and per cadre over `period`.
pub fn scores(
    s: &Scoped,
    concerns: &[ConcernState],
    visits: &[VisitFact],
    period: Period,
) -> (BTreeMap<UnitId, Score>, BTreeMap<CadreId, Score>) {
    let weeks = due_weeks(period, s.today).len();
    let mut units: BTreeMap<UnitId, Score> = BTreeMap::new();
    let mut cadres: BTreeMap<CadreId, Score> = BTreeMap::new();
    let mut home: HashMap<HouseholdId, (Option<UnitId>, Option<CadreId>)> = HashMap::new();
    for h in s.households.iter().filter(|h| h.status.is_confirmed()) {
        let unit = s.unit_of(h);
        home.insert(h.id, (unit, h.cadre_id));
        for score in unit
            .map(|u| units.entry(u).or_default())
            .into_iter()
            .chain(h.cadre_id.map(|c| cadres.entry(c).or_default()))
        {
            score.households += 1;
            score.due += weeks;
        }
    }
    let pairs: HashSet<(HouseholdId, VisitWeek)> = visits
        .iter()
        .filter(|v| v.in_person)
        .filter_map(|v| {
            let day = china_date(DateTime::from_timestamp_millis(v.visited_ms)?);
            (period.contains(day) && day <= s.today).then(|| (v.household_id, VisitWeek::of(day)))
        })
        .collect();
    for (h, _) in pairs {
        let Some((unit, cadre)) = home.get(&h) else { continue };
        if let Some(u) = unit {
            units.entry(*u).or_default().visited += 1;
        }
        if let Some(c) = cadre {
            cadres.entry(*c).or_default().visited += 1;
        }
    }
    for c in concerns.iter().filter(|c| c.raised_at.is_some_and(|t| period.contains(china_date(t))))
    {
        let Some(h) = c.household_id.and_then(|h| s.household(h)) else { continue };
        let unit = s.unit_of(h);
        let cadre = c.raised_by.or(h.cadre_id);
        let timely = timeliness(c, s.today);
        let late_done = c.status == Some(ConcernStatus::Done) && timely == Some(false);
        for score in unit
            .map(|u| units.entry(u).or_default())
            .into_iter()
            .chain(cadre.map(|c| cadres.entry(c).or_default()))
        {
            score.raised += 1;
            match timely {
                Some(true) => score.on_time += 1,
                Some(false) if late_done => score.late += 1,
                Some(false) => score.overdue += 1,
                None => {}
            }
        }
    }
    (units, cadres)
}
