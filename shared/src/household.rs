//! Contact households 联系户 and their registration status.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{CadreId, HouseholdId, VillageId};
use crate::label::labeled_enum;

labeled_enum! {
    /// A kind of household; a household may be several.
    pub enum HouseholdKind {
        PartyVeteran = "party_veteran" => ("老党员", "Veteran party member"),
        FormerCadre = "former_cadre" => ("老干部", "Former cadre"),
        Business = "business" => ("个体工商户", "Individual business"),
        TechDemo = "tech_demo" => ("科技示范户", "Technology demonstration household"),
        Petitioner = "petitioner" => ("上访户", "Petitioner household"),
        InDifficulty = "in_difficulty" => ("困难户", "Household in difficulty"),
        Other = "other" => ("其他", "Other"),
    }
}

impl HouseholdKind {
    /// Labels that are sensitive: shown only to the roles that need them.
    pub fn is_sensitive(self) -> bool {
        matches!(self, HouseholdKind::Petitioner | HouseholdKind::InDifficulty)
    }
}

labeled_enum! {
    /// Where a household is in registration: proposed by the village, confirmed by the cadre,
    /// filed 备案 by the office.
    pub enum HouseholdStatus {
        Proposed = "proposed" => ("拟联系", "Proposed"),
        Confirmed = "confirmed" => ("已确认", "Confirmed"),
        Filed = "filed" => ("已备案", "Filed"),
    }
}

labeled_enum! {
    /// Why the office stopped linking a household (停止联系).
    pub enum RetireReason {
        MovedAway = "moved_away" => ("迁出", "Moved away"),
        Deceased = "deceased" => ("去世", "Deceased"),
        NoLongerLinked = "no_longer_linked" => ("不再联系", "No longer a contact household"),
    }
}

/// When and why a household stopped being a contact household.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Retirement {
    /// Why.
    pub reason: RetireReason,
    /// From which day (China).
    pub on: chrono::NaiveDate,
}

// The enum is declared by `labeled_enum!`, which cannot take `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for HouseholdStatus {
    fn default() -> Self {
        HouseholdStatus::Proposed
    }
}

impl HouseholdStatus {
    /// Whether the household counts against its village's quota (confirmed or filed).
    pub fn is_confirmed(self) -> bool {
        matches!(self, HouseholdStatus::Confirmed | HouseholdStatus::Filed)
    }
}

impl Household {
    /// Whether the household is due a weekly visit and counts in every figure of visits and
    /// quotas: confirmed or filed, and not retired. (A proposed household is still to be visited
    /// and confirmed; it is listed, not counted.) The phone's week and the office's agree on it.
    pub fn is_active(&self) -> bool {
        !self.deleted && self.status.is_confirmed()
    }
}

/// A contact household 联系户: the registration form 联系户登记表 is this record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    /// Its id.
    pub id: HouseholdId,
    /// The village it lives in.
    pub village_id: VillageId,
    /// Head of household 户主.
    pub head_name: String,
    /// Village group and address, e.g. 三组 12号.
    pub address: String,
    /// Phone number, if any.
    pub phone: String,
    /// Kinds of household.
    pub kinds: BTreeSet<HouseholdKind>,
    /// The linked cadre, once assigned.
    pub cadre_id: Option<CadreId>,
    /// Free notes.
    pub notes: String,
    /// Proposed → Confirmed → Filed.
    pub status: HouseholdStatus,
    /// A tombstone: the household left the system. Kept, never erased.
    pub deleted: bool,
    /// Why and since when, when the office retired it (停止联系).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retirement: Option<Retirement>,
}
