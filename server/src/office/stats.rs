//! The figures the monthly report, its exports and the evaluations are drafted from: visits,
//! concerns by category and disposition, special reports, per cadre. Pure functions over what
//! [`Scoped`] loaded, so the page and the spreadsheet can never disagree.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone};
use minqing_shared::calendar::{YearMonth, china, china_date};
use minqing_shared::concern::{Category, ConcernAction, ConcernStatus};
use minqing_shared::ids::{CadreId, ConcernId, HouseholdId, UnitId};
use minqing_shared::sync::merge::ConcernState;

use super::scope::Scoped;
use crate::store::VisitFact;

/// Milliseconds at China midnight starting `d`.
pub fn day_start_ms(d: NaiveDate) -> i64 {
    let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
    china().from_local_datetime(&midnight).single().map_or(0, |t| t.timestamp_millis())
}

/// The disposition columns of the category table.
pub const COLUMNS: [&str; 8] =
    ["反映", "马上解决", "解释答复", "已上报", "已交办", "办结", "逾期", "待处理"];

/// One row of the category table: raised, then each disposition (see [`COLUMNS`]).
pub type Counts = [usize; 8];

fn column(status: ConcernStatus) -> usize {
    match status {
        ConcernStatus::ResolvedOnSpot => 1,
        ConcernStatus::Explained => 2,
        ConcernStatus::Escalated => 3,
        ConcernStatus::Assigned => 4,
        ConcernStatus::Done => 5,
        ConcernStatus::Overdue => 6,
        ConcernStatus::Raised => 7,
    }
}

/// A special report 民情专题报告 of the month.
#[derive(Clone, Debug)]
pub struct SpecialRow {
    /// The concern.
    pub id: ConcernId,
    /// When it was escalated.
    pub date: NaiveDate,
    /// Village.
    pub village: String,
    /// Head of household.
    pub head: String,
    /// The cadre who wrote it.
    pub cadre: String,
    /// Its title.
    pub title: String,
    /// Households affected.
    pub households: Option<u32>,
    /// Where it stands now.
    pub status: ConcernStatus,
}

/// One cadre's month.
#[derive(Clone, Debug)]
pub struct CadreMonth {
    /// The cadre's name.
    pub name: String,
    /// Households linked (confirmed or filed).
    pub households: usize,
    /// Of which visited in person in the month.
    pub visited: usize,
    /// In-person visits.
    pub in_person: usize,
    /// Calls from households.
    pub calls: usize,
    /// Concerns raised.
    pub concerns: usize,
}

/// A unit's (or the county's) month.
#[derive(Clone, Debug)]
pub struct MonthFigures {
    /// The month.
    pub month: YearMonth,
    /// Confirmed or filed households.
    pub households: usize,
    /// Of which visited in person in the month.
    pub visited: usize,
    /// In-person visits.
    pub in_person: usize,
    /// Calls from households.
    pub calls: usize,
    /// Concerns raised in the month, per category (all twelve, in order).
    pub by_category: Vec<(Category, Counts)>,
    /// The column sums.
    pub total: Counts,
    /// Concerns finished 办结 in the month (whenever raised).
    pub done_in_month: usize,
    /// Concerns overdue now (whenever raised).
    pub overdue_now: usize,
    /// The month's special reports.
    pub special: Vec<SpecialRow>,
    /// Per cadre, by name.
    pub cadres: Vec<CadreMonth>,
}

/// Whether a household counts for `unit` (`None`: every household in scope).
fn of_unit(s: &Scoped, unit: Option<UnitId>) -> BTreeSet<HouseholdId> {
    s.households.iter().filter(|h| unit.is_none() || s.unit_of(h) == unit).map(|h| h.id).collect()
}

/// When a concern was escalated (China date), if it was.
pub fn escalated_on(c: &ConcernState) -> Option<NaiveDate> {
    c.history
        .iter()
        .rev()
        .find(|s| matches!(s.action, ConcernAction::Escalate { .. }))
        .map(|s| china_date(s.at))
}

/// The month's figures for `unit`'s households (or all in scope). `visits` may hold more than
/// the month; only the month's are counted.
pub fn month_figures(
    s: &Scoped,
    concerns: &[ConcernState],
    visits: &[VisitFact],
    month: YearMonth,
    unit: Option<UnitId>,
) -> MonthFigures {
    let homes = of_unit(s, unit);
    let (from, to) = (day_start_ms(month.first_day()), day_start_ms(month.next().first_day()));
    let month_visits: Vec<&VisitFact> = visits
        .iter()
        .filter(|v| homes.contains(&v.household_id) && (from..to).contains(&v.visited_ms))
        .collect();
    let visited: BTreeSet<HouseholdId> =
        month_visits.iter().filter(|v| v.in_person).map(|v| v.household_id).collect();
    let active: Vec<_> =
        s.households.iter().filter(|h| homes.contains(&h.id) && h.status.is_confirmed()).collect();
    let ours: Vec<&ConcernState> =
        concerns.iter().filter(|c| c.household_id.is_some_and(|h| homes.contains(&h))).collect();
    let mut table: BTreeMap<Category, Counts> =
        Category::ALL.iter().map(|k| (*k, [0; 8])).collect();
    let mut raised_by: BTreeMap<CadreId, usize> = BTreeMap::new();
    for c in ours.iter().filter(|c| c.raised_at.is_some_and(|t| month.contains(china_date(t)))) {
        let (Some(k), Some(st)) = (c.category, c.effective_status(s.today)) else { continue };
        let row = table.entry(k).or_insert([0; 8]);
        row[0] += 1;
        row[column(st)] += 1;
        if let Some(by) = c.raised_by {
            *raised_by.entry(by).or_default() += 1;
        }
    }
    let mut total = [0; 8];
    for row in table.values() {
        for (t, n) in total.iter_mut().zip(row) {
            *t += n;
        }
    }
    let mut special: Vec<SpecialRow> = ours
        .iter()
        .filter_map(|c| {
            let date = escalated_on(c).filter(|d| month.contains(*d))?;
            let h = c.household_id.and_then(|h| s.household(h));
            Some(SpecialRow {
                id: c.id,
                date,
                village: h.map_or("—", |h| s.village_name(h.village_id)).to_owned(),
                head: h.map(|h| h.head_name.clone()).unwrap_or_default(),
                cadre: s.cadre_name(c.raised_by).to_owned(),
                title: c.report.as_ref().map(|r| r.title.clone()).unwrap_or_default(),
                households: c.report.as_ref().and_then(|r| r.households_affected),
                status: c.effective_status(s.today)?,
            })
        })
        .collect();
    special.sort_by(|a, b| (a.date, &a.village).cmp(&(b.date, &b.village)));
    let cadres = s
        .field
        .iter()
        .filter(|c| unit.is_none_or(|u| c.unit_id == u))
        .map(|c| {
            let mine: BTreeSet<HouseholdId> =
                active.iter().filter(|h| h.cadre_id == Some(c.id)).map(|h| h.id).collect();
            let own = month_visits.iter().filter(|v| v.cadre_id == c.id);
            CadreMonth {
                name: c.name.clone(),
                households: mine.len(),
                visited: mine.iter().filter(|h| visited.contains(h)).count(),
                in_person: own.clone().filter(|v| v.in_person).count(),
                calls: own.filter(|v| !v.in_person).count(),
                concerns: raised_by.get(&c.id).copied().unwrap_or(0),
            }
        })
        .collect();
    MonthFigures {
        month,
        households: active.len(),
        visited: active.iter().filter(|h| visited.contains(&h.id)).count(),
        in_person: month_visits.iter().filter(|v| v.in_person).count(),
        calls: month_visits.iter().filter(|v| !v.in_person).count(),
        by_category: table.into_iter().collect(),
        total,
        done_in_month: ours
            .iter()
            .filter(|c| c.done_at.is_some_and(|t| month.contains(china_date(t))))
            .count(),
        overdue_now: ours
            .iter()
            .filter(|c| c.effective_status(s.today) == Some(ConcernStatus::Overdue))
            .count(),
        special,
        cadres,
    }
}
