//! Local changes and what comes from the server. Each change is stamped and queued in the
//! outbox (`outbox.rs`) and applied to the records, all in the one transaction of the caller;
//! pulled pages and histories are applied with the pull cursor.

use chrono::{DateTime, Utc};
use minqing_shared::concern::{Category, ConcernAction, SpecialReport, Step};
use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::ids::{ConcernId, HouseholdId, VillageId, VisitId};
use minqing_shared::permit::time::{check_correction, check_visit_time};
use minqing_shared::sync::op::{AmendmentBody, HouseholdPatch, Payload, VisitBody};
use minqing_shared::sync::{HistoryResponse, PullResponse};
use minqing_shared::visit::{GeoFix, NoFix, Topic, VisitMode};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::apply::apply_op;
use super::outbox::stamp_and_apply;
use super::photos::{self, TakenPhoto};
use super::queries::{PLACE_DOUBT_SETTING, stored_visit};
use super::{Result, Store, StoreError, load_account, set_setting_in, setting_in};

/// What the cadre decided about a concern at the doorstep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Recorded; to be handled later.
    Open,
    /// Solved at once 马上解决.
    ResolvedOnSpot(String),
    /// Explained 解释答复.
    Explained(String),
    /// Beyond the cadre's authority: escalated with a special report 民情专题报告.
    Escalated(SpecialReport),
}

/// A concern raised during a visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConcern {
    /// One of the twelve categories.
    pub category: Category,
    /// What the household said.
    pub description: String,
    /// What the cadre did about it.
    pub disposition: Disposition,
    /// Photos of it (at most three).
    pub photos: Vec<TakenPhoto>,
}

/// A household the cadre proposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHousehold {
    /// One of the cadre's villages.
    pub village_id: VillageId,
    /// Head of household.
    pub head_name: String,
    /// Group and address.
    pub address: String,
    /// Phone number.
    pub phone: String,
    /// Kinds.
    pub kinds: Vec<HouseholdKind>,
}

/// A visit as the form collects it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewVisit {
    /// The household.
    pub household_id: HouseholdId,
    /// In person, or the household called.
    pub mode: VisitMode,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Policies explained.
    pub policies: String,
    /// What was said.
    pub summary: String,
    /// Where, if known.
    pub gps: Option<GeoFix>,
    /// Why not, if the platform said.
    pub no_fix: Option<NoFix>,
    /// When the visit happened, as the cadre set it on the form (already the real time, as the
    /// app shows it); `None` for now.
    pub visited_at: Option<DateTime<Utc>>,
    /// Concerns raised.
    pub concerns: Vec<NewConcern>,
    /// Photos of the visit (at most three).
    pub photos: Vec<TakenPhoto>,
}

impl Store {
    /// Records a visit and the concerns raised in it, in one transaction. Returns once it is
    /// durably saved.
    ///
    /// `at` is the phone's wall-clock time; it is corrected by the offset learned from the
    /// server, so a phone whose clock is a day off still records the right time.
    pub fn record_visit(&self, visit: &NewVisit, at: DateTime<Utc>) -> Result<VisitId> {
        let now_ms = at.timestamp_millis();
        self.write(|tx| {
            let account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            let now = at + chrono::Duration::milliseconds(account.clock.offset_ms);
            let at = match visit.visited_at {
                Some(set) => {
                    check_visit_time(set, now).map_err(|r| StoreError::Invalid(r.message))?;
                    set
                }
                None => now,
            };
            let known: bool = tx
                .query_row(
                    "SELECT COUNT(*) FROM households WHERE id = ?1",
                    [visit.household_id.to_string()],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n > 0)?;
            if !known {
                return Err(StoreError::Invalid("unknown household".into()));
            }
            let id = VisitId::new();
            let photos = photos::keep(tx, id.0, &visit.photos, now_ms)?;
            let body = VisitBody {
                photos,
                household_id: visit.household_id,
                cadre_id: account.cadre_id,
                visited_at: at,
                mode: visit.mode,
                topics: visit.topics.clone(),
                policies: visit.policies.trim().to_owned(),
                summary: visit.summary.trim().to_owned(),
                gps: visit.gps,
                no_fix: visit.no_fix,
            };
            stamp_and_apply(tx, id.0, Payload::Visit(body), now_ms)?;
            for concern in &visit.concerns {
                let concern_id = ConcernId::new();
                let photos = photos::keep(tx, concern_id.0, &concern.photos, now_ms)?;
                let step = |action| {
                    let step = Step { actor: account.cadre_id, at, action };
                    stamp_and_apply(tx, concern_id.0, Payload::Concern(step), now_ms)
                };
                step(ConcernAction::Raise {
                    photos,
                    household_id: visit.household_id,
                    visit_id: Some(id),
                    category: concern.category,
                    description: concern.description.trim().to_owned(),
                })?;
                match &concern.disposition {
                    Disposition::Open => {}
                    Disposition::ResolvedOnSpot(note) => {
                        step(ConcernAction::ResolveOnSpot { note: note.trim().to_owned() })?;
                    }
                    Disposition::Explained(note) => {
                        step(ConcernAction::Explain { note: note.trim().to_owned() })?;
                    }
                    Disposition::Escalated(report) => {
                        step(ConcernAction::Escalate { report: report.clone() })?;
                    }
                }
            }
            Ok(id)
        })
    }

    /// Corrects or voids one of this cadre's visits (`amendment` says which fields change, or
    /// `void`, and why), within the days [`check_correction`] allows. `at` is the phone's
    /// wall-clock time.
    pub fn amend_visit(&self, amendment: AmendmentBody, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            let account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            let now = at + chrono::Duration::milliseconds(account.clock.offset_ms);
            let Some(visit) = stored_visit(tx, amendment.visit_id)? else {
                return Err(StoreError::Invalid("该走访不存在或已作废（no such visit）".into()));
            };
            if visit.cadre_id != account.cadre_id {
                return Err(StoreError::Invalid(
                    "走访只能由记录它的干部更正（only the cadre who made a visit corrects it）"
                        .into(),
                ));
            }
            let refused = |r: minqing_shared::permit::Refusal| StoreError::Invalid(r.message);
            check_correction(visit.visited_at, now).map_err(refused)?;
            if let Some(set) = amendment.visited_at {
                check_visit_time(set, now).map_err(refused)?;
            }
            let amendment = AmendmentBody {
                cadre_id: account.cadre_id,
                note: amendment.note.trim().to_owned(),
                ..amendment
            };
            if amendment.note.is_empty() {
                return Err(StoreError::Invalid("请填写更正原因（give the reason）".into()));
            }
            let local_ms = at.timestamp_millis();
            stamp_and_apply(tx, Uuid::now_v7(), Payload::VisitAmendment(amendment), local_ms)?;
            Ok(())
        })
    }

    /// Takes a step on an existing concern (e.g. explains or escalates it later).
    pub fn concern_step(
        &self,
        id: ConcernId,
        action: ConcernAction,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| {
            let account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            let local_ms = at.timestamp_millis();
            let at = at + chrono::Duration::milliseconds(account.clock.offset_ms);
            let step = Step { actor: account.cadre_id, at, action };
            stamp_and_apply(tx, id.0, Payload::Concern(step), local_ms)?;
            Ok(())
        })
    }

    /// The cadre proposes a new household in one of their villages (拟联系): it reaches the
    /// office, which confirms and files it. Returns its id.
    pub fn propose_household(&self, new: &NewHousehold, at: DateTime<Utc>) -> Result<HouseholdId> {
        self.write(|tx| {
            let account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            if !account.cadre.villages.contains(&new.village_id) {
                return Err(StoreError::Invalid(
                    "请选择本人联系的村（choose one of your villages）".into(),
                ));
            }
            let id = HouseholdId::new();
            let patch = HouseholdPatch {
                village_id: Some(new.village_id),
                head_name: Some(new.head_name.trim().to_owned()),
                address: Some(new.address.trim().to_owned()),
                phone: Some(new.phone.trim().to_owned()),
                kinds: Some(new.kinds.clone()),
                cadre_id: Some(Some(account.cadre_id)),
                status: Some(HouseholdStatus::Proposed),
                ..HouseholdPatch::default()
            };
            stamp_and_apply(tx, id.0, Payload::Household(patch), at.timestamp_millis())?;
            Ok(id)
        })
    }

    /// The cadre confirms a proposed household after visiting it.
    pub fn confirm_household(&self, id: HouseholdId, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            let patch = HouseholdPatch {
                status: Some(HouseholdStatus::Confirmed),
                ..HouseholdPatch::default()
            };
            stamp_and_apply(tx, id.0, Payload::Household(patch), at.timestamp_millis())?;
            Ok(())
        })
    }

    /// Applies a pulled page and moves the cursor, in one transaction.
    ///
    /// With `note_new_households` (any sync after the first), a household that arrives here
    /// for the first time is noted for [`Store::pending_histories`]: it may have been given to
    /// this cadre just now, with visits and concerns from before the cursor. The note is written
    /// with the page, so a sync cut before the history arrives fetches it next time.
    pub fn apply_pull(
        &self,
        page: &PullResponse,
        local_ms: i64,
        note_new_households: bool,
    ) -> Result<()> {
        self.write(|tx| {
            let mut account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            let mut pending = pending_histories(tx)?;
            for change in &page.changes {
                if note_new_households
                    && let Payload::Household(_) = change.op.payload
                    && !household_known(tx, change.op.record_id)?
                {
                    pending.push((HouseholdId(change.op.record_id), change.server_seq));
                }
                apply_op(tx, &change.op)?;
                account.clock.observe(change.op.hlc);
            }
            set_pending_histories(tx, &pending)?;
            if let Some(m) = page.place_doubt_m {
                set_setting_in(tx, PLACE_DOUBT_SETTING, &m.to_string())?;
            }
            account.clock.observe_server_time(page.server_time, local_ms);
            tx.execute(
                "UPDATE account SET cursor = ?1, clock = ?2",
                params![page.next_cursor as i64, serde_json::to_string(&account.clock)?],
            )?;
            Ok(())
        })
    }

    /// Lets the device's clock follow the server's time from a response.
    pub fn observe_server_time(&self, server_ms: i64, local_ms: i64) -> Result<()> {
        self.write(|tx| {
            let mut account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            account.clock.observe_server_time(server_ms, local_ms);
            tx.execute("UPDATE account SET clock = ?1", [serde_json::to_string(&account.clock)?])?;
            Ok(())
        })
    }

    /// Records the outcome of a sync attempt.
    pub fn record_sync(&self, now_ms: i64, error: Option<&str>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_log (id, last_attempt_ms, last_success_ms, last_error) VALUES (1, ?1, CASE WHEN ?2 IS NULL THEN ?1 END, ?2)
                 ON CONFLICT (id) DO UPDATE SET last_attempt_ms = ?1,
                   last_success_ms = CASE WHEN ?2 IS NULL THEN ?1 ELSE last_success_ms END,
                   last_error = ?2",
                params![now_ms, error],
            )?;
            Ok(())
        })
    }
}

/// The settings key of the households whose earlier history is still to fetch.
const PENDING_HISTORIES: &str = "pending_histories";

fn household_known(c: &Connection, id: Uuid) -> Result<bool> {
    Ok(c.query_row("SELECT 1 FROM households WHERE id = ?1", [id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

fn pending_histories(c: &Connection) -> Result<Vec<(HouseholdId, u64)>> {
    let json = setting_in(c, PENDING_HISTORIES)?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?.unwrap_or_default())
}

fn set_pending_histories(c: &Connection, pending: &[(HouseholdId, u64)]) -> Result<()> {
    set_setting_in(c, PENDING_HISTORIES, &serde_json::to_string(pending)?)
}

impl Store {
    /// Households whose history up to a `server_seq` is still to fetch (see
    /// [`Store::apply_pull`]).
    pub fn pending_histories(&self) -> Result<Vec<(HouseholdId, u64)>> {
        self.read(pending_histories)
    }

    /// Applies one household's history and strikes it from the pending ones, in one transaction.
    pub fn apply_history(
        &self,
        household: HouseholdId,
        history: &HistoryResponse,
        local_ms: i64,
    ) -> Result<()> {
        self.write(|tx| {
            let mut account = load_account(tx)?.ok_or(StoreError::NotLoggedIn)?;
            for change in &history.changes {
                apply_op(tx, &change.op)?;
                account.clock.observe(change.op.hlc);
            }
            account.clock.observe_server_time(history.server_time, local_ms);
            tx.execute("UPDATE account SET clock = ?1", [serde_json::to_string(&account.clock)?])?;
            let mut pending = pending_histories(tx)?;
            pending.retain(|(h, _)| *h != household);
            set_pending_histories(tx, &pending)
        })
    }
}
