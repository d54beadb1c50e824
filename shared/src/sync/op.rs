//! The op: one local change, as it travels from a phone (or the server's own device) to every
//! other store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::hlc::{Hlc, Stamp};
use crate::calendar::YearMonth;
use crate::concern::{ConcernAction, Step};
use crate::household::{HouseholdKind, HouseholdStatus, Retirement};
use crate::ids::{CadreId, DeviceId, HouseholdId, OpId, UnitId, VillageId};
use crate::label::labeled_enum;
use crate::org::{Role, Standing, UnitKind};
use crate::photo::PhotoId;
use crate::visit::{GeoFix, NoFix, Topic, VisitMode};

/// The schema version this build writes into every op.
pub const SCHEMA_VERSION: u32 = 1;

labeled_enum! {
    /// What kind of record an op changes.
    pub enum RecordType {
        Unit = "unit" => ("单位", "Unit"),
        Village = "village" => ("村", "Village"),
        Cadre = "cadre" => ("干部", "Cadre"),
        Household = "household" => ("联系户", "Household"),
        Visit = "visit" => ("走访", "Visit"),
        VisitAmendment = "visit_amendment" => ("走访更正", "Visit amendment"),
        Concern = "concern" => ("民情诉求", "Concern"),
        MonthlyReport = "monthly_report" => ("月报", "Monthly report"),
    }
}

/// One change to one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Unique id of this op; a re-sent op keeps its id.
    pub op_id: OpId,
    /// The device that made it.
    pub device_id: DeviceId,
    /// Dense per device, from 1.
    pub device_seq: u64,
    /// The record changed.
    pub record_id: Uuid,
    /// The schema version the op was written with.
    pub schema_version: u32,
    /// When, on the device's hybrid logical clock.
    pub hlc: Hlc,
    /// The record type and what changed.
    #[serde(flatten)]
    pub payload: Payload,
}

impl Op {
    /// The op's position in the global order.
    pub fn stamp(&self) -> Stamp {
        Stamp { hlc: self.hlc, device: self.device_id }
    }

    /// The type of record it changes.
    pub fn record_type(&self) -> RecordType {
        self.payload.record_type()
    }
}

/// The record type and body of an op. On the wire: `"record_type": "...", "body": {...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record_type", content = "body", rename_all = "snake_case")]
pub enum Payload {
    /// A unit's profile (server only).
    Unit(UnitBody),
    /// A village's profile (server only).
    Village(VillageBody),
    /// A cadre's profile (server only).
    Cadre(CadreBody),
    /// A change to some fields of a household.
    Household(HouseholdPatch),
    /// A new visit (immutable).
    Visit(VisitBody),
    /// A correction appended to a visit.
    VisitAmendment(AmendmentBody),
    /// A step in a concern's life.
    Concern(Step),
    /// A unit's monthly report (server only).
    MonthlyReport(ReportBody),
}

impl Payload {
    /// The record type of this payload.
    pub fn record_type(&self) -> RecordType {
        match self {
            Payload::Unit(_) => RecordType::Unit,
            Payload::Village(_) => RecordType::Village,
            Payload::Cadre(_) => RecordType::Cadre,
            Payload::Household(_) => RecordType::Household,
            Payload::Visit(_) => RecordType::Visit,
            Payload::VisitAmendment(_) => RecordType::VisitAmendment,
            Payload::Concern(_) => RecordType::Concern,
            Payload::MonthlyReport(_) => RecordType::MonthlyReport,
        }
    }
}

/// A unit's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitBody {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: UnitKind,
    /// The county it belongs to (absent: the author's county).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county_id: Option<crate::ids::CountyId>,
}

/// A village's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageBody {
    /// Its name.
    pub name: String,
    /// Its township.
    pub township_id: UnitId,
    /// Its population.
    pub population: u32,
    /// Its standing.
    pub standing: Standing,
}

/// A cadre's profile, as phones and the card need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadreBody {
    /// Full name.
    pub name: String,
    /// Unit.
    pub unit_id: UnitId,
    /// The unit's name, for the card.
    #[serde(default)]
    pub unit_name: String,
    /// Role.
    pub role: Role,
    /// Mobile number.
    pub phone: String,
    /// Job title.
    #[serde(default)]
    pub title: String,
    /// Contact villages.
    #[serde(default)]
    pub villages: Vec<VillageId>,
}

/// A change to some fields of a household; absent fields are untouched. Each present field is
/// merged last-writer-wins by the op's [`Stamp`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdPatch {
    /// The village.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_id: Option<VillageId>,
    /// Head of household.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_name: Option<String>,
    /// Group and address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Kinds (the whole set is one field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<HouseholdKind>>,
    /// Linked cadre (`Some(None)`, on the wire `null`, unlinks).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub cadre_id: Option<Option<CadreId>>,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Registration status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<HouseholdStatus>,
    /// Tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Why and since when it is retired (`null`: restored).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub retirement: Option<Option<Retirement>>,
}

/// A field that is present, even as `null` (absent fields take their default, `None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A visit's content; the op's `record_id` is the visit's id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    /// The household visited.
    pub household_id: HouseholdId,
    /// The cadre who visited.
    pub cadre_id: CadreId,
    /// When.
    pub visited_at: DateTime<Utc>,
    /// In person or by phone.
    pub mode: VisitMode,
    /// Topics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<Topic>,
    /// Policies explained.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub policies: String,
    /// What was said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<GeoFix>,
    /// Why there is no fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_fix: Option<NoFix>,
    /// Photos (their bytes are uploaded after the op).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoId>,
}

impl VisitBody {
    /// The visit this body records, as every store keeps it.
    pub fn into_visit(self, id: crate::ids::VisitId) -> crate::visit::Visit {
        crate::visit::Visit {
            id,
            household_id: self.household_id,
            cadre_id: self.cadre_id,
            visited_at: self.visited_at,
            mode: self.mode,
            topics: self.topics,
            policies: self.policies,
            summary: self.summary,
            gps: self.gps,
            no_fix: self.no_fix,
            photos: self.photos,
        }
    }
}

/// A correction to a visit, or its voiding 作废, by the cadre who made it, within
/// [`CORRECTION_DAYS`](crate::permit::time::CORRECTION_DAYS); the op's `record_id` is the
/// amendment's own id. The fields given replace the visit's; `void` takes the visit out of every
/// figure. The visit op itself never changes: the log keeps both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentBody {
    /// The visit corrected.
    pub visit_id: crate::ids::VisitId,
    /// The cadre correcting it.
    pub cadre_id: CadreId,
    /// Why (required).
    pub note: String,
    /// Voids the visit: it was recorded by mistake (twice, the wrong household).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub void: bool,
    /// The corrected time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visited_at: Option<DateTime<Utc>>,
    /// The corrected mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<VisitMode>,
    /// The corrected topics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<Vec<Topic>>,
    /// The corrected policies explained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<String>,
    /// The corrected summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl AmendmentBody {
    /// A correction of nothing yet, for `visit_id` by `cadre_id` because of `note`.
    pub fn new(visit_id: crate::ids::VisitId, cadre_id: CadreId, note: impl Into<String>) -> Self {
        Self {
            visit_id,
            cadre_id,
            note: note.into(),
            void: false,
            visited_at: None,
            mode: None,
            topics: None,
            policies: None,
            summary: None,
        }
    }
}

labeled_enum! {
    /// Where a monthly report stands.
    pub enum ReportStatus {
        Draft = "draft" => ("草稿", "Draft"),
        Submitted = "submitted" => ("已报送", "Submitted"),
        Filed = "filed" => ("已备案", "Filed"),
    }
}

/// A unit's monthly report 月报 (written by the server for an office action).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportBody {
    /// The unit reporting.
    pub unit_id: UnitId,
    /// The month reported on.
    pub month: YearMonth,
    /// Draft, submitted or filed.
    pub status: ReportStatus,
    /// The office's notes.
    #[serde(default)]
    pub notes: String,
    /// When it was submitted.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Whether it was submitted after the 3rd.
    #[serde(default)]
    pub late: bool,
}

/// A household id carried by a payload, when the payload is about one household.
pub fn household_of(record_id: Uuid, payload: &Payload) -> Option<HouseholdId> {
    match payload {
        Payload::Household(_) => Some(HouseholdId(record_id)),
        Payload::Visit(v) => Some(v.household_id),
        Payload::Concern(Step { action: ConcernAction::Raise { household_id, .. }, .. }) => {
            Some(*household_id)
        }
        _ => None,
    }
}
