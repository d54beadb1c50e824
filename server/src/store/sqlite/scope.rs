//! The pull-scope query on SQLite: the log after the cursor, each op tested against the scope.
//! SQLite's planner makes the `OR` of the scope's terms a union of range scans of the log's
//! indexes (`MULTI-INDEX OR` in its plan: by household, by record, after the cursor), so a pull
//! reads the scope's ops, not the log; PostgreSQL's needs the union written out
//! (`postgres/scope.rs`). `tests/tests/stories/scope_property.rs` holds it to
//! `minqing_shared::scope`.

use minqing_shared::ids::DeviceId;
use minqing_shared::sync::Change;

use super::SqliteConn;
use crate::store::sql::{Conn, Value, args};
use crate::store::{Scope, StoreResult, decode};

pub(super) fn changes(
    c: &mut SqliteConn<'_>,
    scope: Scope,
    cursor: u64,
    limit: u32,
    except: Option<DeviceId>,
) -> StoreResult<Vec<Change>> {
    let (filter, who): (&str, Vec<Value>) = match scope {
        Scope::Cadre { cadre, unit } => (
            "AND (household_id IN (SELECT id FROM households WHERE cadre_id = $4)
              OR (record_type = 'cadre' AND record_id = $4)
              OR (record_type = 'unit' AND record_id = $5)
              OR (record_type = 'village' AND record_id IN
                  (SELECT value FROM json_each((SELECT villages FROM cadres WHERE id = $4)))))",
            args![cadre, unit].to_vec(),
        ),
        Scope::Unit(unit) => (
            "AND (household_id IN (SELECT h.id FROM households h
                  LEFT JOIN villages v ON v.id = h.village_id
                  LEFT JOIN cadres c ON c.id = h.cadre_id
                  WHERE v.township_id = $4 OR c.unit_id = $4)
              OR unit_id = $4
              OR (record_type = 'unit' AND record_id = $4)
              OR (record_type = 'village' AND record_id IN (SELECT id FROM villages WHERE township_id = $4))
              OR (record_type = 'cadre' AND record_id IN (SELECT id FROM cadres WHERE unit_id = $4)))",
            args![unit].to_vec(),
        ),
        Scope::County(county) => (
            "AND (household_id IN (SELECT h.id FROM households h
                  JOIN villages v ON v.id = h.village_id
                  JOIN units t ON t.id = v.township_id
                  WHERE t.county_id = $4)
              OR unit_id IN (SELECT id FROM units WHERE county_id = $4)
              OR (record_type = 'unit' AND record_id IN (SELECT id FROM units WHERE county_id = $4))
              OR (record_type = 'village' AND record_id IN (SELECT v.id FROM villages v
                  JOIN units t ON t.id = v.township_id WHERE t.county_id = $4))
              OR (record_type = 'cadre' AND record_id IN (SELECT c.id FROM cadres c
                  JOIN units u ON u.id = c.unit_id WHERE u.county_id = $4)))",
            args![county].to_vec(),
        ),
    };
    let sql = format!(
        "SELECT server_seq, body FROM ops WHERE server_seq > $1 AND device_id != $3 {filter}
         ORDER BY server_seq LIMIT $2"
    );
    let mut params =
        args![cursor, limit, except.map(|d| d.to_string()).unwrap_or_default()].to_vec();
    params.extend(who);
    c.query(&sql, &params)?.iter().map(decode::change).collect()
}
