//! What only the server keeps, never synced to phones: the office's browser sessions, the
//! evaluations' rewards and criticisms, the office's reasons for accepting assignment warnings,
//! and the server's settings. Everything an office *does* to households and concerns is an op
//! in the log instead.

use minqing_shared::ids::{CadreId, UnitId};
use uuid::Uuid;

use super::sql::args;
use super::{StoreResult, Tx};

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

impl Tx<'_> {
    /// A value from the settings table.
    pub fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        self.query_opt("SELECT value FROM meta WHERE key = $1", &args![key])?
            .map(|r| r.text(0))
            .transpose()
    }

    /// Sets a value in the settings table.
    pub fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &args![key, value],
        )?;
        Ok(())
    }

    /// Stores a new office session.
    pub fn insert_office_session(&mut self, s: &OfficeSession) -> StoreResult<()> {
        self.execute(
            "INSERT INTO office_sessions (id_hash, cadre_id, csrf, created_ms, last_ms)
             VALUES ($1, $2, $3, $4, $5)",
            &args![s.id_hash.as_str(), s.cadre_id, s.csrf.as_str(), s.created_ms, s.last_ms],
        )?;
        Ok(())
    }

    /// An office session by the hash of its id.
    pub fn office_session(&mut self, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
        self.query_opt(
            "SELECT cadre_id, csrf, created_ms, last_ms FROM office_sessions WHERE id_hash = $1",
            &args![id_hash],
        )?
        .map(|r| {
            Ok(OfficeSession {
                id_hash: id_hash.to_owned(),
                cadre_id: r.parse(0)?,
                csrf: r.text(1)?,
                created_ms: r.int(2)?,
                last_ms: r.int(3)?,
            })
        })
        .transpose()
    }

    /// Marks an office session as used now.
    pub fn touch_office_session(&mut self, id_hash: &str, now_ms: i64) -> StoreResult<()> {
        self.execute(
            "UPDATE office_sessions SET last_ms = $2 WHERE id_hash = $1",
            &args![id_hash, now_ms],
        )?;
        Ok(())
    }

    /// Ends an office session, and every session idle since before `idle_before_ms`.
    pub fn delete_office_session(&mut self, id_hash: &str, idle_before_ms: i64) -> StoreResult<()> {
        self.execute(
            "DELETE FROM office_sessions WHERE id_hash = $1 OR last_ms < $2",
            &args![id_hash, idle_before_ms],
        )?;
        Ok(())
    }

    /// Records a reward or criticism.
    pub fn insert_evaluation_note(&mut self, n: &EvaluationNote) -> StoreResult<()> {
        self.execute(
            "INSERT INTO evaluation_notes (id, period, unit_id, cadre_id, kind, text, author,
                                           created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &args![
                n.id,
                n.period.as_str(),
                n.unit_id,
                n.cadre_id,
                n.kind.code(),
                n.text.as_str(),
                n.author,
                n.created_ms
            ],
        )?;
        Ok(())
    }

    /// The rewards and criticisms of a period, oldest first.
    pub fn evaluation_notes(&mut self, period: &str) -> StoreResult<Vec<EvaluationNote>> {
        self.query(
            "SELECT id, unit_id, cadre_id, kind, text, author, created_ms FROM evaluation_notes
             WHERE period = $1 ORDER BY created_ms, id",
            &args![period],
        )?
        .iter()
        .map(|r| {
            Ok(EvaluationNote {
                id: r.parse(0)?,
                period: period.to_owned(),
                unit_id: r.parse(1)?,
                cadre_id: r.opt_parse(2)?,
                kind: r.code(3, NoteKind::from_code)?,
                text: r.text(4)?,
                author: r.parse(5)?,
                created_ms: r.int(6)?,
            })
        })
        .collect()
    }

    /// Every override of an assignment warning, oldest first.
    pub fn assignment_overrides(&mut self) -> StoreResult<Vec<AssignmentOverride>> {
        self.query(
            "SELECT code, subject, reason, author, created_ms FROM assignment_overrides
             ORDER BY created_ms",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(AssignmentOverride {
                code: r.text(0)?,
                subject: r.parse(1)?,
                reason: r.text(2)?,
                author: r.parse(3)?,
                created_ms: r.int(4)?,
            })
        })
        .collect()
    }

    /// Records (or replaces) the override of one warning.
    pub fn put_assignment_override(&mut self, o: &AssignmentOverride) -> StoreResult<()> {
        self.execute(
            "INSERT INTO assignment_overrides (code, subject, reason, author, created_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code, subject) DO UPDATE SET reason = excluded.reason,
               author = excluded.author, created_ms = excluded.created_ms",
            &args![o.code.as_str(), o.subject, o.reason.as_str(), o.author, o.created_ms],
        )?;
        Ok(())
    }
}
