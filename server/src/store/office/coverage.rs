//! Visits as coverage: this week's per cadre and village, calls, the households longest without
//! a visit, and the household-weeks the evaluation counts. A household-week is visited when an
//! in-person visit was made in it (`household_weeks`, noted as visits are stored).

use std::collections::BTreeMap;
use std::ops::Range;

use minqing_shared::calendar::VisitWeek;
use minqing_shared::ids::{CadreId, UnitId, VillageId};
use minqing_shared::scope::Scope;

use super::households::HouseholdRow;
use super::{
    COUNTS_FOR, HOUSEHOLDS, active_statuses, household_at, in_scope, other_modes, weekly_modes,
};
use crate::store::{StoreResult, Tx};

/// Active households and how many of them were visited, for one cadre (or none) in one village.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageRow {
    /// The linked cadre.
    pub cadre: Option<CadreId>,
    /// The village.
    pub village: VillageId,
    /// Active households.
    pub active: usize,
    /// Of which visited in person in the week.
    pub visited: usize,
}

/// A household long without an in-person visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueRow {
    /// The household.
    pub row: HouseholdRow,
    /// Its latest in-person visit (ms), if any.
    pub last_ms: Option<i64>,
}

/// Counts for one (unit, cadre) pair: what the evaluation adds up per unit and per cadre.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreRow {
    /// The unit the households' work counts for.
    pub unit: UnitId,
    /// Their linked cadre.
    pub cadre: Option<CadreId>,
    /// How many.
    pub count: usize,
}

fn score_rows(rows: Vec<crate::store::sql::Row>) -> StoreResult<Vec<ScoreRow>> {
    rows.iter()
        .map(|r| {
            Ok(ScoreRow { unit: r.parse(0)?, cadre: r.opt_parse(1)?, count: r.int(2)? as usize })
        })
        .collect()
}

impl Tx<'_> {
    /// `scope`'s active households per linked cadre and village, and how many were visited in
    /// person in `week`.
    pub fn week_coverage(
        &mut self,
        scope: Scope,
        week: VisitWeek,
    ) -> StoreResult<Vec<CoverageRow>> {
        let (scoped, who) = in_scope(scope, 1);
        let sql = format!(
            "SELECT h.cadre_id, h.village_id, COUNT(*), COUNT(w.household_id)
             FROM {HOUSEHOLDS}
             LEFT JOIN household_weeks w ON w.household_id = h.id AND w.week = $2
             WHERE {scoped} AND h.status IN ({})
             GROUP BY h.cadre_id, h.village_id",
            active_statuses()
        );
        self.query(&sql, &[who, week.key().into()])?
            .iter()
            .map(|r| {
                Ok(CoverageRow {
                    cadre: r.opt_parse(0)?,
                    village: r.parse(1)?,
                    active: r.int(2)? as usize,
                    visited: r.int(3)? as usize,
                })
            })
            .collect()
    }

    /// Contacts that are not the weekly visit (a household's call) with `scope`'s households
    /// within `range` (ms), per cadre recorded.
    pub fn calls_by_cadre(
        &mut self,
        scope: Scope,
        range: Range<i64>,
    ) -> StoreResult<BTreeMap<CadreId, usize>> {
        let (scoped, who) = in_scope(scope, 1);
        // Calls are few: found by kind and time, then kept if their household is in scope.
        let sql = format!(
            "SELECT x.cadre_id, COUNT(*) FROM visits x
             WHERE x.mode IN ({}) AND x.visited_ms >= $2 AND x.visited_ms < $3
               AND x.household_id IN (SELECT h.id FROM {HOUSEHOLDS} WHERE {scoped})
             GROUP BY x.cadre_id",
            other_modes()
        );
        self.query(&sql, &[who, range.start.into(), range.end.into()])?
            .iter()
            .map(|r| Ok((r.parse(0)?, r.int(1)? as usize)))
            .collect()
    }

    /// `scope`'s active households with no in-person visit in `since` or after (or none ever),
    /// never visited first, then the longest ago: at most `limit`, and how many in all.
    pub fn overdue_households(
        &mut self,
        scope: Scope,
        since: VisitWeek,
        limit: usize,
    ) -> StoreResult<(Vec<OverdueRow>, usize)> {
        let (scoped, who) = in_scope(scope, 1);
        // Kept by the household's visited weeks; the latest visit's time is read for the
        // households listed only.
        let kept = format!(
            "{scoped} AND h.status IN ({}) AND NOT EXISTS (
               SELECT 1 FROM household_weeks w WHERE w.household_id = h.id AND w.week >= $2)",
            active_statuses()
        );
        let last = format!(
            "(SELECT MAX(x.visited_ms) FROM visits x
              WHERE x.household_id = h.id AND x.mode IN ({}))",
            weekly_modes()
        );
        // The rows listed, each with how many are kept in all (counted before the limit).
        let rows = self.query(
            &format!(
                "SELECT h.state, v.name, t.name, c.name, {last} AS last, COUNT(*) OVER ()
                 FROM {HOUSEHOLDS}
                 WHERE {kept} ORDER BY COALESCE({last}, 0), h.head_name, h.id LIMIT $3"
            ),
            &[who, since.key().into(), (limit as u64).into()],
        )?;
        let total = match rows.first() {
            Some(r) => r.int(5)? as usize,
            None => 0,
        };
        let rows = rows
            .iter()
            .map(|r| {
                Ok(OverdueRow {
                    row: HouseholdRow {
                        household: household_at(r, 0)?,
                        village: r.text(1)?,
                        township: r.text(2)?,
                        cadre: r.opt_text(3)?,
                    },
                    last_ms: r.opt_int(4)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok((rows, total))
    }

    /// `scope`'s active households per (unit, cadre).
    pub fn active_households(&mut self, scope: Scope) -> StoreResult<Vec<ScoreRow>> {
        let (scoped, who) = in_scope(scope, 1);
        let sql = format!(
            "SELECT {COUNTS_FOR}, h.cadre_id, COUNT(*) FROM {HOUSEHOLDS}
             WHERE {scoped} AND h.status IN ({}) GROUP BY {COUNTS_FOR}, h.cadre_id",
            active_statuses()
        );
        score_rows(self.query(&sql, &[who])?)
    }

    /// The visits to `scope`'s active households within `range` (ms) marked 位置存疑, per
    /// (unit, cadre).
    pub fn place_doubted(
        &mut self,
        scope: Scope,
        range: std::ops::Range<i64>,
    ) -> StoreResult<Vec<ScoreRow>> {
        let (scoped, who) = in_scope(scope, 1);
        let sql = format!(
            "SELECT {COUNTS_FOR}, h.cadre_id,
                    CAST(SUM((SELECT COUNT(*) FROM visits v
                              WHERE v.household_id = h.id AND v.place_doubt
                                AND v.visited_ms >= $2 AND v.visited_ms < $3))
                         AS BIGINT)
             FROM {HOUSEHOLDS}
             WHERE {scoped} AND h.status IN ({})
             GROUP BY {COUNTS_FOR}, h.cadre_id",
            active_statuses()
        );
        score_rows(self.query(&sql, &[who, range.start.into(), range.end.into()])?)
    }

    /// The household-weeks of `weeks` (first to last, inclusive) in which `scope`'s active
    /// households were visited in person, per (unit, cadre).
    pub fn visited_weeks(
        &mut self,
        scope: Scope,
        weeks: (VisitWeek, VisitWeek),
    ) -> StoreResult<Vec<ScoreRow>> {
        let (scoped, who) = in_scope(scope, 1);
        // Counted per household through its weeks' key (household, week), then added up: a
        // join of the period's household-weeks would group a row per week (300,000 a county-year).
        let sql = format!(
            "SELECT {COUNTS_FOR}, h.cadre_id,
                    CAST(SUM((SELECT COUNT(*) FROM household_weeks w
                              WHERE w.household_id = h.id AND w.week >= $2 AND w.week <= $3))
                         AS BIGINT)
             FROM {HOUSEHOLDS}
             WHERE {scoped} AND h.status IN ({})
             GROUP BY {COUNTS_FOR}, h.cadre_id",
            active_statuses()
        );
        score_rows(self.query(&sql, &[who, weeks.0.key().into(), weeks.1.key().into()])?)
    }
}
