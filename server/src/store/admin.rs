//! Records of the administration: devices as the administrator lists them, and the audit log
//! (who viewed or changed what, from which device or address, and when). The backends'
//! queries are in `sqlite_admin.rs` and `postgres_admin.rs`.

use minqing_shared::ids::{CadreId, DeviceId};

use super::CadreRow;

/// An account as the administrator lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    /// The cadre.
    pub cadre: CadreRow,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether its password must be changed at the next login.
    pub must_change_password: bool,
}

/// A device as the administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    /// Its id.
    pub id: DeviceId,
    /// Its cadre (none for a server's own device).
    pub cadre_id: Option<CadreId>,
    /// Its cadre's login name.
    pub username: Option<String>,
    /// The name the phone gave at login.
    pub name: String,
    /// When it logged in.
    pub created_ms: i64,
    /// When it last synced (written at most once a minute).
    pub last_seen_ms: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
    /// The app version it last reported (`minqing-mobile/0.1.0`), if any.
    pub app_version: Option<String>,
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

/// A phone logging in, as [`Tx::insert_device`](super::Tx::insert_device) registers it.
#[derive(Clone, Copy, Debug)]
pub struct NewDevice<'a> {
    /// Its new id.
    pub id: DeviceId,
    /// The account that logged in.
    pub cadre: CadreId,
    /// The name the phone gave.
    pub name: &'a str,
    /// The hash of its token.
    pub token_hash: &'a str,
    /// The app version it reported, if any.
    pub app_version: Option<&'a str>,
}

/// A part of the data that some writes decide about as a whole: see
/// [`Tx::exclusive`](super::Tx::exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The monthly reports (their state is the latest op of each).
    MonthlyReports,
    /// The roster: units, villages, cadres and households as an import plans them.
    Roster,
}
