//! The notifier's record 通知记录: one row per digest — unit, channel and day — with what was
//! sent and each attempt's outcome. The row is the guard against sending twice: a digest is
//! made only where no row exists, and a send is claimed by moving its next try forward in the
//! same statement that checks it (two servers on one database never both send it).

use minqing_shared::ids::UnitId;

use super::sql::{Row, args};
use super::{StoreResult, Tx};

/// Where a send stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendStatus {
    /// Not sent yet (maybe tried and failed; tried again at `next_try_ms`).
    Pending,
    /// Sent.
    Sent,
    /// Given up after the configured attempts.
    Failed,
}

impl SendStatus {
    /// Its stored code.
    pub fn code(self) -> &'static str {
        match self {
            SendStatus::Pending => "pending",
            SendStatus::Sent => "sent",
            SendStatus::Failed => "failed",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [SendStatus::Pending, SendStatus::Sent, SendStatus::Failed]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// One digest's send through one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The digest's China date (`YYYY-MM-DD`).
    pub day: String,
    /// The unit.
    pub unit: UnitId,
    /// The channel's name.
    pub channel: String,
    /// The digest (`notify::Digest` as JSON).
    pub items: String,
    /// The text sent.
    pub body: String,
    /// Where it stands.
    pub status: SendStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When it is tried next (pending only).
    pub next_try_ms: Option<i64>,
    /// When it was made.
    pub created_ms: i64,
    /// When it was sent.
    pub sent_ms: Option<i64>,
}

const COLUMNS: &str = "day, unit_id, channel, items, body, status, attempts, last_error, \
                       next_try_ms, created_ms, sent_ms";

fn decode(r: &Row) -> StoreResult<Notification> {
    Ok(Notification {
        day: r.text(0)?,
        unit: r.parse(1)?,
        channel: r.text(2)?,
        items: r.text(3)?,
        body: r.text(4)?,
        status: r.code(5, SendStatus::from_code)?,
        attempts: r.int(6)? as u32,
        last_error: r.opt_text(7)?,
        next_try_ms: r.opt_int(8)?,
        created_ms: r.int(9)?,
        sent_ms: r.opt_int(10)?,
    })
}

impl Tx<'_> {
    /// The (unit, channel) pairs whose digest for `day` exists (sent or not), in one read.
    pub fn notifications_of_day(
        &mut self,
        day: &str,
    ) -> StoreResult<std::collections::HashSet<(UnitId, String)>> {
        let sql = "SELECT unit_id, channel FROM notifications WHERE day = $1";
        self.query(sql, &args![day])?.iter().map(|r| Ok((r.parse(0)?, r.text(1)?))).collect()
    }

    /// Records a new digest to send now; nothing if one exists (another server made it).
    pub fn insert_notification(&mut self, n: &Notification) -> StoreResult<bool> {
        let sql = format!(
            "INSERT INTO notifications ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, $7, $7, NULL)
             ON CONFLICT (day, unit_id, channel) DO NOTHING"
        );
        let params = args![
            &n.day,
            n.unit,
            &n.channel,
            &n.items,
            &n.body,
            SendStatus::Pending.code(),
            n.created_ms
        ];
        Ok(self.execute(&sql, &params)? == 1)
    }

    /// The pending sends due at `now_ms`, oldest first.
    pub fn due_notifications(&mut self, now_ms: i64) -> StoreResult<Vec<Notification>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE status = 'pending' AND next_try_ms <= $1
             ORDER BY next_try_ms, day, unit_id, channel"
        );
        self.query(&sql, &args![now_ms])?.iter().map(decode).collect()
    }

    /// Claims a due send for one attempt: counts the attempt and holds the row until
    /// `lease_ms`; false if another server claimed it first.
    pub fn claim_notification(
        &mut self,
        n: &Notification,
        now_ms: i64,
        lease_ms: i64,
    ) -> StoreResult<bool> {
        let sql = "UPDATE notifications SET attempts = attempts + 1, next_try_ms = $4
                   WHERE day = $1 AND unit_id = $2 AND channel = $3
                     AND status = 'pending' AND next_try_ms <= $5";
        Ok(self.execute(sql, &args![&n.day, n.unit, &n.channel, lease_ms, now_ms])? == 1)
    }

    /// Records an attempt's outcome: sent (`error` none), to be tried again at `next_try_ms`,
    /// or (`next_try_ms` none) given up.
    pub fn finish_notification(
        &mut self,
        n: &Notification,
        error: Option<&str>,
        next_try_ms: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<()> {
        let status = match (error, next_try_ms) {
            (None, _) => SendStatus::Sent,
            (Some(_), Some(_)) => SendStatus::Pending,
            (Some(_), None) => SendStatus::Failed,
        };
        let sent = error.is_none().then_some(now_ms);
        let sql = "UPDATE notifications SET status = $4, last_error = COALESCE($5, last_error),
                          next_try_ms = $6, sent_ms = $7
                   WHERE day = $1 AND unit_id = $2 AND channel = $3";
        let next = if status == SendStatus::Pending { next_try_ms } else { None };
        self.execute(sql, &args![&n.day, n.unit, &n.channel, status.code(), error, next, sent])?;
        Ok(())
    }

    /// The record of `units` (every unit's when `None`), newest first, at most `limit`.
    pub fn notifications(
        &mut self,
        units: Option<&[UnitId]>,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        let order = "ORDER BY day DESC, created_ms DESC, channel";
        let rows = match units {
            None => {
                let sql = format!("SELECT {COLUMNS} FROM notifications {order} LIMIT $1");
                self.query(&sql, &args![limit as u64])?
            }
            Some([]) => Vec::new(),
            Some(units) => {
                let list = super::sql::placeholders(2, units.len());
                let sql = format!(
                    "SELECT {COLUMNS} FROM notifications WHERE unit_id IN ({list}) {order} LIMIT $1"
                );
                let mut params = args![limit as u64].to_vec();
                params.extend(super::sql::in_list(units));
                self.query(&sql, &params)?
            }
        };
        rows.iter().map(decode).collect()
    }
}
