//! The op log: each device's high-water mark, the ops appended in commit order, the refused ops
//! kept aside (quarantine), and the pages pulls read. Ops are appended set-wise, a push's worth
//! in a few statements.

use std::collections::BTreeMap;

use minqing_shared::calendar::YearMonth;
use minqing_shared::ids::{CountyId, DeviceId, HouseholdId, OpId, UnitId};
use minqing_shared::sync::merge::ReportState;
use minqing_shared::sync::op::{Payload, RecordType};
use minqing_shared::sync::{Change, Hlc, Op};

use super::sql::{Value, args, in_list, placeholders};
use super::{Scope, StoreResult, Tx, decode};

/// An op as it goes into the log, with the columns scope is computed from.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// The op.
    pub op: &'a Op,
    /// The op as JSON, as stored and pulled.
    pub body: &'a str,
    /// The household it is about, if any.
    pub household_id: Option<HouseholdId>,
    /// The unit it is addressed to, if any (reports, unit profiles).
    pub unit_id: Option<UnitId>,
}

/// An op refused and kept aside.
#[derive(Clone, Debug)]
pub struct QuarantineEntry<'a> {
    /// Sending device.
    pub device_id: DeviceId,
    /// Its seq.
    pub device_seq: u64,
    /// Its id, if readable.
    pub op_id: Option<OpId>,
    /// The op as received.
    pub raw: &'a str,
    /// Stable code.
    pub error: &'a str,
    /// Reason.
    pub message: &'a str,
}

/// A refusal kept for a device's seq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantined {
    /// The op's id, if it was readable.
    pub op_id: Option<OpId>,
    /// Stable code.
    pub error: String,
    /// Reason.
    pub message: String,
}

/// Whose monthly reports to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportsOf {
    /// One unit's.
    Unit(UnitId),
    /// Every unit's of a county.
    County(CountyId),
}

impl Tx<'_> {
    /// The last seq stored for a device (0 if none). In a write, the device's row stays locked
    /// until commit, so two copies of one push run one after the other.
    pub fn high_water(&mut self, device: DeviceId) -> StoreResult<u64> {
        let sql =
            format!("SELECT d.high_water FROM devices d WHERE d.id = $1 {}", self.lock_rows("d"));
        Ok(self.query_opt(&sql, &args![device])?.map(|r| r.int(0)).transpose()?.unwrap_or(0) as u64)
    }

    /// Moves a device's high-water mark.
    pub fn set_high_water(&mut self, device: DeviceId, seq: u64) -> StoreResult<()> {
        self.execute("UPDATE devices SET high_water = $2 WHERE id = $1", &args![device, seq])?;
        Ok(())
    }

    /// Which of `ids` are already in the log.
    pub fn logged_ops(&mut self, ids: &[OpId]) -> StoreResult<Vec<OpId>> {
        let sql = format!("SELECT op_id FROM ops WHERE op_id IN ({})", placeholders(1, ids.len()));
        self.query(&sql, &in_list(ids))?.iter().map(|r| r.parse(0)).collect()
    }

    /// Whether an op id is already in the log.
    pub fn op_exists(&mut self, op_id: OpId) -> StoreResult<bool> {
        Ok(!self.logged_ops(&[op_id])?.is_empty())
    }

    /// Appends ops in order. Their `server_seq` is handed out in order, never behind a number a
    /// pull may have seen (SQLite: as they go in, by the one writer; PostgreSQL: after the commit,
    /// by numbering transactions one at a time under the writers' lock, each numbering every
    /// committed op in arrival order — see `postgres/numbering.rs`); a pull sees an op only once
    /// numbered.
    pub fn append_ops(&mut self, entries: &[LogEntry<'_>], now_ms: i64) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let rows = entries
            .iter()
            .map(|e| {
                let op = e.op;
                Ok(args![
                    op.op_id,
                    op.device_id,
                    op.device_seq,
                    op.record_type().code(),
                    op.record_id,
                    e.household_id,
                    e.unit_id,
                    e.body,
                    now_ms
                ]
                .to_vec())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.insert_rows(
            "INSERT INTO ops (op_id, device_id, device_seq, record_type, record_id, household_id,
                              unit_id, body, received_ms)",
            9,
            "",
            &rows,
        )?;
        self.conn.number_after_commit();
        Ok(())
    }

    /// Notes that ops sent again were found stored: a server whose numbering failed after their
    /// commit may have left them without a number, so this write numbers what is left (on
    /// PostgreSQL; a numbering that finds nothing costs one round trip and no disk flush).
    pub fn number_stored_ops(&mut self) {
        self.conn.number_after_commit();
    }

    /// Keeps refused ops aside.
    pub fn quarantine(&mut self, entries: &[QuarantineEntry<'_>], now_ms: i64) -> StoreResult<()> {
        let rows: Vec<Vec<Value>> = entries
            .iter()
            .map(|q| {
                args![q.device_id, q.device_seq, q.op_id, q.raw, q.error, q.message, now_ms]
                    .to_vec()
            })
            .collect();
        self.insert_rows(
            "INSERT INTO quarantine (device_id, device_seq, op_id, raw, error, message, received_ms)",
            7,
            "",
            &rows,
        )
    }

    /// The refusal kept for a device's seq, if it was refused.
    pub fn quarantined(&mut self, device: DeviceId, seq: u64) -> StoreResult<Option<Quarantined>> {
        self.query_opt(
            "SELECT op_id, error, message FROM quarantine WHERE device_id = $1 AND device_seq = $2
             ORDER BY id DESC LIMIT 1",
            &args![device, seq],
        )?
        .map(|r| Ok(Quarantined { op_id: r.opt_parse(0)?, error: r.text(1)?, message: r.text(2)? }))
        .transpose()
    }

    /// The refusals kept for a device's seqs `from..=to`, by seq (the latest of each).
    pub fn quarantined_between(
        &mut self,
        device: DeviceId,
        from: u64,
        to: u64,
    ) -> StoreResult<BTreeMap<u64, Quarantined>> {
        let rows = self.query(
            "SELECT device_seq, op_id, error, message FROM quarantine
             WHERE device_id = $1 AND device_seq >= $2 AND device_seq <= $3 ORDER BY id",
            &args![device, from, to],
        )?;
        rows.iter()
            .map(|r| {
                let q =
                    Quarantined { op_id: r.opt_parse(1)?, error: r.text(2)?, message: r.text(3)? };
                Ok((r.int(0)? as u64, q))
            })
            .collect()
    }

    /// Records a phone's push: its new high-water mark, when it was seen, and the app version it
    /// reported (kept when `None`).
    pub fn device_synced(
        &mut self,
        device: DeviceId,
        high_water: u64,
        now_ms: i64,
        app_version: Option<&str>,
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE devices SET high_water = $2, last_seen_ms = $3,
               app_version = COALESCE($4, app_version) WHERE id = $1",
            &args![device, high_water, now_ms, app_version],
        )?;
        Ok(())
    }

    /// Changes in `scope` after `cursor`, at most `limit`, in order, leaving out the ops that
    /// `except` made (a phone has its own changes already).
    pub fn changes_since(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<DeviceId>,
    ) -> StoreResult<Vec<Change>> {
        let r = self.conn.changes_in_scope(scope, cursor, limit, except);
        self.noted(r)
    }

    /// Every change of one household (profile, visits, concerns) up to `through`, in order.
    pub fn household_history(
        &mut self,
        household: HouseholdId,
        after: u64,
        through: u64,
        limit: u32,
    ) -> StoreResult<Vec<Change>> {
        self.query(
            "SELECT server_seq, body FROM ops
             WHERE household_id = $1 AND server_seq > $2 AND server_seq <= $3
             ORDER BY server_seq LIMIT $4",
            &args![household, after, through, i64::from(limit)],
        )?
        .iter()
        .map(decode::change)
        .collect()
    }

    /// The monthly reports of one unit, or of a county's units, by unit and month, as their
    /// ops leave them.
    pub fn monthly_reports(
        &mut self,
        of: ReportsOf,
    ) -> StoreResult<BTreeMap<(UnitId, YearMonth), ReportState>> {
        // Ops not numbered yet (PostgreSQL numbers them just after their commit) sort last, in
        // the order they arrived: the latest, as they are.
        let kind = RecordType::MonthlyReport.code();
        let rows = match of {
            ReportsOf::Unit(unit) => self.query(
                "SELECT server_seq, body FROM ops WHERE unit_id = $2 AND record_type = $1
                 ORDER BY server_seq, id",
                &args![kind, unit],
            )?,
            // `unit_id IS NOT NULL` bounds the index walk: PostgreSQL's generic plan merges the
            // county's units with `ops_unit` and, without it, read on through the household ops'
            // NULLs to the index's end (600 ms on the demo county; 5 ms with it).
            ReportsOf::County(county) => self.query(
                "SELECT o.server_seq, o.body FROM units u CROSS JOIN ops o
                 WHERE o.unit_id = u.id AND u.county_id = $2 AND o.record_type = $1
                   AND o.unit_id IS NOT NULL
                 ORDER BY o.server_seq, o.id",
                &args![kind, county],
            )?,
        };
        let mut out: BTreeMap<(UnitId, YearMonth), ReportState> = BTreeMap::new();
        for r in rows {
            let op: Op = r.json(1)?;
            let Payload::MonthlyReport(body) = op.payload else { continue };
            let key = (body.unit_id, body.month);
            let at = chrono::DateTime::from_timestamp_millis(op.hlc.ms());
            let next = ReportState::next(out.get(&key), op.record_id, body, at);
            out.insert(key, next);
        }
        Ok(out)
    }

    /// The highest `server_seq`.
    pub fn last_seq(&mut self) -> StoreResult<u64> {
        let r = self.query_one("SELECT MAX(server_seq) FROM ops", &[])?;
        Ok(r.opt_int(0)?.unwrap_or(0) as u64)
    }

    /// The clock of the last op `device` logged, if any.
    pub fn last_hlc(&mut self, device: DeviceId) -> StoreResult<Option<Hlc>> {
        self.query_opt(
            "SELECT body FROM ops WHERE device_id = $1 ORDER BY device_seq DESC LIMIT 1",
            &args![device],
        )?
        .map(|r| Ok(r.json::<Op>(0)?.hlc))
        .transpose()
    }
}
