//! The concerns an office sees: a filtered page, one concern, the meeting's and the ledger's
//! lists, counts by status, and the facts the month's and the evaluation's figures count.
//!
//! A concern is in scope when its household is. Its status as shown ("overdue" past the
//! deadline) follows `minqing_shared::concern::effective_status`; [`shown_status`] is its SQL.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use minqing_shared::concern::{Category, ConcernStatus, effective_status};
use minqing_shared::ids::{CadreId, ConcernId, HouseholdId, UnitId, VillageId};
use minqing_shared::scope::{Access, Scope};
use minqing_shared::sync::merge::ConcernState;

use super::{COUNTS_FOR, in_scope};
use crate::store::sql::{Row, Value, args};
use crate::store::{StoreResult, Tx};

/// Concerns with their household (`k`, then [`HOUSEHOLDS`]).
const FROM: &str = "concerns k
    JOIN households h ON h.id = k.household_id
    JOIN villages v ON v.id = h.village_id
    JOIN units t ON t.id = v.township_id
    LEFT JOIN cadres c ON c.id = h.cadre_id";

/// [`FROM`] with the concern's raiser `r`, for rows that name them.
const FROM_NAMED: &str = "concerns k
    JOIN households h ON h.id = k.household_id
    JOIN villages v ON v.id = h.village_id
    JOIN units t ON t.id = v.township_id
    LEFT JOIN cadres c ON c.id = h.cadre_id
    LEFT JOIN cadres r ON r.id = k.raised_by";

/// The status a concern shows on the day in parameter `$n`: the SQL of
/// `minqing_shared::concern::effective_status` (`concerns_show_the_shared_status` tests it).
fn shown_status(n: usize) -> String {
    format!(
        "CASE WHEN k.status = 'assigned' AND k.deadline < ${n} THEN 'overdue' ELSE k.status END"
    )
}

/// The columns of a [`ConcernRow`].
const ROW_COLUMNS: &str = "k.state, h.id, h.head_name, v.id, v.name, r.name, t.name";

/// A concern with its household and who raised it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernRow {
    /// The concern.
    pub concern: ConcernState,
    /// Its household.
    pub household: HouseholdId,
    /// The head of household.
    pub head: String,
    /// The household's village.
    pub village_id: VillageId,
    /// Its name.
    pub village: String,
    /// The name of the cadre who raised it.
    pub raised_by: Option<String>,
    /// The village's township.
    pub township: String,
}

fn row(r: &Row) -> StoreResult<ConcernRow> {
    Ok(ConcernRow {
        concern: r.json(0)?,
        household: r.parse(1)?,
        head: r.text(2)?,
        village_id: r.parse(3)?,
        village: r.text(4)?,
        raised_by: r.opt_text(5)?,
        township: r.text(6)?,
    })
}

/// The concern list's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConcernFilter {
    /// One category.
    pub category: Option<Category>,
    /// One status as shown (overdue included).
    pub status: Option<ConcernStatus>,
    /// Raised at or after this instant (ms).
    pub raised_from_ms: Option<i64>,
    /// Raised before this instant (ms).
    pub raised_before_ms: Option<i64>,
    /// Escalated (its latest special report) at or after this instant (ms).
    pub escalated_from_ms: Option<i64>,
    /// Escalated before this instant (ms).
    pub escalated_before_ms: Option<i64>,
    /// Finished at or after this instant (ms).
    pub done_from_ms: Option<i64>,
    /// Finished before this instant (ms).
    pub done_before_ms: Option<i64>,
    /// Of one village's households.
    pub village: Option<VillageId>,
    /// Counting for one unit.
    pub unit: Option<UnitId>,
    /// Raised by (or linked to) one cadre.
    pub cadre: Option<CadreId>,
    /// Description containing this.
    pub text: String,
}

/// A page of concerns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConcernList {
    /// The page, newest first.
    pub rows: Vec<ConcernRow>,
    /// How many of each category the filters keep.
    pub by_category: BTreeMap<Category, usize>,
    /// How many the filters keep.
    pub total: usize,
}

/// A concern as the month's and the evaluation's figures count it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernFacts {
    /// The concern.
    pub id: ConcernId,
    /// The unit its household's work counts for.
    pub unit: UnitId,
    /// The cadre it counts for: who raised it, else the household's cadre.
    pub cadre: Option<CadreId>,
    /// Its category.
    pub category: Option<Category>,
    /// Its status as shown today.
    pub status: ConcernStatus,
    /// Its decision's deadline.
    pub deadline: Option<NaiveDate>,
    /// When it was raised (ms).
    pub raised_ms: Option<i64>,
    /// When it was finished (ms).
    pub done_ms: Option<i64>,
}

/// The concerns a month's figures count, read in one pass over the scope's concerns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthFacts {
    /// Raised in the month.
    pub raised: Vec<ConcernFacts>,
    /// Finished in the month (whenever raised).
    pub done: Vec<ConcernFacts>,
    /// Overdue today (whenever raised).
    pub overdue: Vec<ConcernFacts>,
    /// Escalated with a special report in the month.
    pub escalated: Vec<ConcernFacts>,
}

/// The columns of [`ConcernFacts`], then the escalation time.
const FACT_COLUMNS: &str =
    "k.id, COALESCE(c.unit_id, v.township_id), COALESCE(k.raised_by, h.cadre_id),
    k.category, k.status, k.deadline, k.raised_ms, k.done_ms, k.escalated_ms";

fn facts(r: &Row, today: NaiveDate) -> StoreResult<ConcernFacts> {
    let deadline = r.opt_text(5)?.map(|d| crate::store::parse(&d)).transpose()?;
    let stored = r.code(4, ConcernStatus::from_code)?;
    Ok(ConcernFacts {
        id: r.parse(0)?,
        unit: r.parse(1)?,
        cadre: r.opt_parse(2)?,
        category: r.opt_text(3)?.as_deref().and_then(Category::from_code),
        status: effective_status(stored, deadline, today),
        deadline,
        raised_ms: r.opt_int(6)?,
        done_ms: r.opt_int(7)?,
    })
}

/// The filter's SQL (statuses as shown on `today`), its parameters numbered after `params`.
fn conditions(filter: &ConcernFilter, today: NaiveDate, params: &mut Vec<Value>) -> String {
    let mut out = Vec::new();
    let mut add = |sql: &dyn Fn(usize) -> String, v: Value, params: &mut Vec<Value>| {
        params.push(v);
        out.push(sql(params.len()));
    };
    if let Some(k) = filter.category {
        add(&|n| format!("k.category = ${n}"), k.code().into(), params);
    }
    if let Some(st) = filter.status {
        params.push(today.to_string().into());
        let day = params.len();
        add(&|n| format!("({}) = ${n}", shown_status(day)), st.code().into(), params);
    }
    if let Some(ms) = filter.raised_from_ms {
        add(&|n| format!("k.raised_ms >= ${n}"), ms.into(), params);
    }
    if let Some(ms) = filter.raised_before_ms {
        add(&|n| format!("k.raised_ms < ${n}"), ms.into(), params);
    }
    if let Some(ms) = filter.escalated_from_ms {
        add(&|n| format!("k.escalated_ms >= ${n}"), ms.into(), params);
    }
    if let Some(ms) = filter.escalated_before_ms {
        add(&|n| format!("k.escalated_ms < ${n}"), ms.into(), params);
    }
    if let Some(ms) = filter.done_from_ms {
        add(&|n| format!("k.done_ms >= ${n}"), ms.into(), params);
    }
    if let Some(ms) = filter.done_before_ms {
        add(&|n| format!("k.done_ms < ${n}"), ms.into(), params);
    }
    if let Some(v) = filter.village {
        add(&|n| format!("h.village_id = ${n}"), v.into(), params);
    }
    if let Some(u) = filter.unit {
        add(&|n| format!("{COUNTS_FOR} = ${n}"), u.into(), params);
    }
    if let Some(c) = filter.cadre {
        add(&|n| format!("COALESCE(k.raised_by, h.cadre_id) = ${n}"), c.into(), params);
    }
    let text = filter.text.trim();
    if !text.is_empty() {
        let pattern = format!("%{}%", text.replace(['%', '_', '\\'], ""));
        add(&|n| format!("k.state LIKE ${n}"), pattern.into(), params);
    }
    if out.is_empty() { "TRUE".to_owned() } else { out.join(" AND ") }
}

impl Tx<'_> {
    /// Concern rows of `scope` (its parameter `$1`) meeting `condition` (parameters from `$2`).
    fn concern_rows(
        &mut self,
        scope: Scope,
        condition: &str,
        extra: &[Value],
        tail: &str,
    ) -> StoreResult<Vec<ConcernRow>> {
        let (scoped, who) = in_scope(scope, 1);
        let mut params = vec![who];
        params.extend_from_slice(extra);
        let sql =
            format!("SELECT {ROW_COLUMNS} FROM {FROM_NAMED} WHERE {scoped} AND {condition} {tail}");
        self.query(&sql, &params)?.iter().map(row).collect()
    }

    /// The concerns of `scope` that `filter` keeps (statuses as shown on `today`), newest
    /// first: `limit` of them from `offset`, with counts per category and in all.
    pub fn concerns_page(
        &mut self,
        scope: Scope,
        filter: &ConcernFilter,
        today: NaiveDate,
        offset: usize,
        limit: usize,
    ) -> StoreResult<ConcernList> {
        let (scoped, who) = in_scope(scope, 1);
        let mut params = vec![who];
        let kept = conditions(filter, today, &mut params);
        let counts = self.query(
            &format!(
                "SELECT k.category, COUNT(*) FROM {FROM} WHERE {scoped} AND {kept}
                 GROUP BY k.category"
            ),
            &params,
        )?;
        let mut list = ConcernList::default();
        for r in counts {
            let n = r.int(1)? as usize;
            list.total += n;
            if let Some(k) = r.opt_text(0)?.as_deref().and_then(Category::from_code) {
                list.by_category.insert(k, n);
            }
        }
        let (l, o) = (params.len() + 1, params.len() + 2);
        params.extend(args![limit as u64, offset as u64]);
        // Newest first; PostgreSQL would put concerns with no time first, SQLite last.
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {FROM_NAMED} WHERE {scoped} AND {kept}
             ORDER BY COALESCE(k.raised_ms, 0) DESC, k.id LIMIT ${l} OFFSET ${o}"
        );
        list.rows = self.query(&sql, &params)?.iter().map(row).collect::<StoreResult<_>>()?;
        Ok(list)
    }

    /// One concern `scope` reaches, and how: its household in scope, or (an office) as the
    /// responsible unit it is assigned to (`minqing_shared::scope::concern_access`).
    pub fn concern_row(
        &mut self,
        scope: Scope,
        id: ConcernId,
    ) -> StoreResult<Option<(ConcernRow, Access)>> {
        if let Some(own) = self.concern_rows(scope, "k.id = $2", &[id.into()], "")?.pop() {
            return Ok(Some((own, Access::Own)));
        }
        let Some(unit) = scope.office_unit() else { return Ok(None) };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {FROM_NAMED}
             WHERE k.assigned_unit = $1 AND NOT h.deleted AND k.id = $2"
        );
        let rows = self.query(&sql, &args![unit, id])?;
        Ok(rows.first().map(row).transpose()?.map(|r| (r, Access::Assignee)))
    }

    /// The desk 我的交办 of `unit`: the concerns a joint meeting assigned to it, open ones and
    /// those finished since `done_since` (ms).
    pub fn desk_concerns(&mut self, unit: UnitId, done_since: i64) -> StoreResult<Vec<ConcernRow>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {FROM_NAMED}
             WHERE k.assigned_unit = $1 AND NOT h.deleted
               AND (k.status <> 'done' OR k.done_ms >= $2)"
        );
        self.query(&sql, &args![unit, done_since])?.iter().map(row).collect()
    }

    /// The concerns of `scope` escalated with a special report within `range` (ms), by when.
    pub fn concerns_escalated(
        &mut self,
        scope: Scope,
        range: Range<i64>,
    ) -> StoreResult<Vec<ConcernRow>> {
        self.concern_rows(
            scope,
            "k.escalated_ms >= $2 AND k.escalated_ms < $3",
            &args![range.start, range.end],
            "ORDER BY k.escalated_ms, k.id",
        )
    }

    /// The concerns of `scope` showing `status` on `today`, oldest raised first.
    pub fn concerns_showing(
        &mut self,
        scope: Scope,
        status: ConcernStatus,
        today: NaiveDate,
    ) -> StoreResult<Vec<ConcernRow>> {
        let condition = format!("({}) = $3", shown_status(2));
        let params = args![today.to_string(), status.code()];
        self.concern_rows(scope, &condition, &params, "ORDER BY k.raised_ms, k.id")
    }

    /// The concerns of `scope` on the supervision ledger, by when they were put on it.
    pub fn ledger_concerns(&mut self, scope: Scope) -> StoreResult<Vec<ConcernRow>> {
        self.concern_rows(
            scope,
            "k.on_ledger = $2",
            &args![true],
            "ORDER BY k.ledger_opened_ms, k.id",
        )
    }

    /// Escalated or assigned concerns of `scope` not on the ledger, most households affected
    /// first: candidates for the ledger, at most `limit`.
    pub fn ledger_candidates(
        &mut self,
        scope: Scope,
        limit: usize,
    ) -> StoreResult<Vec<ConcernRow>> {
        self.concern_rows(
            scope,
            "k.on_ledger = $2 AND k.status IN ('escalated', 'assigned')",
            &args![false, limit as u64],
            "ORDER BY COALESCE(k.households_affected, 0) DESC, k.raised_ms, k.id LIMIT $3",
        )
    }

    /// How many concerns of `scope` show each status on `today`, and how many are open on the
    /// ledger.
    pub fn concern_status_counts(
        &mut self,
        scope: Scope,
        today: NaiveDate,
    ) -> StoreResult<(BTreeMap<ConcernStatus, usize>, usize)> {
        let (scoped, who) = in_scope(scope, 2);
        let params = [Value::from(today.to_string()), who];
        let shown = shown_status(1);
        let sql = format!(
            "SELECT {shown}, k.on_ledger, COUNT(*) FROM {FROM} WHERE {scoped}
             GROUP BY {shown}, k.on_ledger"
        );
        let mut counts: BTreeMap<ConcernStatus, usize> = BTreeMap::new();
        let mut ledger = 0;
        for r in self.query(&sql, &params)? {
            let Some(st) = r.opt_text(0)?.as_deref().and_then(ConcernStatus::from_code) else {
                continue;
            };
            let n = r.int(2)? as usize;
            *counts.entry(st).or_default() += n;
            if r.bool(1)? && st != ConcernStatus::Done {
                ledger += n;
            }
        }
        Ok((counts, ledger))
    }

    /// Every concern of a household, newest first.
    pub fn household_concerns(&mut self, id: HouseholdId) -> StoreResult<Vec<ConcernState>> {
        self.query(
            "SELECT state FROM concerns WHERE household_id = $1
             ORDER BY COALESCE(raised_ms, 0) DESC, id",
            &args![id],
        )?
        .iter()
        .map(|r| r.json(0))
        .collect()
    }

    /// The facts of `scope`'s concerns kept by `filter`, for figures (statuses as on `today`).
    pub fn concern_facts(
        &mut self,
        scope: Scope,
        filter: &ConcernFilter,
        today: NaiveDate,
    ) -> StoreResult<Vec<ConcernFacts>> {
        let (scoped, who) = in_scope(scope, 1);
        let mut params = vec![who];
        let kept = conditions(filter, today, &mut params);
        let sql = format!(
            "SELECT {FACT_COLUMNS} FROM {FROM}
             WHERE {scoped} AND {kept} AND k.status IS NOT NULL"
        );
        self.query(&sql, &params)?.iter().map(|r| facts(r, today)).collect()
    }

    /// The concerns of `scope` that the figures of the month `range` (ms) count: raised,
    /// finished or escalated in it, or overdue on `today`.
    pub fn month_facts(
        &mut self,
        scope: Scope,
        range: Range<i64>,
        today: NaiveDate,
    ) -> StoreResult<MonthFacts> {
        let (scoped, who) = in_scope(scope, 1);
        let within = |column: &str| format!("({column} >= $2 AND {column} < $3)");
        let sql = format!(
            "SELECT {FACT_COLUMNS} FROM {FROM}
             WHERE {scoped} AND k.status IS NOT NULL
               AND ({} OR {} OR {} OR ({}) = 'overdue')",
            within("k.raised_ms"),
            within("k.done_ms"),
            within("k.escalated_ms"),
            shown_status(4)
        );
        let params = args![who, range.start, range.end, today.to_string()];
        let mut out = MonthFacts::default();
        let during = |ms: Option<i64>| ms.is_some_and(|ms| range.contains(&ms));
        for r in self.query(&sql, &params)? {
            let f = facts(&r, today)?;
            let escalated = r.opt_int(8)?;
            if during(f.raised_ms) {
                out.raised.push(f.clone());
            }
            if during(f.done_ms) {
                out.done.push(f.clone());
            }
            if f.status == ConcernStatus::Overdue {
                out.overdue.push(f.clone());
            }
            if during(escalated) {
                out.escalated.push(f);
            }
        }
        Ok(out)
    }
}
