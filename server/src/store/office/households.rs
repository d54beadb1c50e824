//! The registry's reads: one page of households, one household, the counts by status.

use std::collections::BTreeMap;

use minqing_shared::household::{Household, HouseholdStatus};
use minqing_shared::ids::{HouseholdId, VillageId};
use minqing_shared::scope::Scope;
use minqing_shared::sync::Op;
use minqing_shared::sync::op::{AmendmentBody, Payload, VisitBody};
use minqing_shared::visit::Visit;

use super::{HOUSEHOLDS, household_at, in_scope, in_scope_with_retired};
use crate::store::sql::{Value, args};
use crate::store::{StoreError, StoreResult, Tx};

/// The registry's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HouseholdFilter {
    /// One village.
    pub village: Option<VillageId>,
    /// One status.
    pub status: Option<HouseholdStatus>,
    /// Head of household or address containing this.
    pub text: String,
    /// The retired households (停止联系) instead of the active ones.
    pub retired: bool,
}

/// A correction or voiding of a visit, as the office's household page lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitAmendmentRow {
    /// When the cadre made it (the op's clock).
    pub at: chrono::DateTime<chrono::Utc>,
    /// What it changed, and why.
    pub body: AmendmentBody,
    /// The visit as first recorded.
    pub original: Option<VisitBody>,
}

/// A household with the names of where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdRow {
    /// The household.
    pub household: Household,
    /// Its village's name.
    pub village: String,
    /// Its township's name.
    pub township: String,
    /// Its linked cadre's name.
    pub cadre: Option<String>,
}

const ROW_COLUMNS: &str = "h.state, v.name, t.name, c.name";

fn row(r: &crate::store::sql::Row) -> StoreResult<HouseholdRow> {
    Ok(HouseholdRow {
        household: household_at(r, 0)?,
        village: r.text(1)?,
        township: r.text(2)?,
        cadre: r.opt_text(3)?,
    })
}

/// `text` for a `LIKE` pattern, its wildcards taken literally (escape character `\`).
fn like(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

impl Tx<'_> {
    /// The households of `scope` that `filter` keeps, by village, address and head: `limit`
    /// of them from `offset`, and how many there are in all.
    pub fn households_page(
        &mut self,
        scope: Scope,
        filter: &HouseholdFilter,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<HouseholdRow>, usize)> {
        let (scoped, who) = if filter.retired {
            let (scoped, who) = in_scope_with_retired(scope, 1);
            (format!("h.deleted AND {scoped}"), who)
        } else {
            in_scope(scope, 1)
        };
        let mut params: Vec<Value> = vec![who];
        let mut conditions = vec![scoped];
        if let Some(v) = filter.village {
            params.push(v.into());
            conditions.push(format!("h.village_id = ${}", params.len()));
        }
        if let Some(s) = filter.status {
            params.push(s.code().into());
            conditions.push(format!("h.status = ${}", params.len()));
        }
        let text = filter.text.trim();
        if !text.is_empty() {
            params.push(like(text).into());
            let n = params.len();
            conditions.push(format!(
                "(h.head_name LIKE ${n} ESCAPE '\\' OR h.address LIKE ${n} ESCAPE '\\')"
            ));
        }
        let filter_sql = conditions.join(" AND ");
        let total = self
            .query_one(&format!("SELECT COUNT(*) FROM {HOUSEHOLDS} WHERE {filter_sql}"), &params)?
            .int(0)? as usize;
        let (l, o) = (params.len() + 1, params.len() + 2);
        params.extend(args![limit as u64, offset as u64]);
        let rows = self.query(
            &format!(
                "SELECT {ROW_COLUMNS} FROM {HOUSEHOLDS} WHERE {filter_sql}
                 ORDER BY v.name, h.address_key, h.head_name, h.id LIMIT ${l} OFFSET ${o}"
            ),
            &params,
        )?;
        Ok((rows.iter().map(row).collect::<StoreResult<_>>()?, total))
    }

    /// One household of `scope`, if it is one.
    pub fn household_row(
        &mut self,
        scope: Scope,
        id: HouseholdId,
    ) -> StoreResult<Option<HouseholdRow>> {
        let (scoped, who) = in_scope_with_retired(scope, 1);
        let sql = format!("SELECT {ROW_COLUMNS} FROM {HOUSEHOLDS} WHERE {scoped} AND h.id = $2");
        self.query_opt(&sql, &[who, id.into()])?.map(|r| row(&r)).transpose()
    }

    /// The households of `scope` by status.
    pub fn household_status_counts(
        &mut self,
        scope: Scope,
    ) -> StoreResult<BTreeMap<HouseholdStatus, usize>> {
        let (scoped, who) = in_scope(scope, 1);
        let sql =
            format!("SELECT h.status, COUNT(*) FROM {HOUSEHOLDS} WHERE {scoped} GROUP BY h.status");
        self.query(&sql, &[who])?
            .iter()
            .map(|r| Ok((r.code(0, HouseholdStatus::from_code)?, r.int(1)? as usize)))
            .collect()
    }

    /// The households of `scope` by village and status.
    pub fn village_status_counts(
        &mut self,
        scope: Scope,
    ) -> StoreResult<BTreeMap<(VillageId, HouseholdStatus), u32>> {
        let (scoped, who) = in_scope(scope, 1);
        let sql = format!(
            "SELECT h.village_id, h.status, COUNT(*) FROM {HOUSEHOLDS} WHERE {scoped}
             GROUP BY h.village_id, h.status"
        );
        self.query(&sql, &[who])?
            .iter()
            .map(|r| {
                let key = (r.parse(0)?, r.code(1, HouseholdStatus::from_code)?);
                Ok((key, r.int(2)? as u32))
            })
            .collect()
    }

    /// A household's latest visits, newest first, at most `limit`.
    pub fn household_visits(&mut self, id: HouseholdId, limit: usize) -> StoreResult<Vec<Visit>> {
        self.query(
            "SELECT body FROM visits WHERE household_id = $1 ORDER BY visited_ms DESC LIMIT $2",
            &args![id, limit as u64],
        )?
        .iter()
        .map(|r| r.json(0))
        .collect()
    }

    /// The corrections and voidings of a household's visits, newest first, each with the
    /// visit as first recorded.
    pub fn household_amendments(
        &mut self,
        id: HouseholdId,
        limit: usize,
    ) -> StoreResult<Vec<VisitAmendmentRow>> {
        let rows = self.query(
            "SELECT body FROM ops WHERE household_id = $1 AND record_type = 'visit_amendment'
             ORDER BY server_seq DESC LIMIT $2",
            &args![id, limit as u64],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let amendment: Op = r.json(0)?;
            let Payload::VisitAmendment(body) = amendment.payload else {
                return Err(StoreError::Corrupt(format!("amendment {}", amendment.op_id)));
            };
            let first = self.query_opt(
                "SELECT body FROM ops WHERE record_type = 'visit' AND record_id = $1
                 ORDER BY server_seq LIMIT 1",
                &args![body.visit_id],
            )?;
            let original = match first.map(|r| r.json::<Op>(0)).transpose()?.map(|o| o.payload) {
                Some(Payload::Visit(v)) => Some(v),
                _ => None,
            };
            out.push(VisitAmendmentRow { at: amendment.hlc.time(), body, original });
        }
        Ok(out)
    }

    /// Every household of `scope` (for an export or a roster check).
    pub fn scope_households(&mut self, scope: Scope) -> StoreResult<Vec<HouseholdRow>> {
        Ok(self.households_page(scope, &HouseholdFilter::default(), 0, usize::MAX >> 1)?.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(super::like("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
