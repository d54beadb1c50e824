//! The audit log: an append-only record of who viewed or changed which household, concern or
//! report, from which device or address, and when. Phones' pulls (one line per page, with how
//! many records) and pushes (one line per accepted op) are recorded by the sync routes; the
//! office pages call [`record`] for what they show. `minqing-server audit` searches and exports.
//!
//! Also here: [`redact_household`], the rule for who sees villagers' phone numbers and the
//! petitioner / hardship labels.

use chrono::{DateTime, FixedOffset, TimeZone};
use minqing_shared::household::Household;
use minqing_shared::ids::{CadreId, DeviceId};
use minqing_shared::org::Role;

use crate::store::{AuditAction, AuditEntry, AuditRow, StoreResult, Tx};

/// Who made an audited access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    /// The account, if known.
    pub cadre: Option<CadreId>,
    /// The device (a phone; the server's device for office actions).
    pub device: Option<DeviceId>,
    /// The client's address (office pages), or the tool (`cli import`).
    pub address: Option<String>,
}

/// Records that an office account viewed one record (called after the page was shown).
pub async fn office_view(
    state: &crate::AppState,
    cadre: CadreId,
    record_type: &'static str,
    record_id: String,
) -> Result<(), crate::error::ApiError> {
    state
        .write("audit", move |tx, state| {
            let who = Who { cadre: Some(cadre), device: None, address: Some("office".into()) };
            let now = state.now_ms();
            Ok(record(tx, &who, AuditAction::View, record_type, Some(record_id.clone()), 1, now)?)
        })
        .await
}

/// Records that an office account exported `rows` records as `what` (e.g. `households.csv`;
/// `record_id` names the report, when it is one): a view, with how many records left the
/// server in a file.
pub async fn office_export(
    state: &crate::AppState,
    cadre: CadreId,
    what: &'static str,
    record_id: Option<String>,
    rows: usize,
) -> Result<(), crate::error::ApiError> {
    let rows = u32::try_from(rows).unwrap_or(u32::MAX);
    state
        .write("audit_export", move |tx, state| {
            let who = Who { cadre: Some(cadre), device: None, address: Some("office".into()) };
            let (now, id) = (state.now_ms(), record_id.clone());
            Ok(record(tx, &who, AuditAction::View, what, id, rows, now)?)
        })
        .await
}

/// Records that an office account changed one record, in the caller's transaction: what the
/// office keeps outside the sync log (the account pages: [`ACCOUNT_DISABLED`],
/// [`ACCOUNT_ENABLED`], [`PASSWORD_RESET`] of an account, [`DEVICE_REVOKED`] of a device; an
/// evaluation note; an assignment warning overridden). Changes made as ops are recorded by
/// `office::kit::act::act`.
pub fn office_change(
    tx: &mut Tx<'_>,
    cadre: CadreId,
    record_type: &str,
    record_id: String,
    now_ms: i64,
) -> StoreResult<()> {
    let who = Who { cadre: Some(cadre), device: None, address: Some("office".into()) };
    record(tx, &who, AuditAction::Change, record_type, Some(record_id), 1, now_ms)
}

/// The record type of an account disabled from the office pages (the record is the cadre).
pub const ACCOUNT_DISABLED: &str = "account_disabled";
/// The record type of an account enabled again (the record is the cadre).
pub const ACCOUNT_ENABLED: &str = "account_enabled";
/// The record type of a password reset (the record is the cadre).
pub const PASSWORD_RESET: &str = "password_reset";
/// The record type of a device revoked (the record is the device).
pub const DEVICE_REVOKED: &str = "device_revoked";
/// The record type of a phone ordered wiped (a lost one: erased at its next contact).
pub const DEVICE_WIPE_ORDERED: &str = "device_wipe_ordered";
/// The record type of a phone ordered retired (handed over: sends what is unsent, then erases).
pub const DEVICE_RETIRE_ORDERED: &str = "device_retire_ordered";
/// The record type of a phone's report that it erased itself.
pub const DEVICE_ERASED: &str = "device_erased";

/// Appends one line to the audit log, in the caller's transaction: `who` did `action` on
/// `count` records of `record_type` (one record: `record_id`).
pub fn record(
    tx: &mut Tx<'_>,
    who: &Who,
    action: AuditAction,
    record_type: &str,
    record_id: Option<String>,
    count: u32,
    now_ms: i64,
) -> StoreResult<()> {
    tx.insert_audit(&AuditEntry {
        at_ms: now_ms,
        cadre_id: who.cadre,
        device_id: who.device,
        address: who.address.clone(),
        action,
        record_type: record_type.to_owned(),
        record_id,
        count,
    })
}

/// A household as `viewer` (of `role`) may see it.
///
/// The rule: the offices (联系户办公室), the Organization Department and administrators see
/// everything, and so does the field cadre linked to the household, who visits it and needs its
/// phone and its situation. Anyone else — another field cadre — sees the household without its
/// phone number and without the sensitive kinds (上访户 petitioner, 困难户 in difficulty).
pub fn redact_household(role: Role, viewer: CadreId, h: &Household) -> Household {
    let needs_all = role.is_office() || h.cadre_id == Some(viewer);
    if needs_all {
        return h.clone();
    }
    let mut out = h.clone();
    out.phone.clear();
    out.kinds.retain(|k| !k.is_sensitive());
    out
}

/// An instant as China Standard Time, 2026-12-05 14:30:05.
pub fn china_time(ms: i64) -> String {
    minqing_shared::calendar::china().timestamp_millis_opt(ms).single().map_or_else(
        || ms.to_string(),
        |t: DateTime<FixedOffset>| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// The column headers of an export.
pub const HEADERS: [&str; 9] = [
    "时间 time",
    "用户 user",
    "干部 cadre",
    "设备 device",
    "地址 address",
    "操作 action",
    "类型 type",
    "记录 record",
    "数量 count",
];

/// One exported line, in [`HEADERS`] order (times in China Standard Time).
pub fn export_row(row: &AuditRow) -> [String; 9] {
    let e = &row.entry;
    [
        china_time(e.at_ms),
        row.username.clone().unwrap_or_default(),
        e.cadre_id.map(|c| c.to_string()).unwrap_or_default(),
        e.device_id.map(|d| d.to_string()).unwrap_or_default(),
        e.address.clone().unwrap_or_default(),
        e.action.code().to_owned(),
        e.record_type.clone(),
        e.record_id.clone().unwrap_or_default(),
        e.count.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use minqing_shared::household::{HouseholdKind, HouseholdStatus};
    use minqing_shared::ids::{HouseholdId, VillageId};

    fn household(cadre: CadreId) -> Household {
        Household {
            id: HouseholdId::new(),
            village_id: VillageId::new(),
            head_name: "张老汉".into(),
            address: "三组".into(),
            phone: "13900000000".into(),
            kinds: [
                HouseholdKind::PartyVeteran,
                HouseholdKind::Petitioner,
                HouseholdKind::InDifficulty,
            ]
            .into(),
            cadre_id: Some(cadre),
            notes: String::new(),
            status: HouseholdStatus::Confirmed,
            deleted: false,
            retirement: None,
        }
    }

    #[test]
    fn only_the_linked_cadre_and_the_offices_see_phone_and_sensitive_kinds() {
        let linked = CadreId::new();
        let other = CadreId::new();
        let h = household(linked);
        let cases = [
            ("the linked cadre", Role::Ordinary, linked, true),
            ("another field cadre", Role::Ordinary, other, false),
            ("a leadership member not linked", Role::LeadershipMember, other, false),
            ("the contact-household office", Role::Office, other, true),
            ("the Organization Department", Role::OrganizationDept, other, true),
            ("an administrator", Role::Admin, other, true),
        ];
        for (name, role, viewer, sees_all) in cases {
            let seen = redact_household(role, viewer, &h);
            assert_eq!(seen == h, sees_all, "{name}");
            if !sees_all {
                assert!(seen.phone.is_empty(), "{name}");
                assert_eq!(seen.kinds, [HouseholdKind::PartyVeteran].into(), "{name}");
                assert_eq!(seen.head_name, h.head_name, "{name}");
            }
        }
    }
}
