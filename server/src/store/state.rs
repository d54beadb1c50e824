//! The merged state: households (their per-field stamps kept as JSON beside the columns pages
//! filter on), visits, each concern's event log and its folded state. Read and written a set
//! at a time, so a push of many ops costs a few statements, not a few per op.

use std::collections::BTreeMap;

use minqing_shared::calendar::{VisitWeek, YearMonth, china_date};
use minqing_shared::ids::{ConcernId, HouseholdId, VisitId};
use minqing_shared::place::{self, PLACE_WINDOW_DAYS};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::visit::Visit;

/// Where the county's 位置存疑 distance is kept (the `meta` table).
pub const PLACE_DOUBT_KEY: &str = "place_doubt_m";

use super::photos::PhotoRef;
use super::sql::{Value, args, in_list, placeholders};
use super::{StoreResult, Tx};

impl Tx<'_> {
    /// The merged state of each of `ids` that exists. In a write, their rows stay locked until
    /// commit, taken in id order (every writer takes households in that order).
    pub fn households(&mut self, ids: &[HouseholdId]) -> StoreResult<Vec<HouseholdState>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let sql = format!(
            "SELECT h.state FROM households h WHERE h.id IN ({}) ORDER BY h.id {}",
            placeholders(1, ids.len()),
            self.lock_rows("h")
        );
        self.query(&sql, &in_list(&ids))?.iter().map(|r| r.json(0)).collect()
    }

    /// A household's merged state (locked in a write).
    pub fn household(&mut self, id: HouseholdId) -> StoreResult<Option<HouseholdState>> {
        Ok(self.households(&[id])?.pop())
    }

    /// Stores households' merged states.
    pub fn put_households(&mut self, states: &[&HouseholdState]) -> StoreResult<()> {
        let rows = states
            .iter()
            .map(|s| {
                Ok(args![
                    s.id,
                    s.village_id.value,
                    s.cadre_id.value,
                    s.head_name.value.as_str(),
                    s.status.value.code(),
                    s.deleted.value,
                    serde_json::to_string(s)?,
                    s.address.value.as_str(),
                    address_key(&s.address.value)
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO households (id, village_id, cadre_id, head_name, status, deleted, state,
                                     address, address_key)",
            9,
            "ON CONFLICT (id) DO UPDATE SET village_id = excluded.village_id,
               cadre_id = excluded.cadre_id, head_name = excluded.head_name,
               status = excluded.status, deleted = excluded.deleted, state = excluded.state,
               address = excluded.address, address_key = excluded.address_key",
            &rows,
        )
    }

    /// Stores a household's merged state.
    pub fn put_household(&mut self, state: &HouseholdState) -> StoreResult<()> {
        self.put_households(&[state])
    }

    /// Which of `ids` are stored visits.
    pub fn stored_visits(&mut self, ids: &[VisitId]) -> StoreResult<Vec<VisitId>> {
        let sql = format!("SELECT id FROM visits WHERE id IN ({})", placeholders(1, ids.len()));
        self.query(&sql, &in_list(ids))?.iter().map(|r| r.parse(0)).collect()
    }

    /// Notes the ISO weeks (China time) in which households had an in-person visit, with the
    /// cadre who made the week's first: what coverage is counted from.
    pub(super) fn note_visited_weeks_of(&mut self, visits: &[&Visit]) -> StoreResult<()> {
        let mut rows: Vec<Vec<Value>> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for v in visits.iter().filter(|v| v.counts_as_weekly_visit()) {
            let week = VisitWeek::of(china_date(v.visited_at)).key();
            if seen.insert((v.household_id, week)) {
                rows.push(args![v.household_id, week, v.cadre_id].to_vec());
            }
        }
        self.insert_rows(
            "INSERT INTO household_weeks (household_id, week, cadre_id)",
            3,
            "ON CONFLICT (household_id, week) DO NOTHING",
            &rows,
        )
    }

    /// Counts contacts in each household's months, per cadre and kind (the weekly visit or
    /// another contact): what the monthly report adds up. Visits are stored once and never
    /// changed, so the counts only grow.
    pub(super) fn count_visit_months_of(&mut self, visits: &[&Visit]) -> StoreResult<()> {
        let mut counts: BTreeMap<_, i64> = BTreeMap::new();
        for v in visits {
            let month = YearMonth::of(china_date(v.visited_at)).key();
            *counts
                .entry((v.household_id, month, v.cadre_id, v.counts_as_weekly_visit()))
                .or_default() += 1;
        }
        let rows: Vec<Vec<Value>> = counts
            .into_iter()
            .map(|((household, month, cadre, weekly), n)| {
                args![household, month, cadre, weekly, n].to_vec()
            })
            .collect();
        self.insert_rows(
            "INSERT INTO household_months (household_id, month, cadre_id, weekly, contacts)",
            5,
            "ON CONFLICT (household_id, month, cadre_id, weekly)
             DO UPDATE SET contacts = household_months.contacts + excluded.contacts",
            &rows,
        )
    }

    /// Stores visits, each judged against its household's place (位置存疑).
    pub fn insert_visits(&mut self, visits: &[&Visit]) -> StoreResult<()> {
        let doubts = self.place_doubts(visits)?;
        let rows = visits
            .iter()
            .zip(doubts)
            .map(|(v, doubt)| {
                let fix = place::teaching_fix(v);
                Ok(args![
                    v.id,
                    v.household_id,
                    v.cadre_id,
                    v.visited_at.timestamp_millis(),
                    v.mode.code(),
                    serde_json::to_string(v)?,
                    doubt,
                    fix.map(|p| p.lat),
                    fix.map(|p| p.lon)
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO visits (id, household_id, cadre_id, visited_ms, mode, body, place_doubt,
                                 fix_lat, fix_lon)",
            9,
            "",
            &rows,
        )?;
        let photos: Vec<PhotoRef> = visits
            .iter()
            .flat_map(|v| {
                v.photos.iter().map(|p| PhotoRef {
                    photo: p.clone(),
                    record: v.id.0,
                    household: v.household_id,
                    cadre: v.cadre_id,
                })
            })
            .collect();
        self.note_photo_refs(&photos)?;
        self.note_visited_weeks_of(visits)?;
        self.count_visit_months_of(visits)
    }

    /// Whether each of `visits` is 位置存疑: its good fix against the place learned from its
    /// household's in-person visits before it (stored — their fixes kept as columns — or earlier
    /// in `visits`).
    fn place_doubts(&mut self, visits: &[&Visit]) -> StoreResult<Vec<bool>> {
        let judged: Vec<bool> = visits.iter().map(|v| place::teaching_fix(v).is_some()).collect();
        let households: std::collections::BTreeSet<HouseholdId> =
            visits.iter().zip(&judged).filter(|(_, j)| **j).map(|(v, _)| v.household_id).collect();
        if households.is_empty() {
            return Ok(vec![false; visits.len()]);
        }
        let limit = self.place_doubt_m()?;
        let from = visits.iter().map(|v| v.visited_at).min().unwrap_or_default()
            - chrono::Duration::days(PLACE_WINDOW_DAYS);
        let ids: Vec<HouseholdId> = households.into_iter().collect();
        let sql = format!(
            "SELECT household_id, visited_ms, fix_lat, fix_lon FROM visits
             WHERE household_id IN ({}) AND fix_lat IS NOT NULL AND visited_ms >= ${}",
            placeholders(1, ids.len()),
            ids.len() + 1
        );
        let mut params = in_list(&ids);
        params.push(from.timestamp_millis().into());
        type Fixes = Vec<(chrono::DateTime<chrono::Utc>, place::Point)>;
        let mut fixes: BTreeMap<HouseholdId, Fixes> = BTreeMap::new();
        for r in self.query(&sql, &params)? {
            let at = chrono::DateTime::from_timestamp_millis(r.int(1)?).unwrap_or_default();
            let point = place::Point { lat: r.float(2)?, lon: r.float(3)? };
            fixes.entry(r.parse(0)?).or_default().push((at, point));
        }
        for v in visits {
            if let Some(p) = place::teaching_fix(v) {
                fixes.entry(v.household_id).or_default().push((v.visited_at, p));
            }
        }
        Ok(visits
            .iter()
            .zip(judged)
            .map(|(v, judged)| {
                judged && {
                    let known = fixes.get(&v.household_id).into_iter().flatten().copied();
                    let place = place::place_before_fixes(known, v.visited_at);
                    place::check(v, place, limit).is_doubtful()
                }
            })
            .collect())
    }

    /// The county's 位置存疑 distance, metres (`serve --place-doubt-m`).
    pub fn place_doubt_m(&mut self) -> StoreResult<u32> {
        Ok(self
            .meta(PLACE_DOUBT_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(place::DEFAULT_DOUBT_M))
    }

    /// A stored visit.
    pub fn visit(&mut self, id: VisitId) -> StoreResult<Option<Visit>> {
        self.query_opt("SELECT body FROM visits WHERE id = $1", &args![id])?
            .map(|r| r.json(0))
            .transpose()
    }

    /// Takes a stored visit out, with what it added to the household's weeks and months (a
    /// correction then stores the corrected visit as new).
    pub fn remove_visit(&mut self, v: &Visit) -> StoreResult<()> {
        self.execute("DELETE FROM visits WHERE id = $1", &args![v.id])?;
        self.forget_photo_refs(&[v.id.0])?;
        let month = YearMonth::of(china_date(v.visited_at)).key();
        let key = args![v.household_id, month, v.cadre_id, v.counts_as_weekly_visit()];
        self.execute(
            "UPDATE household_months SET contacts = contacts - 1
             WHERE household_id = $1 AND month = $2 AND cadre_id = $3 AND weekly = $4",
            &key,
        )?;
        self.execute(
            "DELETE FROM household_months
             WHERE household_id = $1 AND month = $2 AND cadre_id = $3 AND weekly = $4 AND contacts <= 0",
            &key,
        )?;
        if v.counts_as_weekly_visit() {
            // The week stays visited if another in-person visit remains in it.
            let week = VisitWeek::of(china_date(v.visited_at));
            let range = week.ms_range();
            self.execute(
                "DELETE FROM household_weeks WHERE household_id = $1 AND week = $2",
                &args![v.household_id, week.key()],
            )?;
            let sql = format!(
                "INSERT INTO household_weeks (household_id, week, cadre_id)
                 SELECT household_id, $2, cadre_id FROM visits
                 WHERE household_id = $1 AND mode IN ({}) AND visited_ms >= $3 AND visited_ms < $4
                 ORDER BY visited_ms LIMIT 1",
                super::office::weekly_modes()
            );
            self.execute(&sql, &args![v.household_id, week.key(), range.start, range.end])?;
        }
        Ok(())
    }

    /// The household each of `ids` was raised about, for the concerns that exist. (A concern's
    /// household never changes, so this needs no lock: lock the households, then read events.)
    pub fn concern_households(
        &mut self,
        ids: &[ConcernId],
    ) -> StoreResult<BTreeMap<ConcernId, HouseholdId>> {
        let sql = format!(
            "SELECT id, household_id FROM concerns WHERE household_id IS NOT NULL AND id IN ({})",
            placeholders(1, ids.len())
        );
        self.query(&sql, &in_list(ids))?.iter().map(|r| Ok((r.parse(0)?, r.parse(1)?))).collect()
    }

    /// Every event of each of `ids`. A writer reads them only while holding the concern's
    /// household, which every writer of its events holds too.
    pub fn concern_events_of(
        &mut self,
        ids: &[ConcernId],
    ) -> StoreResult<BTreeMap<ConcernId, Vec<ConcernEvent>>> {
        let sql = format!(
            "SELECT concern_id, event FROM concern_events WHERE concern_id IN ({})",
            placeholders(1, ids.len())
        );
        let mut out: BTreeMap<ConcernId, Vec<ConcernEvent>> = BTreeMap::new();
        for r in self.query(&sql, &in_list(ids))? {
            out.entry(r.parse(0)?).or_default().push(r.json(1)?);
        }
        Ok(out)
    }

    /// Every event of a concern.
    pub fn concern_events(&mut self, id: ConcernId) -> StoreResult<Vec<ConcernEvent>> {
        Ok(self.concern_events_of(&[id])?.remove(&id).unwrap_or_default())
    }

    /// Appends concern events.
    pub fn insert_concern_events(
        &mut self,
        events: &[(ConcernId, &ConcernEvent)],
    ) -> StoreResult<()> {
        let rows = events
            .iter()
            .map(|(concern, e)| Ok(args![e.op_id, *concern, serde_json::to_string(e)?].to_vec()))
            .collect::<StoreResult<Vec<Vec<Value>>>>()?;
        self.insert_rows("INSERT INTO concern_events (op_id, concern_id, event)", 3, "", &rows)
    }

    /// A concern's folded state.
    pub fn concern(&mut self, id: ConcernId) -> StoreResult<Option<ConcernState>> {
        self.query_opt("SELECT state FROM concerns WHERE id = $1", &args![id])?
            .map(|r| r.json(0))
            .transpose()
    }

    /// Stores concerns' folded states.
    pub fn put_concerns(&mut self, states: &[&ConcernState]) -> StoreResult<()> {
        let rows = states
            .iter()
            .map(|s| {
                let ms = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_millis());
                Ok(args![
                    s.id,
                    s.household_id,
                    s.category.map(|c| c.code()),
                    s.status.map(|c| c.code()),
                    ms(s.raised_at),
                    s.decision.as_ref().map(|d| d.deadline.to_string()),
                    s.on_ledger(),
                    serde_json::to_string(s)?,
                    s.raised_by,
                    ms(s.escalated_at()),
                    ms(s.done_at),
                    s.report.as_ref().and_then(|r| r.households_affected),
                    ms(s.ledger_opened_at),
                    s.decision.as_ref().and_then(|d| d.unit)
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO concerns (id, household_id, category, status, raised_ms, deadline,
                                   on_ledger, state, raised_by, escalated_ms, done_ms,
                                   households_affected, ledger_opened_ms, assigned_unit)",
            14,
            "ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
               category = excluded.category, status = excluded.status,
               raised_ms = excluded.raised_ms, deadline = excluded.deadline,
               on_ledger = excluded.on_ledger, state = excluded.state,
               raised_by = excluded.raised_by, escalated_ms = excluded.escalated_ms,
               done_ms = excluded.done_ms, households_affected = excluded.households_affected,
               ledger_opened_ms = excluded.ledger_opened_ms,
               assigned_unit = excluded.assigned_unit",
            &rows,
        )?;
        // The references follow the state: a voided raise takes its photos out of every view.
        let records: Vec<uuid::Uuid> = states.iter().map(|s| s.id.0).collect();
        self.forget_photo_refs(&records)?;
        let photos: Vec<PhotoRef> = states
            .iter()
            .filter_map(|s| Some((s, s.household_id?, s.raised_by?)))
            .flat_map(|(s, household, cadre)| {
                s.photos.iter().map(move |p| PhotoRef {
                    photo: p.clone(),
                    record: s.id.0,
                    household,
                    cadre,
                })
            })
            .collect();
        self.note_photo_refs(&photos)
    }
}

/// A key that sorts addresses like 三组 12号 by group and house number, not by their characters
/// (一组 5号 before 一组 44号 before 二组 8号); addresses without a group sort last.
pub(crate) fn address_key(address: &str) -> String {
    let group = address.split_once('组').and_then(|(g, _)| chinese_number(g.trim()));
    let number: String = address
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let number = number.parse::<u32>().ok();
    format!("{:010}|{:010}|{address}", group.unwrap_or(u32::MAX), number.unwrap_or(u32::MAX))
}

/// A Chinese numeral up to 99 (一 … 九十九), as village groups are written.
fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|d| d as u32);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [d] => digit(*d).or((*d == '十').then_some(10)),
        ['十', d] => digit(*d).map(|d| 10 + d),
        [t, '十'] => digit(*t).map(|t| t * 10),
        [t, '十', d] => Some(digit(*t)? * 10 + digit(*d)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn addresses_sort_by_group_then_number() {
        let mut list =
            vec!["十一组 3号", "三组 12号", "二组 8号", "一组 44号", "一组 5号", "村东头"];
        list.sort_by_key(|a| address_key(a));
        assert_eq!(
            list,
            ["一组 5号", "一组 44号", "二组 8号", "三组 12号", "十一组 3号", "村东头"]
        );
    }
}
