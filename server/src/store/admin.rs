//! The administration: passwords, disabled accounts, the account list, and the audit log (who
//! viewed or changed what, from which device or address, and when).

use minqing_shared::ids::{CadreId, DeviceId};
use minqing_shared::org::Cadre;

use super::decode::{self, CADRE_COLUMNS, CADRE_WIDTH};
use super::sql::{Value, args};
use super::{StoreError, StoreResult, Tx};

/// An account as the administrator lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    /// The cadre.
    pub cadre: Cadre,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether its password must be changed at the next login.
    pub must_change_password: bool,
}

/// What an audited access did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// Read records (a pull page, an office page).
    View,
    /// Changed a record (an accepted op, an import).
    Change,
}

impl AuditAction {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::View => "view",
            AuditAction::Change => "change",
        }
    }

    /// From the stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "view" => Some(AuditAction::View),
            "change" => Some(AuditAction::Change),
            _ => None,
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// When, in ms since the epoch.
    pub at_ms: i64,
    /// The account, if known.
    pub cadre_id: Option<CadreId>,
    /// The device (phones, the server's own device for office actions).
    pub device_id: Option<DeviceId>,
    /// The client's address (office pages), or the tool (`cli import`).
    pub address: Option<String>,
    /// View or change.
    pub action: AuditAction,
    /// Which kind of record: `household`, `concern`, `monthly_report`, `pull` …
    pub record_type: String,
    /// Which record, if one.
    pub record_id: Option<String>,
    /// How many records (a pull page), else 1.
    pub count: u32,
}

/// A stored line of the audit log, with the account's login name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// Its sequence number.
    pub id: i64,
    /// The line.
    pub entry: AuditEntry,
    /// The account's login name, if the account exists.
    pub username: Option<String>,
}

/// A search of the audit log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this account's lines.
    pub cadre: Option<CadreId>,
    /// Only lines at or after this time.
    pub since_ms: Option<i64>,
    /// Only lines before this time.
    pub until_ms: Option<i64>,
    /// Only views, or only changes.
    pub action: Option<AuditAction>,
    /// Only lines older than this one (the next page of a search).
    pub before_id: Option<i64>,
    /// At most this many lines, newest first.
    pub limit: u32,
}

impl Tx<'_> {
    /// Sets an account's password hash and whether it must be changed at the next login; ends
    /// every sign-in of the account, its phones' tokens and its office sessions (a reset password
    /// opens nothing the old one had opened).
    pub fn set_password(
        &mut self,
        cadre: CadreId,
        hash: &str,
        must_change: bool,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE cadres SET password_hash = $2, must_change_password = $3 WHERE id = $1",
            &args![cadre, hash, must_change],
        )?;
        self.end_sign_ins(cadre, now_ms, None)
    }

    /// The account's own change: sets `hash` only if the stored hash is still `verified`, the
    /// one its current password was checked against — a reset in between wins. Ends every
    /// sign-in of the account but `keep`'s device, whose token becomes `keep`'s new hash.
    /// Whether it changed.
    pub fn replace_password(
        &mut self,
        cadre: CadreId,
        verified: &str,
        hash: &str,
        now_ms: i64,
        keep: Option<(DeviceId, &str)>,
    ) -> StoreResult<bool> {
        let n = self.execute(
            "UPDATE cadres SET password_hash = $3, must_change_password = $4
             WHERE id = $1 AND password_hash = $2",
            &args![cadre, verified, hash, false],
        )?;
        if n == 1 {
            self.end_sign_ins(cadre, now_ms, keep.map(|(device, _)| device))?;
            if let Some((device, token_hash)) = keep {
                self.execute(
                    "UPDATE devices SET token_hash = $2 WHERE id = $1",
                    &args![device, token_hash],
                )?;
            }
        }
        Ok(n == 1)
    }

    /// Ends the account's office sessions and its devices' tokens, but `keep`'s.
    fn end_sign_ins(
        &mut self,
        cadre: CadreId,
        now_ms: i64,
        keep: Option<DeviceId>,
    ) -> StoreResult<()> {
        self.end_office_sessions(cadre)?;
        match keep {
            Some(device) => self.execute(
                "UPDATE devices SET revoked_ms = $2
                 WHERE cadre_id = $1 AND revoked_ms IS NULL AND id <> $3",
                &args![cadre, now_ms, device],
            )?,
            None => self.execute(
                "UPDATE devices SET revoked_ms = $2 WHERE cadre_id = $1 AND revoked_ms IS NULL",
                &args![cadre, now_ms],
            )?,
        };
        Ok(())
    }

    /// Whether the account must change its password before a phone may log in.
    pub fn must_change_password(&mut self, cadre: CadreId) -> StoreResult<bool> {
        self.query_opt("SELECT must_change_password FROM cadres WHERE id = $1", &args![cadre])?
            .map_or(Ok(false), |r| r.bool(0))
    }

    /// Disables or enables an account; disabling ends its office sessions.
    pub fn set_disabled(&mut self, cadre: CadreId, disabled: bool) -> StoreResult<()> {
        self.execute("UPDATE cadres SET disabled = $2 WHERE id = $1", &args![cadre, disabled])?;
        if disabled {
            self.end_office_sessions(cadre)?;
        }
        Ok(())
    }

    fn end_office_sessions(&mut self, cadre: CadreId) -> StoreResult<()> {
        self.execute("DELETE FROM office_sessions WHERE cadre_id = $1", &args![cadre])?;
        Ok(())
    }

    /// Every account, with whether it is disabled and must change its password, by login name.
    pub fn all_accounts(&mut self) -> StoreResult<Vec<AccountRow>> {
        let sql = format!(
            "SELECT {CADRE_COLUMNS}, c.disabled, c.must_change_password FROM cadres c
             ORDER BY c.username"
        );
        self.query(&sql, &[])?
            .iter()
            .map(|r| {
                Ok(AccountRow {
                    cadre: decode::cadre(r, 0)?,
                    disabled: r.bool(CADRE_WIDTH)?,
                    must_change_password: r.bool(CADRE_WIDTH + 1)?,
                })
            })
            .collect()
    }

    /// Appends lines to the audit log.
    pub fn insert_audits(&mut self, entries: &[AuditEntry]) -> StoreResult<()> {
        let rows: Vec<Vec<Value>> = entries
            .iter()
            .map(|e| {
                args![
                    e.at_ms,
                    e.cadre_id,
                    e.device_id,
                    e.address.as_deref(),
                    e.action.code(),
                    e.record_type.as_str(),
                    e.record_id.as_deref(),
                    e.count
                ]
                .to_vec()
            })
            .collect();
        self.insert_rows(
            "INSERT INTO audit (at_ms, cadre_id, device_id, address, action, record_type,
                                record_id, count)",
            8,
            "",
            &rows,
        )
    }

    /// Appends a line to the audit log.
    pub fn insert_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        self.insert_audits(std::slice::from_ref(entry))
    }

    /// Lines of the audit log, newest first.
    pub fn audit_entries(&mut self, q: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
        self.query(
            "SELECT a.id, a.at_ms, a.cadre_id, a.device_id, a.address, a.action, a.record_type,
                    a.record_id, a.count, c.username
             FROM audit a LEFT JOIN cadres c ON c.id = a.cadre_id
             WHERE (CAST($1 AS TEXT) IS NULL OR a.cadre_id = $1)
               AND (CAST($2 AS BIGINT) IS NULL OR a.at_ms >= $2)
               AND (CAST($4 AS BIGINT) IS NULL OR a.at_ms < $4)
               AND (CAST($5 AS TEXT) IS NULL OR a.action = $5)
               AND (CAST($6 AS BIGINT) IS NULL OR a.id < $6)
             ORDER BY a.id DESC LIMIT $3",
            &args![
                q.cadre,
                q.since_ms,
                q.limit,
                q.until_ms,
                q.action.map(AuditAction::code),
                q.before_id
            ],
        )?
        .iter()
        .map(|r| {
            let action = r.str(5)?;
            Ok(AuditRow {
                id: r.int(0)?,
                entry: AuditEntry {
                    at_ms: r.int(1)?,
                    cadre_id: r.opt_parse(2)?,
                    device_id: r.opt_parse(3)?,
                    address: r.opt_text(4)?,
                    action: AuditAction::from_code(action)
                        .ok_or_else(|| StoreError::Corrupt(format!("audit action {action:?}")))?,
                    record_type: r.text(6)?,
                    record_id: r.opt_text(7)?,
                    count: u32::try_from(r.int(8)?).unwrap_or(u32::MAX),
                },
                username: r.opt_text(9)?,
            })
        })
        .collect()
    }
}
