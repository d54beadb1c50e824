//! Visits 走访 / 恳谈: one entry on the people's-condition contact card 民情联系卡.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CadreId, HouseholdId, VisitId};
use crate::label::labeled_enum;
use crate::photo::PhotoId;
use crate::sync::op::AmendmentBody;

labeled_enum! {
    /// How the contact happened. Only an in-person visit counts as the week's visit.
    pub enum VisitMode {
        InPerson = "in_person" => ("入户走访", "In person"),
        PhoneFromHousehold = "phone_from_household" => ("群众来电", "Household called"),
    }
}

labeled_enum! {
    /// What was talked about (the seed's 民情恳谈 topics).
    pub enum Topic {
        LeadershipTeam = "leadership_team" => ("班子建设", "Village leadership"),
        KeyWork = "key_work" => ("重点工作", "Key work"),
        HotIssues = "hot_issues" => ("热点难点", "Hot and difficult issues"),
        Stability = "stability" => ("社会稳定", "Social stability"),
        Civility = "civility" => ("精神文明", "Civility"),
        LatestNews = "latest_news" => ("最新动态", "Latest news"),
    }
}

impl VisitMode {
    /// Whether a contact of this kind counts as the household's weekly visit: only in person
    /// (the seed's 民情恳谈制度 asks for a face-to-face talk each week). A call is recorded, and
    /// its concerns count, but the household stays due. Every count of visits asks this.
    pub fn counts_as_weekly_visit(self) -> bool {
        matches!(self, VisitMode::InPerson)
    }

    /// The modes that count as the weekly visit, for queries that filter on the stored code.
    pub fn weekly() -> impl Iterator<Item = VisitMode> {
        VisitMode::ALL.iter().copied().filter(|m| m.counts_as_weekly_visit())
    }
}

/// A location fix taken when the visit was recorded (WGS-84, as the platform gives it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoFix {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Accuracy radius, metres.
    #[serde(default)]
    pub accuracy_m: Option<f32>,
    /// When the platform took the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_at: Option<DateTime<Utc>>,
}

labeled_enum! {
    /// Why a visit has no location: recorded honestly, never blocking the save.
    pub enum NoFix {
        Denied = "denied" => ("未授权定位", "Location not allowed"),
        Timeout = "timeout" => ("定位超时", "No fix in time"),
        Unavailable = "unavailable" => ("设备无定位", "No location on this device"),
    }
}

/// A visit. Its op never changes: corrections and voiding are [`AmendmentBody`] ops, applied by
/// [`Visit::amended`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Its id.
    pub id: VisitId,
    /// The household visited.
    pub household_id: HouseholdId,
    /// The cadre who visited (must be the author of the op).
    pub cadre_id: CadreId,
    /// When it happened.
    pub visited_at: DateTime<Utc>,
    /// In person, or the household called.
    pub mode: VisitMode,
    /// Topics talked about.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Policies and laws explained 宣讲政策.
    #[serde(default)]
    pub policies: String,
    /// What was said.
    #[serde(default)]
    pub summary: String,
    /// Where, if the phone had a fix.
    #[serde(default)]
    pub gps: Option<GeoFix>,
    /// Why there is no fix, when the phone said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_fix: Option<NoFix>,
    /// Photos taken (at most [`MAX_PER_RECORD`](crate::photo::MAX_PER_RECORD)); their bytes
    /// travel apart, after the op.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoId>,
}

impl Visit {
    /// Whether this visit counts as the household's weekly visit.
    pub fn counts_as_weekly_visit(&self) -> bool {
        self.mode.counts_as_weekly_visit()
    }
}

impl Visit {
    /// The visit as `amendment` leaves it: `None` if voided, else with the corrected fields.
    /// The same on the server and on every phone.
    pub fn amended(&self, amendment: &AmendmentBody) -> Option<Visit> {
        if amendment.void {
            return None;
        }
        let mut visit = self.clone();
        if let Some(at) = amendment.visited_at {
            visit.visited_at = at;
        }
        if let Some(mode) = amendment.mode {
            visit.mode = mode;
        }
        if let Some(topics) = &amendment.topics {
            visit.topics = topics.clone();
        }
        if let Some(policies) = &amendment.policies {
            visit.policies = policies.clone();
        }
        if let Some(summary) = &amendment.summary {
            visit.summary = summary.clone();
        }
        Some(visit)
    }
}
