//! Where a record stands, as the permission table tells states apart: a household's status, a
//! concern's, a report's, the class of an account acted on.

use super::{Class, Record};
use crate::concern::ConcernStatus;
use crate::household::{Household, HouseholdStatus};
use crate::org::Role;
use crate::sync::op::ReportStatus;

/// Where a record stands, as the table tells states apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Not yet stored (the action creates it).
    New,
    /// A household the village proposed 拟联系.
    Proposed,
    /// A household the cadre visited and confirmed 已确认.
    Confirmed,
    /// A household the office filed 已备案.
    Filed,
    /// A household no longer contacted (moved away, died, no longer linked).
    Retired,
    /// A stored record with no states of its own (a visit, a unit, a village, a cadre).
    Existing,
    /// A concern raised and not yet handled.
    Raised,
    /// Resolved on the spot.
    ResolvedOnSpot,
    /// Explained to the household.
    Explained,
    /// Escalated with a special report.
    Escalated,
    /// Assigned by the joint meeting.
    Assigned,
    /// Done 办结.
    Done,
    /// A monthly report being written.
    Draft,
    /// A monthly report submitted to the Organization Department.
    Submitted,
    /// A monthly report the Organization Department filed.
    ReportFiled,
    /// An account of a field cadre, acted on.
    FieldAccount,
    /// An office's account, acted on.
    OfficeAccount,
    /// An Organization Department account, acted on.
    OrgAccount,
    /// An administrator's account, acted on.
    AdminAccount,
}

impl Phase {
    /// A household's phase (`None`: not stored yet).
    pub fn of_household(h: Option<&Household>) -> Phase {
        match h {
            None => Phase::New,
            Some(h) if h.deleted => Phase::Retired,
            Some(h) => match h.status {
                HouseholdStatus::Proposed => Phase::Proposed,
                HouseholdStatus::Confirmed => Phase::Confirmed,
                HouseholdStatus::Filed => Phase::Filed,
            },
        }
    }

    /// A concern's phase from its stored status (`None`: not raised yet). `Overdue` is never
    /// stored; an overdue concern is `Assigned`.
    pub fn of_concern(status: Option<ConcernStatus>) -> Phase {
        match status {
            None => Phase::New,
            Some(ConcernStatus::Raised) => Phase::Raised,
            Some(ConcernStatus::ResolvedOnSpot) => Phase::ResolvedOnSpot,
            Some(ConcernStatus::Explained) => Phase::Explained,
            Some(ConcernStatus::Escalated) => Phase::Escalated,
            Some(ConcernStatus::Assigned | ConcernStatus::Overdue) => Phase::Assigned,
            Some(ConcernStatus::Done) => Phase::Done,
        }
    }

    /// A monthly report's phase (`None`: not started).
    pub fn of_report(status: Option<ReportStatus>) -> Phase {
        match status {
            None => Phase::New,
            Some(ReportStatus::Draft) => Phase::Draft,
            Some(ReportStatus::Submitted) => Phase::Submitted,
            Some(ReportStatus::Filed) => Phase::ReportFiled,
        }
    }

    /// The phase of an account that is acted on: its class.
    pub fn of_account(role: Role) -> Phase {
        match Class::of(role) {
            Class::Field => Phase::FieldAccount,
            Class::Office => Phase::OfficeAccount,
            Class::OrgDept => Phase::OrgAccount,
            Class::Admin => Phase::AdminAccount,
        }
    }

    /// The phases a record of `record` can be in.
    pub fn of_record(record: Record) -> &'static [Phase] {
        use Phase as P;
        match record {
            Record::Household => &[P::New, P::Proposed, P::Confirmed, P::Filed, P::Retired],
            Record::Visit | Record::Organisation => &[P::New, P::Existing],
            Record::Concern => &[
                P::New,
                P::Raised,
                P::ResolvedOnSpot,
                P::Explained,
                P::Escalated,
                P::Assigned,
                P::Done,
            ],
            Record::Report => &[P::New, P::Draft, P::Submitted, P::ReportFiled],
            Record::Account => {
                &[P::New, P::FieldAccount, P::OfficeAccount, P::OrgAccount, P::AdminAccount]
            }
        }
    }
}
