//! The office pages' reads: each page asks for what it shows, scoped in the query — a
//! township's households, a department's cadres', a county's — counted in the database where a
//! page shows counts, paged where it shows lists. Nothing here reads the county to show one
//! household.
//!
//! Every query over households starts from [`HOUSEHOLDS`] and filters with [`in_scope`], the
//! office's reading of `minqing_shared::scope::sees_household` (`tests/tests/stories/scope_property.rs`
//! holds the two together). The unit a household's work counts for is its linked cadre's unit,
//! else its village's township ([`COUNTS_FOR`]).

mod concerns;
mod coverage;
mod households;
mod month;
mod roster;

use minqing_shared::household::{Household, HouseholdStatus};
use minqing_shared::scope::Scope;
use minqing_shared::visit::VisitMode;

use super::StoreResult;
use super::sql::{Row, Value};

pub use concerns::{ConcernFacts, ConcernFilter, ConcernList, ConcernRow, MonthFacts};
pub use coverage::{CoverageRow, OverdueRow, ScoreRow};
pub use households::{HouseholdFilter, HouseholdRow};
pub use month::{ContactRow, MonthRows};

/// Live households with their village, township and linked cadre: `h`, `v`, `t`, `c`.
pub(crate) const HOUSEHOLDS: &str = "households h
    JOIN villages v ON v.id = h.village_id
    JOIN units t ON t.id = v.township_id
    LEFT JOIN cadres c ON c.id = h.cadre_id";

/// The unit a household's work counts for: its linked cadre's, else its village's township.
pub(crate) const COUNTS_FOR: &str = "COALESCE(c.unit_id, v.township_id)";

/// The condition that keeps `scope`'s live households (of [`HOUSEHOLDS`]), with its one
/// parameter at `$n`.
///
/// Each is written so a planner starts from the scope's households and reaches their visits
/// and concerns by household: a county through its townships and villages; a unit as the set of
/// its townships' households and its cadres' (a condition on the joined village *or* cadre has
/// no index, and a planner would start from a month of the whole city's visits instead).
/// Queries that join visits put them after the households with `CROSS JOIN`, which keeps
/// SQLite to that order (PostgreSQL plans it as any join).
pub(crate) fn in_scope(scope: Scope, n: usize) -> (String, Value) {
    let (scoped, who) = in_scope_with_retired(scope, n);
    (format!("NOT h.deleted AND {scoped}"), who)
}

/// [`in_scope`], retired households (停止联系) included: the household's own page and its
/// restoring.
pub(crate) fn in_scope_with_retired(scope: Scope, n: usize) -> (String, Value) {
    match scope {
        Scope::County(county) => (format!("t.county_id = ${n}"), county.into()),
        Scope::Unit(unit) => (
            format!(
                "h.id IN (
                   SELECT sh.id FROM villages sv JOIN households sh ON sh.village_id = sv.id
                   WHERE sv.township_id = ${n}
                   UNION ALL
                   SELECT sh.id FROM cadres sc JOIN households sh ON sh.cadre_id = sc.id
                   WHERE sc.unit_id = ${n})"
            ),
            unit.into(),
        ),
        Scope::Cadre { cadre, .. } => (format!("h.cadre_id = ${n}"), cadre.into()),
    }
}

/// The stored codes of the statuses of active households (confirmed or filed), quoted for SQL.
pub(crate) fn active_statuses() -> String {
    codes(HouseholdStatus::ALL.iter().filter(|s| s.is_confirmed()).map(|s| s.code()))
}

/// The stored codes of the visit modes that count as the weekly visit, quoted for SQL.
pub(crate) fn weekly_modes() -> String {
    codes(VisitMode::weekly().map(VisitMode::code))
}

/// The stored codes of the other contacts (a household's call), quoted for SQL.
pub(crate) fn other_modes() -> String {
    codes(VisitMode::ALL.iter().filter(|m| !m.counts_as_weekly_visit()).map(|m| m.code()))
}

/// `'a', 'b'`: codes of our own enums (never user input), for an `IN (…)` list.
fn codes<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes.map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
}

/// The household decoded from its stored state at column `at`.
pub(crate) fn household_at(r: &Row, at: usize) -> StoreResult<Household> {
    let state: minqing_shared::sync::HouseholdState = r.json(at)?;
    state.household().ok_or_else(|| super::StoreError::Corrupt(format!("household {}", state.id)))
}
