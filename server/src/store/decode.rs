//! Every stored row decoded once, into `shared`'s domain types where one exists. Each decoder
//! reads the columns its `*_COLUMNS` constant lists, in that order, under the table aliases every
//! statement uses: `u` units, `v` villages, `c` cadres, `h` households, `o` ops.

use minqing_shared::org::{Cadre, Role, Standing, Unit, UnitKind, Village};
use minqing_shared::sync::{Change, Op};

use super::StoreResult;
use super::sql::Row;

/// A unit's columns.
pub(crate) const UNIT_COLUMNS: &str = "u.id, u.name, u.kind, u.county_id";

/// A unit from [`UNIT_COLUMNS`] at `at`.
pub(crate) fn unit(r: &Row, at: usize) -> StoreResult<Unit> {
    Ok(Unit {
        id: r.parse(at)?,
        name: r.text(at + 1)?,
        kind: r.code(at + 2, UnitKind::from_code)?,
        county_id: r.parse(at + 3)?,
    })
}

/// A village's columns.
pub(crate) const VILLAGE_COLUMNS: &str = "v.id, v.name, v.township_id, v.population, v.standing";

/// A village from [`VILLAGE_COLUMNS`] at `at`.
pub(crate) fn village(r: &Row, at: usize) -> StoreResult<Village> {
    Ok(Village {
        id: r.parse(at)?,
        name: r.text(at + 1)?,
        township_id: r.parse(at + 2)?,
        population: u32::try_from(r.int(at + 3)?).unwrap_or(u32::MAX),
        standing: r.code(at + 4, Standing::from_code)?,
    })
}

/// A cadre's columns (`villages` is a JSON array of village ids).
pub(crate) const CADRE_COLUMNS: &str =
    "c.id, c.username, c.name, c.unit_id, c.role, c.phone, c.title, c.villages";

/// How many columns [`CADRE_COLUMNS`] has.
pub(crate) const CADRE_WIDTH: usize = 8;

/// A cadre from [`CADRE_COLUMNS`] at `at`.
pub(crate) fn cadre(r: &Row, at: usize) -> StoreResult<Cadre> {
    Ok(Cadre {
        id: r.parse(at)?,
        username: r.text(at + 1)?,
        name: r.text(at + 2)?,
        unit_id: r.parse(at + 3)?,
        role: r.code(at + 4, Role::from_code)?,
        phone: r.text(at + 5)?,
        title: r.text(at + 6)?,
        villages: r.json(at + 7)?,
    })
}

/// A change of the log from `server_seq, body`.
pub(crate) fn change(r: &Row) -> StoreResult<Change> {
    Ok(Change { server_seq: r.int(0)? as u64, op: r.json::<Op>(1)? })
}
