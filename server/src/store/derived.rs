//! What the migrations' new columns and tables hold for data stored before them, filled once at
//! open (after the migrations, in one write; with several server processes, the first to take
//! the roster's section does it and the others find it done):
//! - units with no county (a database from before counties) go to its only county, created as
//!   「本县」 if there is none;
//! - households and concerns are stored again, so their derived columns (address sort key,
//!   escalation and completion times …) are filled;
//! - each household's visited weeks are noted from its in-person visits.

use minqing_shared::ids::CountyId;
use minqing_shared::org::County;
use minqing_shared::sync::merge::{ConcernState, HouseholdState};
use minqing_shared::visit::Visit;

use super::sql::args;
use super::{Db, Section, StoreResult, Tx};

const KEY: &str = "derived_version";
/// Bump when a migration adds derived data to fill.
const VERSION: &str = "1";

/// Fills what the migrations added, if not done yet.
pub(super) fn bring_up_to_date(db: &Db) -> StoreResult<()> {
    if db.read(|tx| tx.meta(KEY))?.as_deref() == Some(VERSION) {
        return Ok(());
    }
    db.write(|tx| {
        tx.exclusive(Section::Roster)?;
        if tx.meta(KEY)?.as_deref() == Some(VERSION) {
            return Ok(());
        }
        fill(tx)?;
        tx.set_meta(KEY, VERSION)
    })
}

fn fill(tx: &mut Tx<'_>) -> StoreResult<()> {
    let orphans =
        tx.query_one("SELECT COUNT(*) FROM units WHERE county_id IS NULL", &[])?.int(0)?;
    if orphans > 0 {
        let county = match tx.counties()?.into_iter().next() {
            Some(c) => c,
            None => {
                let c = County { id: CountyId::new(), name: "本县".into() };
                tx.put_county(&c)?;
                c
            }
        };
        tx.execute("UPDATE units SET county_id = $1 WHERE county_id IS NULL", &args![county.id])?;
        tracing::info!(units = orphans, county = %county.name, "units given a county");
    }
    let households: Vec<HouseholdState> = tx
        .query("SELECT state FROM households", &[])?
        .iter()
        .map(|r| r.json(0))
        .collect::<StoreResult<_>>()?;
    tx.put_households(&households.iter().collect::<Vec<_>>())?;
    let concerns: Vec<ConcernState> = tx
        .query("SELECT state FROM concerns", &[])?
        .iter()
        .map(|r| r.json(0))
        .collect::<StoreResult<_>>()?;
    tx.put_concerns(&concerns.iter().collect::<Vec<_>>())?;
    let visits: Vec<Visit> = tx
        .query("SELECT body FROM visits ORDER BY visited_ms", &[])?
        .iter()
        .map(|r| r.json(0))
        .collect::<StoreResult<_>>()?;
    tx.note_visited_weeks_of(&visits.iter().collect::<Vec<_>>())?;
    tracing::info!(
        households = households.len(),
        concerns = concerns.len(),
        visits = visits.len(),
        "derived columns filled"
    );
    Ok(())
}
