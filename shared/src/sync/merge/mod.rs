//! Merge rules, identical on server and phone: households merge field by field, last writer wins
//! by [`Stamp`]; a concern's state is the deterministic fold of its steps in stamp order; visits
//! are append-only. Every function here is pure, commutative and idempotent over the same ops.

mod concern;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hlc::Stamp;
use super::op::HouseholdPatch;
use crate::household::{Household, HouseholdKind, HouseholdStatus, Retirement};
use crate::ids::{CadreId, HouseholdId, VillageId};

pub use concern::{Anomaly, ConcernEvent, ConcernState, SupervisionRecord, VoidedStep};

/// A value with the stamp of the write that set it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lww<T> {
    /// The current value.
    pub value: T,
    /// The stamp of the write that set it; `None` while unset.
    pub stamp: Option<Stamp>,
}

impl<T: Ord> Lww<T> {
    /// Keeps the greatest value ever written (ties: the later stamp), for fields that only move
    /// forward. Commutative and idempotent like [`merge`](Self::merge).
    pub fn merge_max(&mut self, value: T, stamp: Stamp) -> bool {
        let newer = match self.stamp {
            None => true,
            Some(current) => (&value, stamp) > (&self.value, current),
        };
        if newer {
            self.value = value;
            self.stamp = Some(stamp);
        }
        newer
    }
}

impl<T> Lww<T> {
    /// Sets `value` if `stamp` is later than the current one. Returns whether it changed.
    pub fn merge(&mut self, value: T, stamp: Stamp) -> bool {
        if self.stamp.is_some_and(|current| current >= stamp) {
            return false;
        }
        self.value = value;
        self.stamp = Some(stamp);
        true
    }
}

/// A household with a stamp per field: the merged state of all its ops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdState {
    /// The household.
    pub id: HouseholdId,
    /// Village (unset until the creating op arrives).
    pub village_id: Lww<Option<VillageId>>,
    /// Head of household.
    pub head_name: Lww<String>,
    /// Group and address.
    pub address: Lww<String>,
    /// Phone.
    pub phone: Lww<String>,
    /// Kinds.
    pub kinds: Lww<BTreeSet<HouseholdKind>>,
    /// Linked cadre.
    pub cadre_id: Lww<Option<CadreId>>,
    /// Notes.
    pub notes: Lww<String>,
    /// Registration status.
    pub status: Lww<HouseholdStatus>,
    /// Tombstone.
    pub deleted: Lww<bool>,
    /// Why and since when it was retired.
    #[serde(default)]
    pub retirement: Lww<Option<Retirement>>,
}

impl HouseholdState {
    /// A household no op has touched yet.
    pub fn new(id: HouseholdId) -> Self {
        Self {
            id,
            village_id: Lww::default(),
            head_name: Lww::default(),
            address: Lww::default(),
            phone: Lww::default(),
            kinds: Lww::default(),
            cadre_id: Lww::default(),
            notes: Lww::default(),
            status: Lww::default(),
            deleted: Lww::default(),
            retirement: Lww::default(),
        }
    }

    /// Merges one patch written at `stamp`. Returns whether anything changed.
    pub fn apply(&mut self, stamp: Stamp, patch: &HouseholdPatch) -> bool {
        let mut changed = false;
        if let Some(v) = patch.village_id {
            changed |= self.village_id.merge(Some(v), stamp);
        }
        if let Some(v) = &patch.head_name {
            changed |= self.head_name.merge(v.clone(), stamp);
        }
        if let Some(v) = &patch.address {
            changed |= self.address.merge(v.clone(), stamp);
        }
        if let Some(v) = &patch.phone {
            changed |= self.phone.merge(v.clone(), stamp);
        }
        if let Some(v) = &patch.kinds {
            changed |= self.kinds.merge(v.iter().copied().collect(), stamp);
        }
        if let Some(v) = patch.cadre_id {
            changed |= self.cadre_id.merge(v, stamp);
        }
        if let Some(v) = &patch.notes {
            changed |= self.notes.merge(v.clone(), stamp);
        }
        if let Some(v) = patch.status {
            // Registration only moves forward (proposed → confirmed → filed): a cadre's late
            // "confirm" must not undo the office's filing.
            changed |= self.status.merge_max(v, stamp);
        }
        if let Some(v) = patch.deleted {
            changed |= self.deleted.merge(v, stamp);
        }
        if let Some(v) = patch.retirement {
            changed |= self.retirement.merge(v, stamp);
        }
        changed
    }

    /// The latest clock value of any of its fields.
    pub fn max_hlc(&self) -> super::hlc::Hlc {
        [
            self.village_id.stamp,
            self.head_name.stamp,
            self.address.stamp,
            self.phone.stamp,
            self.kinds.stamp,
            self.cadre_id.stamp,
            self.notes.stamp,
            self.status.stamp,
            self.deleted.stamp,
            self.retirement.stamp,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.hlc)
        .max()
        .unwrap_or_default()
    }

    /// The household as a plain record, once its village is known.
    pub fn household(&self) -> Option<Household> {
        Some(Household {
            id: self.id,
            village_id: self.village_id.value?,
            head_name: self.head_name.value.clone(),
            address: self.address.value.clone(),
            phone: self.phone.value.clone(),
            kinds: self.kinds.value.clone(),
            cadre_id: self.cadre_id.value,
            notes: self.notes.value.clone(),
            status: self.status.value,
            deleted: self.deleted.value,
            retirement: self.retirement.value,
        })
    }
}

/// A unit's monthly report as its ops leave it: each op carries the whole report, and the
/// latest (in log order) wins; the time it was filed is the time of the op that filed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportState {
    /// The report's record id (one per unit and month).
    pub id: uuid::Uuid,
    /// The latest body.
    pub body: super::op::ReportBody,
    /// When the Organization Department filed it.
    pub filed_at: Option<DateTime<Utc>>,
}

impl ReportState {
    /// The state after the next op (`at`: its clock's time) of a report in state `prev`.
    pub fn next(
        prev: Option<&ReportState>,
        id: uuid::Uuid,
        body: super::op::ReportBody,
        at: Option<DateTime<Utc>>,
    ) -> ReportState {
        let filed_at = match body.status {
            super::op::ReportStatus::Filed => prev.and_then(|r| r.filed_at).or(at),
            _ => None,
        };
        ReportState { id, body, filed_at }
    }
}
