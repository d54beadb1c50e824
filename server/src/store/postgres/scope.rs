//! The pull-scope query on PostgreSQL: one index range scan for each way a change can be in
//! scope, each limited to the page, and the page is the first `limit` of their union. A single
//! `WHERE … OR …` (SQLite's form) made PostgreSQL walk every op after the cursor in `server_seq`
//! order and test each against the scope — 64 ms a pull with 50,000 ops in the log.
//!
//! A cadre's branches over their households and villages are spelled as one range scan *per
//! household or village* (`LATERAL`): written as a join, the plan kept for the prepared
//! statement walked the whole log in `server_seq` order looking for the cadre's villages (40 ms
//! a pull with 47,000 ops, 140 ms under load — the bench's slowest statement by far); per
//! village it is an index probe each (0.3 ms).
//! `tests/tests/stories/scope_property.rs` holds it to `minqing_shared::scope`.

use minqing_shared::ids::DeviceId;
use minqing_shared::sync::Change;

use super::PgConn;
use crate::store::sql::{Conn, Value, args};
use crate::store::{Scope, StoreResult, decode};

pub(super) fn changes(
    c: &mut PgConn<'_>,
    scope: Scope,
    cursor: u64,
    limit: u32,
    except: Option<DeviceId>,
) -> StoreResult<Vec<Change>> {
    // Every branch: after the cursor, not the asking device's own, the first page of it.
    let branch = |from_where: &str| {
        format!(
            "(SELECT o.server_seq FROM {from_where} AND o.server_seq > $1 AND o.device_id != $3
              ORDER BY o.server_seq LIMIT $2)"
        )
    };
    // A branch per row of `outer` (filtered by `filter`): the ops `ops_where` names for it.
    let each = |outer: &str, filter: &str, ops_where: &str| {
        format!(
            "(SELECT x.server_seq FROM {outer} CROSS JOIN LATERAL
               (SELECT o.server_seq FROM ops o
                WHERE {ops_where} AND o.server_seq > $1 AND o.device_id != $3
                ORDER BY o.server_seq LIMIT $2) x
              WHERE {filter} ORDER BY x.server_seq LIMIT $2)"
        )
    };
    let (branches, who): (Vec<String>, Vec<Value>) = match scope {
        Scope::Cadre { cadre, unit } => (
            vec![
                each("households h", "h.cadre_id = $4", "o.household_id = h.id"),
                branch("ops o WHERE o.record_type = 'cadre' AND o.record_id = $4"),
                branch("ops o WHERE o.record_type = 'unit' AND o.record_id = $5"),
                each(
                    "cadres c CROSS JOIN LATERAL jsonb_array_elements_text(c.villages::jsonb) cv(id)",
                    "c.id = $4",
                    "o.record_type = 'village' AND o.record_id = cv.id",
                ),
            ],
            args![cadre, unit].to_vec(),
        ),
        Scope::Unit(unit) => (
            vec![
                branch(
                    "ops o JOIN households h ON h.id = o.household_id
                     WHERE h.village_id IN (SELECT id FROM villages WHERE township_id = $4)",
                ),
                branch(
                    "ops o JOIN households h ON h.id = o.household_id
                     WHERE h.cadre_id IN (SELECT id FROM cadres WHERE unit_id = $4)",
                ),
                branch("ops o WHERE o.unit_id = $4"),
                branch("ops o WHERE o.record_type = 'unit' AND o.record_id = $4"),
                branch(
                    "ops o WHERE o.record_type = 'village' AND o.record_id IN
                     (SELECT id FROM villages WHERE township_id = $4)",
                ),
                branch(
                    "ops o WHERE o.record_type = 'cadre' AND o.record_id IN
                     (SELECT id FROM cadres WHERE unit_id = $4)",
                ),
            ],
            args![unit].to_vec(),
        ),
        Scope::County(county) => (
            vec![
                branch(
                    "ops o JOIN households h ON h.id = o.household_id
                     JOIN villages v ON v.id = h.village_id
                     WHERE v.township_id IN (SELECT id FROM units WHERE county_id = $4)",
                ),
                branch("ops o WHERE o.unit_id IN (SELECT id FROM units WHERE county_id = $4)"),
                branch(
                    "ops o WHERE o.record_type = 'unit' AND o.record_id IN
                     (SELECT id FROM units WHERE county_id = $4)",
                ),
                branch(
                    "ops o WHERE o.record_type = 'village' AND o.record_id IN
                     (SELECT v.id FROM villages v JOIN units t ON t.id = v.township_id
                      WHERE t.county_id = $4)",
                ),
                branch(
                    "ops o WHERE o.record_type = 'cadre' AND o.record_id IN
                     (SELECT c.id FROM cadres c JOIN units u ON u.id = c.unit_id
                      WHERE u.county_id = $4)",
                ),
            ],
            args![county].to_vec(),
        ),
    };
    let sql = format!(
        "SELECT server_seq, body FROM ops WHERE server_seq IN ({})
         ORDER BY server_seq LIMIT $2",
        branches.join(" UNION ")
    );
    let mut params =
        args![cursor, limit, except.map(|d| d.to_string()).unwrap_or_default()].to_vec();
    params.extend(who);
    c.query(&sql, &params)?.iter().map(decode::change).collect()
}
