//! The demo county behind `minqing-server demo`: a deterministic county at the seed's scale
//! (12 townships, 200 villages, 440 cadres, 6,500 contact households, a year of weekly visits,
//! some 11,000 concerns in all twelve categories and every workflow state), so that a new user
//! sees a living system at once.
//!
//! Everything goes in the way a real county's data would: each household, visit and concern
//! step as an op of a cadre's (simulated) phone through [`crate::sync::apply`], each
//! office action as an op of the server's own device, so phones pull exactly what they would
//! have pushed. The random source is seeded and the calendar is anchored to today's China date,
//! so the same start date gives the same county, and the demo always looks current.

mod concerns;
mod county;
mod ctx;
mod households;
mod issues;
mod names;
mod office;
mod reports;
mod rng;
mod texts;
mod visits;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use minqing_shared::calendar::VisitWeek;
use minqing_shared::concern::{Category, ConcernStatus};
use minqing_shared::org::UnitKind;
use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::store::StoreError;

/// The app version the demo county's phones reported (the phone app's, which shares the
/// workspace's version).
pub const APP_VERSION: &str = concat!("minqing-mobile/", env!("CARGO_PKG_VERSION"));

/// The demo logins' password.
pub const DEMO_PASSWORD: &str = "minqing-demo";

/// The seed of the demo county.
const SEED: u64 = 0x6d69_6e71_696e_6701;

/// The settings key under which a generated county keeps its summary.
const META_KEY: &str = "demo_summary";

/// How big a demo county to build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSpec {
    /// Townships 乡镇.
    pub townships: usize,
    /// Villages, spread over the townships.
    pub villages: usize,
    /// County departments 县直单位, each linking one village.
    pub departments: usize,
    /// Field cadres per county department.
    pub department_cadres: usize,
    /// Cadres with contact households (township and department cadres together).
    pub cadres: usize,
    /// Contact households (about 1.5% of them still only proposed).
    pub households: usize,
    /// Concerns to aim for over the whole period.
    pub concerns: usize,
    /// ISO weeks of visits, ending with the current (partly done) week.
    pub weeks: u32,
}

impl DemoSpec {
    /// The seed's county: 12 townships, 200 villages, 440 cadres, 6,500 households, a year.
    pub fn full() -> Self {
        Self {
            townships: 12,
            villages: 200,
            departments: 40,
            department_cadres: 3,
            cadres: 440,
            households: 6500,
            concerns: 11_000,
            weeks: 52,
        }
    }

    /// A county small enough for debug-build tests, still with the three demo logins and
    /// demo-cadre's concerns in every state.
    pub fn small() -> Self {
        Self {
            townships: 2,
            villages: 6,
            departments: 1,
            department_cadres: 2,
            cadres: 15,
            households: 200,
            concerns: 60,
            // Ten weeks always hold two whole months, so every unit has reported twice.
            weeks: 10,
        }
    }
}

/// One county of a demo city: which, of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nth {
    /// From 0.
    pub index: usize,
    /// How many counties.
    pub of: usize,
}

impl Nth {
    /// The county's name: 示范县, then 示范二县, 示范三县 ….
    pub fn name(self) -> String {
        const NUMERALS: [&str; 10] = ["", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        match NUMERALS.get(self.index) {
            Some(n) => format!("示范{n}县"),
            None => format!("示范{}县", self.index + 1),
        }
    }

    /// What its login names start with: nothing for the first (demo-org, demo-office,
    /// demo-cadre …), `x02-` for the second, and so on.
    pub fn prefix(self) -> String {
        if self.index == 0 { String::new() } else { format!("x{:02}-", self.index + 1) }
    }

    fn seed(self) -> u64 {
        SEED ^ (self.index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// What a generated demo county holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoSummary {
    /// How many counties (a city's demo has several, each its own Organization Department).
    #[serde(default = "one")]
    pub counties: usize,
    /// The China date the county was generated for ("today").
    pub today: NaiveDate,
    /// Townships.
    pub townships: usize,
    /// County departments.
    pub departments: usize,
    /// Villages.
    pub villages: usize,
    /// Cadres with contact households.
    pub cadres: usize,
    /// Accounts, offices and the Organization Department included.
    pub accounts: usize,
    /// Contact households.
    pub households: usize,
    /// Of which filed 备案.
    pub filed: usize,
    /// Of which only proposed.
    pub proposed: usize,
    /// In-person visits.
    pub visits: usize,
    /// Calls from households.
    pub calls: usize,
    /// Concerns.
    pub concerns: usize,
    /// Concerns by stored status.
    pub by_status: BTreeMap<ConcernStatus, usize>,
    /// Assigned concerns past their deadline (shown as overdue).
    pub overdue: usize,
    /// Concerns on the supervision ledger.
    pub on_ledger: usize,
    /// Concerns by category.
    pub by_category: BTreeMap<Category, usize>,
    /// Monthly reports submitted by the offices.
    #[serde(default)]
    pub reports: usize,
    /// Ops in the sync log.
    pub ops: u64,
    /// Seconds the generation took.
    pub seconds: f64,
}

impl DemoSummary {
    /// The sums of this and `other` (two counties of a city).
    fn plus(&self, other: &Self) -> Self {
        fn add<K: Ord + Copy>(
            a: &BTreeMap<K, usize>,
            b: &BTreeMap<K, usize>,
        ) -> BTreeMap<K, usize> {
            let mut out = a.clone();
            for (k, v) in b {
                *out.entry(*k).or_default() += v;
            }
            out
        }
        DemoSummary {
            counties: self.counties + other.counties,
            today: self.today,
            townships: self.townships + other.townships,
            departments: self.departments + other.departments,
            villages: self.villages + other.villages,
            cadres: self.cadres + other.cadres,
            accounts: self.accounts + other.accounts,
            households: self.households + other.households,
            filed: self.filed + other.filed,
            proposed: self.proposed + other.proposed,
            visits: self.visits + other.visits,
            calls: self.calls + other.calls,
            concerns: self.concerns + other.concerns,
            by_status: add(&self.by_status, &other.by_status),
            overdue: self.overdue + other.overdue,
            on_ledger: self.on_ledger + other.on_ledger,
            by_category: add(&self.by_category, &other.by_category),
            reports: self.reports + other.reports,
            ops: self.ops + other.ops,
            seconds: self.seconds + other.seconds,
        }
    }

    /// Whether two summaries describe the same county (everything but the time taken).
    pub fn same_county(&self, other: &Self) -> bool {
        Self { seconds: 0.0, ..self.clone() } == Self { seconds: 0.0, ..other.clone() }
    }

    /// One paragraph for a person.
    pub fn text(&self) -> String {
        let status = |s| self.by_status.get(&s).copied().unwrap_or(0);
        format!(
            "Demo {} as of {}: {} townships, {} county departments, {} villages, {} cadres \
             with contact households ({} accounts), {} contact households ({} filed, {} proposed), \
             {} visits and {} calls from households, {} concerns in {} categories ({} raised, \
             {} resolved on the spot, {} explained, {} escalated, {} assigned of which {} overdue, \
             {} done; {} on the supervision ledger); {} monthly reports; {} ops in the sync log; \
             built in {:.1} s.",
            if self.counties == 1 {
                "county".to_owned()
            } else {
                format!("city of {} counties", self.counties)
            },
            self.today,
            self.townships,
            self.departments,
            self.villages,
            self.cadres,
            self.accounts,
            self.households,
            self.filed,
            self.proposed,
            self.visits,
            self.calls,
            self.concerns,
            self.by_category.len(),
            status(ConcernStatus::Raised),
            status(ConcernStatus::ResolvedOnSpot),
            status(ConcernStatus::Explained),
            status(ConcernStatus::Escalated),
            status(ConcernStatus::Assigned),
            self.overdue,
            status(ConcernStatus::Done),
            self.on_ledger,
            self.reports,
            self.ops,
            self.seconds,
        )
    }
}

/// What an attempt to generate found.
#[derive(Debug)]
enum Outcome {
    /// Generated now.
    Generated(DemoSummary),
    /// Generated before (the database keeps the summary).
    Existing(DemoSummary),
    /// The database holds other data.
    NotEmpty,
}

fn one() -> usize {
    1
}

/// Fills an empty database with `counties` full demo counties (a city of them, each with its own
/// Organization Department); on a database that already has them (or other data) changes
/// nothing. Returns a one-paragraph summary.
pub fn ensure_demo(state: &AppState, counties: usize) -> Result<String, StoreError> {
    ensure_demo_counties(state, &DemoSpec::full(), counties)
}

/// [`ensure_demo`] of one county of size `spec`.
pub fn ensure_demo_with(state: &AppState, spec: &DemoSpec) -> Result<String, StoreError> {
    ensure_demo_counties(state, spec, 1)
}

/// [`ensure_demo`] of `counties` counties of size `spec`.
pub fn ensure_demo_counties(
    state: &AppState,
    spec: &DemoSpec,
    counties: usize,
) -> Result<String, StoreError> {
    Ok(match build(state, spec, counties.max(1), state.now_ms())? {
        Outcome::Generated(s) => {
            state.db().after_bulk_write()?;
            s.text()
        }
        Outcome::Existing(s) => format!("Already in place. {}", s.text()),
        Outcome::NotEmpty => {
            "The database already holds data, so the demo county was not generated.".to_owned()
        }
    })
}

/// Generates the demo county into an empty database (or returns the one already generated).
/// A database holding other data is refused.
pub fn generate(state: &AppState, spec: &DemoSpec) -> Result<DemoSummary, StoreError> {
    generate_at(state, spec, state.now_ms())
}

/// [`generate`] as if the time were `now_ms` (Unix ms, at most the real time): the same spec
/// and the same `now_ms` give the same county.
pub fn generate_at(
    state: &AppState,
    spec: &DemoSpec,
    now_ms: i64,
) -> Result<DemoSummary, StoreError> {
    match build(state, spec, 1, now_ms)? {
        Outcome::Generated(s) | Outcome::Existing(s) => Ok(s),
        Outcome::NotEmpty => Err(StoreError::Database(
            "the database is not empty: the demo county goes only into an empty one".into(),
        )),
    }
}

fn build(
    state: &AppState,
    spec: &DemoSpec,
    counties: usize,
    now: i64,
) -> Result<Outcome, StoreError> {
    if spec.townships == 0 || spec.villages < spec.townships || spec.weeks < 8 {
        return Err(StoreError::Database(format!("demo spec too small: {spec:?}")));
    }
    let started = Instant::now();
    let before = state.db().read(|tx| {
        if let Some(json) = tx.meta(META_KEY)? {
            return Ok::<_, StoreError>(Some(Outcome::Existing(serde_json::from_str(&json)?)));
        }
        if tx.last_seq()? > 0 || tx.account_by_username("demo-org")?.is_some() {
            return Ok(Some(Outcome::NotEmpty));
        }
        Ok(None)
    })?;
    if let Some(outcome) = before {
        return Ok(outcome);
    }
    let hash = crate::password::hash_password(DEMO_PASSWORD);
    let mut total: Option<DemoSummary> = None;
    for index in 0..counties {
        let nth = Nth { index, of: counties };
        let summary =
            state.db().write(|tx| generate_county(tx, state, spec, nth, &hash, now, started))?;
        // A county is one transaction; the write-ahead log is trimmed after each.
        state.db().after_bulk_write()?;
        total = Some(match total {
            None => summary,
            Some(t) => t.plus(&summary),
        });
    }
    let mut summary = total.expect("at least one county");
    summary.counties = counties;
    state.db().write(|tx| tx.set_meta(META_KEY, &serde_json::to_string(&summary)?))?;
    summary.seconds = started.elapsed().as_secs_f64();
    eprintln!("demo: done ({:.1}s)", summary.seconds);
    Ok(Outcome::Generated(summary))
}

/// Generates one county of the demo, in the caller's transaction.
fn generate_county(
    tx: &mut crate::store::Tx<'_>,
    state: &AppState,
    spec: &DemoSpec,
    nth: Nth,
    hash: &str,
    now: i64,
    started: Instant,
) -> Result<DemoSummary, StoreError> {
    let today = minqing_shared::calendar::china_date(rng::utc(now));
    let weeks = spec.weeks as usize;
    let first_monday = rng::add_days(VisitWeek::of(today).monday(), -7 * (weeks as i64));
    let mut ctx = ctx::Ctx::new(
        tx,
        state.server_device(),
        rng::Gen::new(nth.seed()),
        now,
        today,
        started,
        nth,
    );
    let county = county::plan(&mut ctx.g, spec, rng::china_ms(first_monday, 8 * 60), nth);
    county::write(&mut ctx, &county, hash)?;
    ctx.progress(
        1,
        &format!(
            "{}: {} townships, {} villages, {} accounts",
            county.name,
            county.townships(),
            county.villages.len(),
            county.cadres.len()
        ),
    );
    let mut field = households::register(&mut ctx, &county, weeks)?;
    let confirmed = field.households.len() as f64;
    let expected_visits = confirmed * f64::from(spec.weeks) * 0.9;
    let call_concerns = confirmed * f64::from(spec.weeks) * 0.01 * 0.5;
    let rate = ((spec.concerns as f64 - 12.0 - call_concerns) / expected_visits).clamp(0.0, 1.0);
    let mut v = visits::Visits::new(&field, weeks, rate);
    visits::run(&mut ctx, &county, &mut field, &mut v)?;
    office::recent_scripts(&mut ctx, &county, &mut field, &mut v)?;
    for phone in &field.phones {
        ctx.finish_phone(phone)?;
    }
    office::apply(&mut ctx, &county, &mut v)?;
    let reports = reports::write(&mut ctx, &county, first_monday)?;
    ctx.progress(4, &format!("office: {reports} monthly reports"));
    ctx.progress(5, "committing");
    let mut summary = summarize(ctx, &county)?;
    summary.reports = reports;
    Ok(summary)
}

/// Sums up the county, once the phone ops still pending are stored (which is why it takes the
/// generator's state: nothing can be made after).
fn summarize(
    mut ctx: ctx::Ctx<'_, '_>,
    county: &county::County,
) -> Result<DemoSummary, StoreError> {
    ctx.store_pending()?;
    let t = &ctx.tally;
    let mut by_status = BTreeMap::new();
    let mut by_category = BTreeMap::new();
    let (mut overdue, mut on_ledger) = (0, 0);
    for track in t.concerns.values() {
        if let Some(s) = track.status {
            *by_status.entry(s).or_insert(0) += 1;
            if s == ConcernStatus::Assigned && track.deadline.is_some_and(|d| d < ctx.today) {
                overdue += 1;
            }
        }
        if let Some(c) = track.category {
            *by_category.entry(c).or_insert(0) += 1;
        }
        on_ledger += usize::from(track.on_ledger);
    }
    let departments = county.units.iter().filter(|u| u.kind == UnitKind::CountyDepartment).count();
    Ok(DemoSummary {
        counties: 1,
        today: ctx.today,
        townships: county.townships(),
        departments,
        villages: county.villages.len(),
        cadres: county.field.len(),
        accounts: county.cadres.len(),
        households: t.households,
        filed: t.filed,
        proposed: t.proposed,
        visits: t.visits,
        calls: t.calls,
        concerns: t.concerns.len(),
        by_status,
        overdue,
        on_ledger,
        by_category,
        reports: 0,
        // Counted, not read back: PostgreSQL numbers a transaction's ops only as it commits.
        ops: ctx.phone_ops + ctx.office_ops,
        seconds: ctx.started.elapsed().as_secs_f64(),
    })
}
