//! Stamps made while the phone's clock ran fast. The server refuses an op stamped more than an
//! hour after its own time (`clock_ahead`); the phone then knows by how much its clock was off
//! when it stamped the op (the offset it has just learned from the server, against the one it
//! stamped with) and sends a corrected copy: the same record, its times moved back by that much,
//! as a new op. A copy is made only when the correction brings the op within the server's
//! bounds; otherwise the refusal stays, shown to the cadre with the server's reason.

use minqing_shared::ids::OpId;
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::validate::validate_op;
use minqing_shared::sync::{MAX_CLOCK_AHEAD_MS, Op};
use rusqlite::{Connection, params};

use super::apply::apply_op;
use super::outbox::append;
use super::{Result, StoreError, load_account};

/// The code the server gives an op stamped too far ahead of its clock.
pub const CLOCK_AHEAD: &str = "clock_ahead";

/// `op`, refused as `clock_ahead`, moved by the correction the phone now knows: `stamped_offset`
/// was the clock offset it was stamped with; the account's clock holds the one just learned
/// from the server at `server_ms`. `None` when the correction would not bring it within bounds
/// (the clock was already right when it stamped, or was put right before this sync).
pub fn corrected(op: &Op, stamped_offset: i64, current_offset: i64, server_ms: i64) -> Option<Op> {
    let delta = current_offset.saturating_sub(stamped_offset);
    if delta >= 0 {
        return None;
    }
    let hlc = op.hlc.shifted(delta);
    if hlc.ms() > server_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return None;
    }
    let by = chrono::Duration::milliseconds(delta);
    let mut payload = op.payload.clone();
    match &mut payload {
        Payload::Visit(visit) => visit.visited_at += by,
        Payload::Concern(step) => step.at += by,
        _ => {}
    }
    let copy = Op { op_id: OpId::new(), hlc, payload, ..op.clone() };
    validate_op(&copy).ok().map(|()| copy)
}

/// Replaces the refused `op` by its corrected copy `copy`: the copy goes to the end of the
/// outbox with the next seq and the current offset, and the local records show the corrected
/// times. The refusal is kept, marked as corrected by the copy.
pub(crate) fn replace(c: &Connection, op: &Op, mut copy: Op) -> Result<()> {
    let mut account = load_account(c)?.ok_or(StoreError::NotLoggedIn)?;
    account.last_seq += 1;
    copy.device_seq = account.last_seq;
    account.clock.observe(copy.hlc);
    append(c, &account, &copy)?;
    c.execute(
        "UPDATE rejections SET retimed_as = ?2 WHERE op_id = ?1",
        params![op.op_id.to_string(), copy.op_id.to_string()],
    )?;
    match &op.payload {
        Payload::Visit(_) => {
            c.execute("DELETE FROM visits WHERE id = ?1", [op.record_id.to_string()])?;
        }
        Payload::Concern(_) => {
            c.execute("DELETE FROM concern_events WHERE op_id = ?1", [op.op_id.to_string()])?;
        }
        _ => {}
    }
    apply_op(c, &copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use minqing_shared::ids::{CadreId, DeviceId, HouseholdId};
    use minqing_shared::sync::op::VisitBody;
    use minqing_shared::sync::{Hlc, SCHEMA_VERSION};
    use minqing_shared::visit::VisitMode;

    const DAY: i64 = 86_400_000;

    fn visit_op(at: DateTime<Utc>) -> Op {
        Op {
            op_id: OpId::new(),
            device_id: DeviceId::new(),
            device_seq: 3,
            record_id: uuid::Uuid::now_v7(),
            schema_version: SCHEMA_VERSION,
            hlc: Hlc::from_ms(at.timestamp_millis()),
            payload: Payload::Visit(VisitBody {
                photos: Vec::new(),
                household_id: HouseholdId::new(),
                cadre_id: CadreId::new(),
                visited_at: at,
                mode: VisitMode::InPerson,
                topics: vec![],
                policies: String::new(),
                summary: "谈了修路".into(),
                gps: None,
                no_fix: None,
            }),
        }
    }

    #[test]
    fn a_day_fast_stamp_is_moved_back_a_day_and_an_unexplained_one_is_not() {
        let server: DateTime<Utc> = "2026-11-25T04:00:00Z".parse().unwrap();
        let fast = server + chrono::Duration::milliseconds(DAY);
        let op = visit_op(fast);
        // Stamped with no offset (the clock jumped after the last sync); now the server says the
        // phone is a day fast.
        let copy = corrected(&op, 0, -DAY, server.timestamp_millis()).expect("corrected");
        assert_ne!(copy.op_id, op.op_id);
        assert_eq!((copy.record_id, copy.device_id), (op.record_id, op.device_id));
        assert_eq!(copy.hlc.ms(), server.timestamp_millis());
        let Payload::Visit(v) = &copy.payload else { panic!("a visit") };
        assert_eq!(v.visited_at, server);
        // The clock was already corrected when it stamped: nothing explains the time.
        assert_eq!(corrected(&op, -DAY, -DAY, server.timestamp_millis()), None);
        // A correction too small to bring it within bounds.
        assert_eq!(corrected(&op, 0, -60_000, server.timestamp_millis()), None);
    }
}
