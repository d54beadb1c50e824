//! What the screens show, read from the local records.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::calendar::{VisitWeek, china_date, weeks_missed};
use minqing_shared::card::ContactCard;
use minqing_shared::household::Household;
use minqing_shared::ids::{HouseholdId, VillageId, VisitId};
use minqing_shared::place;
use minqing_shared::sync::merge::{ConcernState, HouseholdState};
use minqing_shared::visit::{Visit, VisitMode};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, Store, load_account};

/// A household in a list.
#[derive(Clone, Debug, PartialEq)]
pub struct HouseholdSummary {
    /// The household.
    pub household: Household,
    /// Its village's name.
    pub village_name: String,
    /// The China date of the last in-person visit.
    pub last_visit: Option<NaiveDate>,
    /// Whether it still needs this week's visit.
    pub due: bool,
    /// Whole weeks without a visit before this one (`u32::MAX`: never visited).
    pub weeks_missed: u32,
    /// Concerns not yet closed.
    pub open_concerns: u32,
    /// Whether a visit of this week is 位置存疑 (`shared::place`).
    pub place_doubt: bool,
}

/// This week's visits.
#[derive(Clone, Debug, PartialEq)]
pub struct WeekOverview {
    /// The ISO week.
    pub week: VisitWeek,
    /// Active households ([`Household::is_active`]) visited in person this week.
    pub visited: u32,
    /// Active households to visit this week (the proposed ones are listed, not counted: the
    /// office counts the same).
    pub total: u32,
    /// Households still due, most overdue first, then the visited ones.
    pub households: Vec<HouseholdSummary>,
}

/// One household with its history.
#[derive(Clone, Debug, PartialEq)]
pub struct HouseholdDetail {
    /// The summary.
    pub summary: HouseholdSummary,
    /// Visits, newest first.
    pub visits: Vec<Visit>,
    /// Where each visit stands against the household's place (位置存疑), as `visits`.
    pub places: Vec<place::PlaceCheck>,
    /// Concerns, newest first.
    pub concerns: Vec<ConcernState>,
    /// The photos of its visits and concerns (each names its record).
    pub photos: Vec<super::PhotoView>,
}

/// A concern with its household's name.
#[derive(Clone, Debug, PartialEq)]
pub struct ConcernView {
    /// The concern.
    pub state: ConcernState,
    /// The household's head.
    pub household_name: String,
}

/// An op the server refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedOp {
    /// Its seq.
    pub device_seq: u64,
    /// The server's code.
    pub error: String,
    /// The server's reason.
    pub message: String,
    /// When it was refused.
    pub at_ms: i64,
}

/// What the sync screen shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncInfo {
    /// Ops waiting to go up.
    pub pending: u64,
    /// Last attempt.
    pub last_attempt_ms: Option<i64>,
    /// Last success.
    pub last_success_ms: Option<i64>,
    /// The last attempt's error, if it failed.
    pub last_error: Option<String>,
    /// Refused ops.
    pub rejected: Vec<RejectedOp>,
    /// Photos still to send.
    pub photos_waiting: u64,
    /// Why each refused photo was refused.
    pub photos_refused: Vec<minqing_shared::photo::PhotoRefusal>,
}

impl Store {
    /// The cadre's villages with their names, for choosing where a proposed household lives.
    pub fn my_villages(&self) -> Result<Vec<(VillageId, String)>> {
        self.read(|c| {
            let Some(account) = load_account(c)? else { return Ok(Vec::new()) };
            let names = village_names(c)?;
            Ok(account
                .cadre
                .villages
                .iter()
                .map(|v| (*v, names.get(&v.to_string()).cloned().unwrap_or_else(|| v.to_string())))
                .collect())
        })
    }
}

fn village_names(c: &Connection) -> Result<HashMap<String, String>> {
    let mut stmt = c.prepare_cached("SELECT id, name FROM villages")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn summaries(c: &Connection, today: NaiveDate) -> Result<Vec<HouseholdSummary>> {
    let Some(account) = load_account(c)? else { return Ok(Vec::new()) };
    let villages = village_names(c)?;
    let mut last: HashMap<String, i64> = HashMap::new();
    // Every count of visits asks `VisitMode::counts_as_weekly_visit`; a household is visited
    // this week when one of those is dated in the week (as the office counts it).
    let mut this_week: std::collections::HashSet<String> = Default::default();
    let week = VisitWeek::of(today).ms_range();
    let mut stmt = c.prepare_cached("SELECT household_id, visited_ms, mode FROM visits")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
    })?;
    for row in rows {
        let (h, ms, mode) = row?;
        if !VisitMode::from_code(&mode).is_some_and(VisitMode::counts_as_weekly_visit) {
            continue;
        }
        if week.contains(&ms) {
            this_week.insert(h.clone());
        }
        let latest = last.entry(h).or_insert(ms);
        *latest = (*latest).max(ms);
    }
    let doubted = doubted_this_week(c, week)?;
    let mut open: HashMap<String, u32> = HashMap::new();
    let mut stmt = c.prepare_cached("SELECT household_id, state FROM concerns")?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?)))?
    {
        let (h, state) = row?;
        let state: ConcernState = serde_json::from_str(&state)?;
        if let (Some(h), Some(status)) = (h, state.status) {
            if !status.is_closed() {
                *open.entry(h).or_default() += 1;
            }
        }
    }
    let mut stmt = c.prepare_cached("SELECT id, state FROM households WHERE deleted = 0")?;
    let mut out = Vec::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (id, state) = row?;
        let state: HouseholdState = serde_json::from_str(&state)?;
        let Some(household) = state.household() else { continue };
        if household.cadre_id != Some(account.cadre_id) {
            continue;
        }
        let last_visit = last
            .get(&id)
            .and_then(|ms| DateTime::<Utc>::from_timestamp_millis(*ms))
            .map(china_date);
        out.push(HouseholdSummary {
            village_name: villages
                .get(&household.village_id.to_string())
                .cloned()
                .unwrap_or_default(),
            last_visit,
            due: !this_week.contains(&id),
            weeks_missed: weeks_missed(last_visit, today),
            open_concerns: open.get(&id).copied().unwrap_or(0),
            place_doubt: doubted.contains(&id),
            household,
        });
    }
    out.sort_by(|a, b| {
        (!a.due, std::cmp::Reverse(a.weeks_missed), &a.household.head_name).cmp(&(
            !b.due,
            std::cmp::Reverse(b.weeks_missed),
            &b.household.head_name,
        ))
    });
    Ok(out)
}

impl Store {
    /// This week's due households and progress, for `today` (China date).
    pub fn week(&self, today: NaiveDate) -> Result<WeekOverview> {
        self.read(|c| {
            let households = summaries(c, today)?;
            let active = households.iter().filter(|h| h.household.is_active());
            Ok(WeekOverview {
                week: VisitWeek::of(today),
                visited: active.clone().filter(|h| !h.due).count() as u32,
                total: active.count() as u32,
                households,
            })
        })
    }

    /// The cadre's households whose head, address or phone contains `search`.
    pub fn households(&self, search: &str, today: NaiveDate) -> Result<Vec<HouseholdSummary>> {
        let search = search.trim();
        self.read(|c| {
            let mut all = summaries(c, today)?;
            all.retain(|s| {
                search.is_empty()
                    || s.household.head_name.contains(search)
                    || s.household.address.contains(search)
                    || s.household.phone.contains(search)
                    || s.village_name.contains(search)
            });
            all.sort_by(|a, b| {
                (&a.village_name, &a.household.head_name)
                    .cmp(&(&b.village_name, &b.household.head_name))
            });
            Ok(all)
        })
    }

    /// One household with its visits and concerns.
    pub fn household_detail(
        &self,
        id: HouseholdId,
        today: NaiveDate,
    ) -> Result<Option<HouseholdDetail>> {
        self.read(|c| {
            let Some(summary) = summaries(c, today)?.into_iter().find(|s| s.household.id == id)
            else {
                return Ok(None);
            };
            let mut stmt = c.prepare_cached(
                "SELECT visit FROM visits WHERE household_id = ?1 ORDER BY visited_ms DESC",
            )?;
            let visits = stmt
                .query_map([id.to_string()], |r| r.get::<_, String>(0))?
                .map(|r| Ok(serde_json::from_str(&r?)?))
                .collect::<Result<Vec<Visit>>>()?;
            let mut stmt = c.prepare_cached(
                "SELECT state FROM concerns WHERE household_id = ?1 ORDER BY raised_ms DESC",
            )?;
            let concerns = stmt
                .query_map([id.to_string()], |r| r.get::<_, String>(0))?
                .map(|r| Ok(serde_json::from_str(&r?)?))
                .collect::<Result<Vec<ConcernState>>>()?;
            let places = place::check_all(&visits, None, place_doubt_m(c)?);
            let records: Vec<(uuid::Uuid, &[minqing_shared::photo::PhotoId])> = visits
                .iter()
                .map(|v| (v.id.0, v.photos.as_slice()))
                .chain(concerns.iter().map(|c| (c.id.0, c.photos.as_slice())))
                .collect();
            let photos = super::photos::of_records(c, &records)?;
            Ok(Some(HouseholdDetail { summary, visits, places, concerns, photos }))
        })
    }

    /// One visit, as its amendments left it (`None` if unknown or voided).
    pub fn visit(&self, id: VisitId) -> Result<Option<Visit>> {
        self.read(|c| stored_visit(c, id))
    }

    /// The cadre's concerns: open ones first, newest first.
    pub fn concerns(&self) -> Result<Vec<ConcernView>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT c.state, COALESCE(h.head_name, '') FROM concerns c LEFT JOIN households h ON h.id = c.household_id
                 ORDER BY c.raised_ms DESC",
            )?;
            let mut out = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .map(|r| {
                    let (state, household_name) = r?;
                    Ok(ConcernView { state: serde_json::from_str(&state)?, household_name })
                })
                .collect::<Result<Vec<_>>>()?;
            out.retain(|v| v.state.status.is_some());
            out.sort_by_key(|v| v.state.status.is_some_and(|s| s.is_closed()));
            Ok(out)
        })
    }

    /// The sync screen's figures.
    pub fn sync_info(&self) -> Result<SyncInfo> {
        self.read(|c| {
            let pending = c.query_row("SELECT COUNT(*) FROM outbox WHERE acked = 0", [], |r| {
                r.get::<_, i64>(0)
            })? as u64;
            let (last_attempt_ms, last_success_ms, last_error) = c
                .query_row(
                    "SELECT last_attempt_ms, last_success_ms, last_error FROM sync_log",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap_or((None, None, None));
            let mut stmt = c.prepare_cached(
                "SELECT device_seq, error, message, at_ms FROM rejections WHERE retimed_as IS NULL ORDER BY device_seq DESC",
            )?;
            let rejected = stmt
                .query_map([], |r| {
                    Ok(RejectedOp {
                        device_seq: r.get::<_, i64>(0)? as u64,
                        error: r.get(1)?,
                        message: r.get(2)?,
                        at_ms: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let (photos_waiting, photos_refused) = super::photos::counts(c)?;
            Ok(SyncInfo {
                pending,
                last_attempt_ms,
                last_success_ms,
                last_error,
                rejected,
                photos_waiting,
                photos_refused,
            })
        })
    }

    /// The cadre's contact card 包村人员名片.
    pub fn card(&self) -> Result<Option<ContactCard>> {
        self.read(|c| {
            let Some(account) = load_account(c)? else { return Ok(None) };
            let names = village_names(c)?;
            let villages = account
                .cadre
                .villages
                .iter()
                .filter_map(|v| names.get(&v.to_string()).cloned())
                .collect();
            Ok(Some(ContactCard {
                name: account.cadre.name,
                unit: account.cadre.unit_name,
                title: account.cadre.title,
                phone: account.cadre.phone,
                villages,
            }))
        })
    }
}

/// A stored visit, as its amendments left it.
pub(crate) fn stored_visit(c: &Connection, id: VisitId) -> Result<Option<Visit>> {
    let text: Option<String> = c
        .query_row("SELECT visit FROM visits WHERE id = ?1", [id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str::<Visit>(&t)).transpose()?)
}

/// The county's 位置存疑 distance, as the server last said.
pub(crate) fn place_doubt_m(c: &Connection) -> Result<u32> {
    Ok(super::setting_in(c, PLACE_DOUBT_SETTING)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(place::DEFAULT_DOUBT_M))
}

/// The setting the county's 位置存疑 distance is kept under.
pub const PLACE_DOUBT_SETTING: &str = "place_doubt_m";

/// The households with a 位置存疑 visit in `week` (ms range), each judged against the place
/// learned from its visits before it, as the server judges them.
fn doubted_this_week(
    c: &Connection,
    week: std::ops::Range<i64>,
) -> Result<std::collections::HashSet<String>> {
    let limit = place_doubt_m(c)?;
    let from = week.start - place::PLACE_WINDOW_DAYS * 86_400_000;
    let mut stmt = c.prepare_cached(
        "SELECT household_id, visit FROM visits
         WHERE household_id IN (SELECT household_id FROM visits
                                WHERE visited_ms >= ?1 AND visited_ms < ?2)
           AND visited_ms >= ?3 AND visited_ms < ?2",
    )?;
    let mut by_household: HashMap<String, Vec<Visit>> = HashMap::new();
    for row in stmt.query_map(params![week.start, week.end, from], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (h, visit) = row?;
        by_household.entry(h).or_default().push(serde_json::from_str(&visit)?);
    }
    Ok(by_household
        .into_iter()
        .filter(|(_, visits)| {
            place::check_all(visits, None, limit).iter().zip(visits).any(|(check, v)| {
                check.is_doubtful() && week.contains(&v.visited_at.timestamp_millis())
            })
        })
        .map(|(h, _)| h)
        .collect())
}
