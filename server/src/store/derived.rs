//! What the migrations' new columns and tables hold for data stored before them, filled once at
//! open (after the migrations, in one write; with several server processes, the first to take
//! the roster's section does it and the others find it done):
//! - units with no county (a database from before counties) go to its only county, created as
//!   「本县」 if there is none;
//! - households and concerns are stored again, so their derived columns (address sort key,
//!   escalation and completion times …) are filled;
//! - each household's visited weeks are noted from its in-person visits (version 1);
//! - each household's contacts are counted per month, cadre and kind (version 2);
//! - each in-person visit's good fix is kept in its columns, for learning places (version 3;
//!   visits stored before are not judged 位置存疑 afterwards).

use minqing_shared::calendar::{YearMonth, china_date};
use minqing_shared::ids::CountyId;
use minqing_shared::org::County;
use minqing_shared::sync::merge::{ConcernState, HouseholdState};
use minqing_shared::visit::Visit;

use super::sql::{Value, args};
use super::{Db, Section, StoreResult, Tx};

const KEY: &str = "derived_version";

/// What each version fills, in order: a migration that adds derived data adds a step.
const STEPS: [fn(&mut Tx<'_>) -> StoreResult<()>; 3] =
    [fill_counties_and_columns, count_months, fill_fixes];

/// The version filled so far.
fn version(tx: &mut Tx<'_>) -> StoreResult<usize> {
    Ok(tx.meta(KEY)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Fills what the migrations added, if not done yet.
pub(super) fn bring_up_to_date(db: &Db) -> StoreResult<()> {
    if db.read(version)? >= STEPS.len() {
        return Ok(());
    }
    db.write(|tx| {
        tx.exclusive(Section::Roster)?;
        let done = version(tx)?;
        for step in STEPS.iter().skip(done) {
            step(tx)?;
        }
        tx.set_meta(KEY, &STEPS.len().to_string())
    })
}

/// Version 2: counts every stored visit into its household's month, in one statement that
/// joins the visits to the months they span.
fn count_months(tx: &mut Tx<'_>) -> StoreResult<()> {
    let span = tx.query_one("SELECT MIN(visited_ms), MAX(visited_ms) FROM visits", &[])?;
    let (Some(first), Some(last)) = (span.opt_int(0)?, span.opt_int(1)?) else {
        return Ok(());
    };
    let (Some(first), Some(last)) = (china_date_of_ms(first), china_date_of_ms(last)) else {
        return Err(super::StoreError::Corrupt(format!("visit times {first}..{last}")));
    };
    let mut months = Vec::new();
    let mut month = YearMonth::of(first);
    while month <= YearMonth::of(last) {
        months.push(month);
        month = month.next();
    }
    let mut params: Vec<Value> = Vec::new();
    let mut rows = Vec::new();
    for m in &months {
        let range = m.ms_range();
        let n = params.len();
        rows.push(format!(
            "(CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
            n + 1,
            n + 2,
            n + 3
        ));
        params.extend(args![m.key(), range.start, range.end]);
    }
    let weekly = format!("x.mode IN ({})", super::office::weekly_modes());
    let counted = tx.execute(
        &format!(
            "INSERT INTO household_months (household_id, month, cadre_id, weekly, contacts)
             SELECT x.household_id, m.column1, x.cadre_id, {weekly}, COUNT(*)
             FROM visits x JOIN (VALUES {}) m
               ON x.visited_ms >= m.column2 AND x.visited_ms < m.column3
             GROUP BY x.household_id, m.column1, x.cadre_id, {weekly}",
            rows.join(", ")
        ),
        &params,
    )?;
    tracing::info!(months = months.len(), rows = counted, "visits counted per household-month");
    Ok(())
}

/// The China date of an instant in ms.
fn china_date_of_ms(ms: i64) -> Option<chrono::NaiveDate> {
    chrono::DateTime::from_timestamp_millis(ms).map(china_date)
}

/// Version 1.
fn fill_counties_and_columns(tx: &mut Tx<'_>) -> StoreResult<()> {
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

/// Version 3: the good fixes of visits stored before the columns, households' places are
/// learned from.
fn fill_fixes(tx: &mut Tx<'_>) -> StoreResult<()> {
    let sql = format!(
        "SELECT body FROM visits WHERE mode IN ({}) AND fix_lat IS NULL",
        super::office::weekly_modes()
    );
    let visits: Vec<Visit> =
        tx.query(&sql, &[])?.iter().map(|r| r.json(0)).collect::<StoreResult<_>>()?;
    let mut filled = 0;
    for v in &visits {
        if let Some(p) = minqing_shared::place::teaching_fix(v) {
            tx.execute(
                "UPDATE visits SET fix_lat = $2, fix_lon = $3 WHERE id = $1",
                &args![v.id, p.lat, p.lon],
            )?;
            filled += 1;
        }
    }
    tracing::info!(filled, "visit fixes filled");
    Ok(())
}
