//! The figures the monthly report, its exports and the county's summary are drafted from:
//! visits, concerns by category and disposition, special reports, per cadre. Pure functions over
//! the store's rows for the month, so the page and the spreadsheet can never disagree.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use minqing_shared::calendar::{YearMonth, china_date};
use minqing_shared::concern::{Category, ConcernStatus};
use minqing_shared::ids::{ConcernId, UnitId};
use minqing_shared::org::Cadre;

use crate::store::{ConcernFacts, ConcernRow, MonthRows};

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
    /// Active households linked.
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

/// A unit's month.
#[derive(Clone, Debug)]
pub struct MonthFigures {
    /// The month.
    pub month: YearMonth,
    /// Active households.
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

/// What a month's figures are computed from, for one unit or for several at once.
#[derive(Debug)]
pub struct MonthInput<'a> {
    /// The month.
    pub month: YearMonth,
    /// Today, for statuses as shown.
    pub today: NaiveDate,
    /// Households, visits and contacts.
    pub rows: &'a MonthRows,
    /// Concerns raised in the month.
    pub raised: &'a [ConcernFacts],
    /// Concerns finished in the month.
    pub done: &'a [ConcernFacts],
    /// Concerns overdue now.
    pub overdue: &'a [ConcernFacts],
    /// The month's special reports, with their households and raisers.
    pub special: &'a [(UnitId, ConcernRow)],
    /// The field cadres.
    pub cadres: &'a [Cadre],
}

/// The month's figures of `unit`.
pub fn month_figures(input: &MonthInput<'_>, unit: UnitId) -> MonthFigures {
    let ours = |u: UnitId| u == unit;
    let sum = |rows: &[crate::store::ScoreRow]| {
        rows.iter().filter(|r| ours(r.unit)).map(|r| r.count).sum::<usize>()
    };
    let contacts = |in_person: bool| {
        input
            .rows
            .contacts
            .iter()
            .filter(|c| ours(c.unit) && c.in_person == in_person)
            .map(|c| c.count)
            .sum::<usize>()
    };
    let mut table: BTreeMap<Category, Counts> =
        Category::ALL.iter().map(|k| (*k, [0; 8])).collect();
    let raised: Vec<&ConcernFacts> = input.raised.iter().filter(|c| ours(c.unit)).collect();
    for c in &raised {
        let Some(k) = c.category else { continue };
        let row = table.entry(k).or_insert([0; 8]);
        row[0] += 1;
        row[column(c.status)] += 1;
    }
    let mut total = [0; 8];
    for row in table.values() {
        for (t, n) in total.iter_mut().zip(row) {
            *t += n;
        }
    }
    let mut special: Vec<SpecialRow> = input
        .special
        .iter()
        .filter(|(u, _)| ours(*u))
        .filter_map(|(_, r)| {
            let c = &r.concern;
            Some(SpecialRow {
                id: c.id,
                date: china_date(c.escalated_at()?),
                village: r.village.clone(),
                head: r.head.clone(),
                cadre: r.raised_by.clone().unwrap_or_else(|| "—".into()),
                title: c.report.as_ref().map(|r| r.title.clone()).unwrap_or_default(),
                households: c.report.as_ref().and_then(|r| r.households_affected),
                status: c.effective_status(input.today)?,
            })
        })
        .collect();
    special.sort_by(|a, b| (a.date, &a.village).cmp(&(b.date, &b.village)));
    let cadres = input
        .cadres
        .iter()
        .filter(|c| ours(c.unit_id))
        .map(|c| {
            let mine = |rows: &[crate::store::ScoreRow]| {
                let of_cadre = |r: &&crate::store::ScoreRow| ours(r.unit) && r.cadre == Some(c.id);
                rows.iter().filter(of_cadre).map(|r| r.count).sum::<usize>()
            };
            let made = |in_person: bool| {
                input
                    .rows
                    .contacts
                    .iter()
                    .filter(|x| ours(x.unit) && x.cadre == c.id && x.in_person == in_person)
                    .map(|x| x.count)
                    .sum::<usize>()
            };
            CadreMonth {
                name: c.name.clone(),
                households: mine(&input.rows.active),
                visited: mine(&input.rows.visited),
                in_person: made(true),
                calls: made(false),
                concerns: raised.iter().filter(|r| r.cadre == Some(c.id)).count(),
            }
        })
        .collect();
    MonthFigures {
        month: input.month,
        households: sum(&input.rows.active),
        visited: sum(&input.rows.visited),
        in_person: contacts(true),
        calls: contacts(false),
        by_category: table.into_iter().collect(),
        total,
        done_in_month: input.done.iter().filter(|c| ours(c.unit)).count(),
        overdue_now: input.overdue.iter().filter(|c| ours(c.unit)).count(),
        special,
        cadres,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ContactRow, ScoreRow};
    use minqing_shared::ids::CadreId;
    use minqing_shared::org::Role;

    #[test]
    fn a_unit_s_month_counts_only_its_own_rows() {
        let (mine, other) = (UnitId::new(), UnitId::new());
        let cadre = Cadre {
            id: CadreId::new(),
            username: "wang".into(),
            name: "王建国".into(),
            unit_id: mine,
            role: Role::Ordinary,
            phone: String::new(),
            title: String::new(),
            villages: vec![],
        };
        let score = |unit, count| ScoreRow { unit, cadre: Some(cadre.id), count };
        let rows = MonthRows {
            active: vec![score(mine, 10), score(other, 7)],
            visited: vec![score(mine, 8), score(other, 1)],
            contacts: vec![
                ContactRow { unit: mine, cadre: cadre.id, in_person: true, count: 12 },
                ContactRow { unit: mine, cadre: cadre.id, in_person: false, count: 2 },
                ContactRow { unit: other, cadre: cadre.id, in_person: true, count: 5 },
            ],
        };
        let fact = |unit, status| ConcernFacts {
            id: ConcernId::new(),
            unit,
            cadre: Some(cadre.id),
            category: Some(Category::Roads),
            status,
            deadline: None,
            raised_ms: Some(0),
            done_ms: None,
        };
        let raised = [fact(mine, ConcernStatus::Explained), fact(other, ConcernStatus::Raised)];
        let input = MonthInput {
            month: "2026-11".parse().unwrap(),
            today: "2026-11-25".parse().unwrap(),
            rows: &rows,
            raised: &raised,
            done: &[],
            overdue: &[fact(mine, ConcernStatus::Overdue)],
            special: &[],
            cadres: std::slice::from_ref(&cadre),
        };
        let f = month_figures(&input, mine);
        assert_eq!((f.households, f.visited, f.in_person, f.calls), (10, 8, 12, 2));
        assert_eq!(f.total, [1, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(f.overdue_now, 1);
        assert_eq!(f.cadres[0].households, 10);
        assert_eq!((f.cadres[0].in_person, f.cadres[0].concerns), (12, 1));
    }
}
