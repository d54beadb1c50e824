//! The evaluation's figures 考核: per unit and per cadre over a quarter, half-year or year —
//! visit coverage (household-weeks visited in person / due), concerns closed on time, overdue
//! counts. A pure fold over the store's counts, so the page, the notice and the tests agree.

use std::collections::BTreeMap;

use minqing_shared::calendar::china_date_ms;
use minqing_shared::concern::{ConcernStatus, timeliness};
use minqing_shared::ids::{CadreId, UnitId};

use crate::store::{ConcernFacts, ScoreRow};

/// One unit's or cadre's period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Score {
    /// Active households.
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
    /// Visits of the period marked 位置存疑 (`shared::place`).
    pub place_doubt: usize,
}

impl Score {
    /// Visit coverage, 0..=1, if anything was due.
    pub fn coverage(&self) -> Option<f64> {
        (self.due > 0).then(|| self.visited as f64 / self.due as f64)
    }

    /// Share of decided concerns closed on time, 0..=1, if any was decided.
    pub fn on_time_rate(&self) -> Option<f64> {
        let decided = self.on_time + self.late + self.overdue;
        (decided > 0).then(|| self.on_time as f64 / decided as f64)
    }

    /// Adds `other` to this.
    pub fn add(&mut self, other: &Score) {
        self.households += other.households;
        self.due += other.due;
        self.visited += other.visited;
        self.raised += other.raised;
        self.on_time += other.on_time;
        self.late += other.late;
        self.overdue += other.overdue;
        self.place_doubt += other.place_doubt;
    }
}

/// Per unit and per cadre.
pub type Scores = (BTreeMap<UnitId, Score>, BTreeMap<CadreId, Score>);

/// Scores from the period's counts: active `households`, their `visited` household-weeks and
/// their visits `doubted` (位置存疑) per (unit, cadre), the `concerns` raised in the period, over
/// `weeks` weeks due so far.
pub fn scores(
    households: &[ScoreRow],
    visited: &[ScoreRow],
    doubted: &[ScoreRow],
    concerns: &[ConcernFacts],
    weeks: usize,
) -> Scores {
    let (mut units, mut cadres): Scores = Default::default();
    let mut each = |unit: UnitId, cadre: Option<CadreId>, f: &dyn Fn(&mut Score)| {
        f(units.entry(unit).or_default());
        if let Some(c) = cadre {
            f(cadres.entry(c).or_default());
        }
    };
    for r in households {
        each(r.unit, r.cadre, &|s| {
            s.households += r.count;
            s.due += r.count * weeks;
        });
    }
    for r in visited {
        each(r.unit, r.cadre, &|s| s.visited += r.count);
    }
    for r in doubted {
        each(r.unit, r.cadre, &|s| s.place_doubt += r.count);
    }
    for c in concerns {
        let done_on = c.done_ms.and_then(china_date_ms);
        let timely = timeliness(c.status, c.deadline, done_on);
        let late_done = c.status == ConcernStatus::Done && timely == Some(false);
        each(c.unit, c.cadre, &|s| {
            s.raised += 1;
            match timely {
                Some(true) => s.on_time += 1,
                Some(false) if late_done => s.late += 1,
                Some(false) => s.overdue += 1,
                None => {}
            }
        });
    }
    (units, cadres)
}

#[cfg(test)]
mod tests {
    use super::*;
    use minqing_shared::ids::ConcernId;

    #[test]
    fn coverage_and_timeliness_add_up_per_unit_and_cadre() {
        let (u, c) = (UnitId::new(), CadreId::new());
        let day = |s: &str| s.parse().unwrap();
        let fact = |status, deadline: Option<&str>, done: Option<i64>| ConcernFacts {
            id: ConcernId::new(),
            unit: u,
            cadre: Some(c),
            category: None,
            status,
            deadline: deadline.map(day),
            raised_ms: Some(0),
            done_ms: done,
        };
        // Done on 2026-11-20 (China): before a deadline of the 25th, after one of the 10th.
        let done_20th = minqing_shared::calendar::china_midnight_ms(day("2026-11-20")) + 3_600_000;
        let concerns = [
            fact(ConcernStatus::Explained, None, None),
            fact(ConcernStatus::Done, Some("2026-11-25"), Some(done_20th)),
            fact(ConcernStatus::Done, Some("2026-11-10"), Some(done_20th)),
            fact(ConcernStatus::Overdue, Some("2026-11-01"), None),
            fact(ConcernStatus::Raised, None, None),
        ];
        let rows = [ScoreRow { unit: u, cadre: Some(c), count: 10 }];
        let visited = [ScoreRow { unit: u, cadre: Some(c), count: 95 }];
        let (units, cadres) = scores(&rows, &visited, &[], &concerns, 12);
        let s = &units[&u];
        assert_eq!((s.households, s.due, s.visited), (10, 120, 95));
        assert_eq!((s.raised, s.on_time, s.late, s.overdue), (5, 2, 1, 1));
        assert_eq!(cadres[&c], *s);
        assert_eq!(Score::default().coverage(), None, "nothing due: no rate, not 0%");
    }
}
