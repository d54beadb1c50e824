//! Records only the office pages keep (sessions, evaluation notes) and the light rows the pages
//! read in bulk. Everything an office *does* to households and concerns is an op in the log;
//! these are the office's own bookkeeping, never synced to phones.

use minqing_shared::ids::{CadreId, HouseholdId, UnitId};
use uuid::Uuid;

/// A logged-in office browser. Only the SHA-256 of the cookie's random id is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeSession {
    /// SHA-256 (hex) of the session id in the cookie.
    pub id_hash: String,
    /// The account.
    pub cadre_id: CadreId,
    /// The per-session token every form carries.
    pub csrf: String,
    /// When the session was opened, ms since the epoch.
    pub created_ms: i64,
    /// When it was last used; it expires after a spell of inactivity.
    pub last_ms: i64,
}

/// A reward or a criticism recorded at an evaluation 考核奖惩.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteKind {
    /// 表彰奖励.
    Reward,
    /// 通报批评.
    Criticism,
}

impl NoteKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            NoteKind::Reward => "reward",
            NoteKind::Criticism => "criticism",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "reward" => Some(NoteKind::Reward),
            "criticism" => Some(NoteKind::Criticism),
            _ => None,
        }
    }
}

/// One reward or criticism, for a unit or one of its cadres, in an evaluation period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationNote {
    /// Its id.
    pub id: Uuid,
    /// The period's code, e.g. `2026-Q4` (`minqing_shared::calendar::Period::code`).
    pub period: String,
    /// The unit concerned.
    pub unit_id: UnitId,
    /// The cadre concerned, if the note is about one person.
    pub cadre_id: Option<CadreId>,
    /// Reward or criticism.
    pub kind: NoteKind,
    /// What for.
    pub text: String,
    /// Who recorded it.
    pub author: CadreId,
    /// When, ms since the epoch.
    pub created_ms: i64,
}

/// A visit without its text: what coverage figures are counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitFact {
    /// The household visited.
    pub household_id: HouseholdId,
    /// The cadre who visited.
    pub cadre_id: CadreId,
    /// When, ms since the epoch.
    pub visited_ms: i64,
    /// Whether it was in person (only those count as the weekly visit).
    pub in_person: bool,
}

/// An office's reason for accepting an assignment rule not met 联系安排说明 (the seed's rules
/// warn; an office may override a warning with a reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentOverride {
    /// The rule's code (`minqing_shared::rules::Warning::code`).
    pub code: String,
    /// The record the warning is about (`Warning::subject`).
    pub subject: Uuid,
    /// Why the office accepts it.
    pub reason: String,
    /// Who accepted it.
    pub author: CadreId,
    /// When, ms since the epoch.
    pub created_ms: i64,
}
