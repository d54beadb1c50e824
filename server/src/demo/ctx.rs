//! The generator's working state inside the one write transaction: the seeded source, the
//! simulated clock, and the two ways data goes in (a phone's op, an office action), both through
//! the sync checks so that phones pull exactly what a real county would have pushed.
//!
//! A phone's consecutive ops are stored together, as its push would be (one working set: a few
//! statements for the lot instead of a dozen per op). They are stored before anything else
//! touches the transaction, so every other step sees them: the transaction is reached only
//! through [`Ctx::tx`], which stores them first.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use minqing_shared::concern::{Category, ConcernAction, ConcernStatus, transition};
use minqing_shared::ids::{ConcernId, DeviceId, OpId};
use minqing_shared::sync::op::Payload;
use minqing_shared::sync::{Hlc, Op, SCHEMA_VERSION};
use uuid::Uuid;

use super::rng::Gen;
use crate::store::{StoreError, StoreResult, Tx};
use crate::sync::{Author, Refusal, ServerDevice, WorkingSet, apply};

/// A cadre's simulated phone: its device, its dense seq and its clock.
#[derive(Debug)]
pub(super) struct Phone {
    /// Who pushes from it.
    pub author: Author,
    /// The last seq used (0: none yet).
    pub seq: u64,
    /// The last clock value used.
    pub last: Hlc,
    /// The time of its last op, for the device's last-seen column.
    pub last_ms: i64,
}

impl Phone {
    /// A phone that has sent nothing yet.
    pub fn new(author: Author) -> Self {
        Self { author, seq: 0, last: Hlc(0), last_ms: 0 }
    }

    /// Its device.
    pub fn device(&self) -> DeviceId {
        self.author.device_id
    }
}

/// Where one concern stands, as the generator wrote it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Track {
    pub category: Option<Category>,
    pub status: Option<ConcernStatus>,
    pub on_ledger: bool,
    pub deadline: Option<NaiveDate>,
}

/// What was written, for the summary.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub households: usize,
    pub filed: usize,
    pub proposed: usize,
    pub visits: usize,
    pub calls: usize,
    pub concerns: HashMap<ConcernId, Track>,
}

impl Tally {
    /// Follows a concern step that was stored.
    pub fn step(&mut self, id: ConcernId, action: &ConcernAction) {
        let track = self.concerns.entry(id).or_insert(Track {
            category: None,
            status: None,
            on_ledger: false,
            deadline: None,
        });
        if let Ok(next) = transition(track.status, track.on_ledger, action) {
            track.status = Some(next);
        }
        match action {
            ConcernAction::Raise { category, .. } => track.category = Some(*category),
            ConcernAction::Assign { decision } => track.deadline = Some(decision.deadline),
            ConcernAction::PutOnLedger { .. } => track.on_ledger = true,
            _ => {}
        }
    }
}

/// The most ops of one phone stored together (a day's push is a few dozen).
const BATCH: usize = 500;

/// The generator's state over one transaction.
pub(super) struct Ctx<'a, 'c> {
    /// The open transaction: reached through [`Ctx::tx`].
    tx: &'a mut Tx<'c>,
    /// A phone's ops made but not yet stored, with the phone's author.
    pending: Option<(Author, Vec<Op>)>,
    /// The server's own device, which stamps office actions.
    pub server: &'a ServerDevice,
    /// The seeded source.
    pub g: Gen,
    /// The real time now (Unix ms): nothing is dated after it.
    pub now: i64,
    /// Today's China date.
    pub today: NaiveDate,
    /// When generation began, for the progress lines.
    pub started: Instant,
    /// Which county of the demo this is.
    pub nth: super::Nth,
    /// Ops made on phones (all stored by the time the county is summed up).
    pub phone_ops: u64,
    /// Ops stored by offices.
    pub office_ops: u64,
    /// What was written.
    pub tally: Tally,
}

impl std::fmt::Debug for Ctx<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("now", &self.now).field("today", &self.today).finish()
    }
}

/// A refusal is a bug in the generator: it stops generation and says why.
pub(super) fn refused(what: &str, r: Refusal) -> StoreError {
    StoreError::Database(format!("demo generator: {what} refused: {} ({})", r.code, r.message))
}

impl<'a, 'c> Ctx<'a, 'c> {
    /// The generator's state over `tx`, seeded by `g`, at real time `now` (China date `today`).
    pub fn new(
        tx: &'a mut Tx<'c>,
        server: &'a ServerDevice,
        g: Gen,
        now: i64,
        today: NaiveDate,
        started: Instant,
        nth: super::Nth,
    ) -> Self {
        Self {
            tx,
            pending: None,
            server,
            g,
            now,
            today,
            started,
            nth,
            phone_ops: 0,
            office_ops: 0,
            tally: Tally::default(),
        }
    }

    /// The transaction, once the phone ops made so far are stored.
    pub fn tx(&mut self) -> StoreResult<&mut Tx<'c>> {
        self.store_pending()?;
        Ok(self.tx)
    }

    /// Stores the phone ops made so far, as one push of their phone.
    pub fn store_pending(&mut self) -> StoreResult<()> {
        let Some((author, ops)) = self.pending.take() else {
            return Ok(());
        };
        let refs: Vec<&Op> = ops.iter().collect();
        let mut ws = WorkingSet::prefetch(self.tx, author.cadre_id, author.unit_id, &refs)?;
        for op in &ops {
            if let Err(r) = apply(self.tx, &mut ws, &author, op, None, self.now)? {
                return Err(refused(op.record_type().code(), r));
            }
        }
        ws.flush(self.tx, self.now)
    }

    /// Stores an office or Organization Department action as an op of the server's device.
    pub fn act(&mut self, author: &Author, record_id: Uuid, payload: Payload) -> StoreResult<()> {
        let what = payload.record_type().code();
        let (server, now) = (self.server, self.now);
        match server.act(self.tx()?, author, record_id, payload, now)? {
            Ok(_) => {
                self.office_ops += 1;
                Ok(())
            }
            Err(r) => Err(refused(what, r)),
        }
    }

    /// Makes an op on `phone` at simulated time `t`, stored as if the phone had pushed it (with
    /// its other ops made since anything else was done; a refusal shows when they are stored).
    pub fn phone_op(
        &mut self,
        phone: &mut Phone,
        t: i64,
        record_id: Uuid,
        payload: Payload,
    ) -> StoreResult<()> {
        let hlc = Hlc::from_ms(t).max(Hlc(phone.last.0 + 1));
        let op = Op {
            op_id: OpId(self.g.uuid(t)),
            device_id: phone.device(),
            device_seq: phone.seq + 1,
            record_id,
            schema_version: SCHEMA_VERSION,
            hlc,
            payload,
        };
        if self
            .pending
            .as_ref()
            .is_some_and(|(a, ops)| a.device_id != phone.device() || ops.len() >= BATCH)
        {
            self.store_pending()?;
        }
        self.pending.get_or_insert_with(|| (phone.author, Vec::new())).1.push(op);
        phone.seq += 1;
        phone.last = hlc;
        phone.last_ms = phone.last_ms.max(t);
        self.phone_ops += 1;
        Ok(())
    }

    /// Records how far each phone got, as a real push would have.
    pub fn finish_phone(&mut self, phone: &Phone) -> StoreResult<()> {
        if phone.seq > 0 {
            let tx = self.tx()?;
            tx.set_high_water(phone.device(), phone.seq)?;
            tx.touch_device(phone.device(), phone.last_ms, None)?;
        }
        Ok(())
    }

    /// Prints a progress line to stderr.
    pub fn progress(&self, step: u32, message: &str) {
        let secs = self.started.elapsed().as_secs_f64();
        let county = if self.nth.of > 1 {
            format!("county {}/{} · ", self.nth.index + 1, self.nth.of)
        } else {
            String::new()
        };
        eprintln!("demo: {county}{step}/5 {message} ({secs:.1}s)");
    }
}
