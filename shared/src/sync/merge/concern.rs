//! A concern's state: the deterministic fold of its steps in stamp order, voids included.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::china_date;
use crate::concern::{
    Category, ConcernAction, ConcernStatus, Decision, LedgerKind, SpecialReport, Step,
    TransitionError, transition,
};
use crate::ids::{CadreId, ConcernId, HouseholdId, OpId, VisitId};
use crate::sync::hlc::Stamp;

/// One step of a concern with its op's identity and stamp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernEvent {
    /// The op that carried it.
    pub op_id: OpId,
    /// The op's stamp: the fold's order.
    pub stamp: Stamp,
    /// The step.
    pub step: Step,
}

/// A step the fold could not apply where it fell; recorded, never dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The op.
    pub op_id: OpId,
    /// Why it did not apply.
    pub error: TransitionError,
}

/// A supervision record on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionRecord {
    /// Inquiry, check or dispatch.
    pub kind: LedgerKind,
    /// What was found or directed.
    pub note: String,
    /// By whom.
    pub actor: CadreId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A concern as its steps leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernState {
    /// The concern.
    pub id: ConcernId,
    /// The household that raised it.
    pub household_id: Option<HouseholdId>,
    /// The visit it came from.
    pub visit_id: Option<VisitId>,
    /// Its category.
    pub category: Option<Category>,
    /// What the household said.
    pub description: String,
    /// Photos taken when it was raised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<crate::photo::PhotoId>,
    /// Who recorded it.
    pub raised_by: Option<CadreId>,
    /// When it was raised.
    pub raised_at: Option<DateTime<Utc>>,
    /// Where it stands (`None` until the raising step is known).
    pub status: Option<ConcernStatus>,
    /// The latest note: how it was resolved, explained or finished.
    pub note: String,
    /// The special report, once escalated.
    pub report: Option<SpecialReport>,
    /// The meeting's decision, once assigned.
    pub decision: Option<Decision>,
    /// When it was finished.
    pub done_at: Option<DateTime<Utc>>,
    /// When it was put on the supervision ledger.
    pub ledger_opened_at: Option<DateTime<Utc>>,
    /// Why it was put on the ledger.
    pub ledger_reason: String,
    /// The ledger item it was merged into 合并督办, named by the item's first concern (`None`:
    /// an item of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_item: Option<ConcernId>,
    /// The ledger's inquiries, checks and dispatches.
    pub supervision: Vec<SupervisionRecord>,
    /// Every step that applied (and stands: not voided), in order.
    pub history: Vec<Step>,
    /// The op of each step of `history` (a void names the step it voids by its op).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history_ops: Vec<OpId>,
    /// The steps their cadres voided 作废, with why and when.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voided: Vec<VoidedStep>,
    /// Steps that did not apply where they fell.
    pub anomalies: Vec<Anomaly>,
}

/// A step its cadre voided 作废.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidedStep {
    /// The op of the step voided.
    pub op_id: OpId,
    /// The step as it was taken.
    pub step: Step,
    /// When it was voided.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

impl ConcernState {
    /// Folds a concern's events: sorted by stamp (then op id), duplicates dropped, each step
    /// checked against the workflow. The result depends only on the set of events.
    ///
    /// A void ([`ConcernAction::Void`]) takes its step out: the steps that still stand are
    /// folded again from the start, so the concern is exactly as if the step had not been taken.
    pub fn fold<'a>(id: ConcernId, events: impl IntoIterator<Item = &'a ConcernEvent>) -> Self {
        let ordered: BTreeMap<(Stamp, OpId), &ConcernEvent> =
            events.into_iter().map(|e| ((e.stamp, e.op_id), e)).collect();
        let mut seen = BTreeSet::new();
        let mut standing: Vec<&ConcernEvent> = Vec::new();
        let mut state = Self::blank(id);
        for event in ordered.into_values() {
            if !seen.insert(event.op_id) {
                continue;
            }
            let ConcernAction::Void { step: target, reason } = &event.step.action else {
                if state.step(event) {
                    standing.push(event);
                }
                continue;
            };
            let permitted = transition(state.status, state.on_ledger(), &event.step.action)
                .and_then(|_| state.check_void(*target, event.step.actor).map(|_| ()));
            if let Err(error) = permitted {
                state.anomalies.push(Anomaly { op_id: event.op_id, error });
                continue;
            }
            let voided = standing.pop().expect("check_void found the latest step");
            let (mut voids, anomalies) = (state.voided, state.anomalies);
            voids.push(VoidedStep {
                op_id: voided.op_id,
                step: voided.step.clone(),
                at: event.step.at,
                reason: reason.clone(),
            });
            state = Self::blank(id);
            for e in &standing {
                state.step(e);
            }
            (state.voided, state.anomalies) = (voids, anomalies);
        }
        state
    }

    /// Whether `event`, taken on the concern as it stands (`self`, the fold of `events`), also
    /// stands where its stamp places it among them. Steps are folded in stamp order, so a step
    /// stamped before steps it follows — taken on a device that had not pulled them — could be
    /// set aside by the fold, set aside a step after it, or let a step set aside before stand
    /// (an escalation slipped in before a 办结 that had found the concern only raised): the
    /// server refuses such a step rather than accept what the fold does with it. Stamped after
    /// every step, it is folded last, on the state it was checked against.
    pub fn stands_in_order(&self, events: &[ConcernEvent], event: &ConcernEvent) -> bool {
        let key = (event.stamp, event.op_id);
        if events.iter().all(|e| (e.stamp, e.op_id) < key) {
            return true;
        }
        let folded = Self::fold(self.id, events.iter().chain([event]));
        let set_aside = |s: &Self| s.anomalies.iter().map(|a| a.op_id).collect::<BTreeSet<_>>();
        set_aside(&folded) == set_aside(self)
    }

    /// Whether `actor` may void the step of `target`: it is the concern's latest standing step,
    /// and theirs. (Which states a void may be taken from is the permission table's; within how
    /// many days, `permit::time::check_correction`.)
    pub fn check_void(&self, target: OpId, actor: CadreId) -> Result<&Step, TransitionError> {
        let (Some(latest), Some(op)) = (self.history.last(), self.history_ops.last()) else {
            return Err(TransitionError::NotRaised);
        };
        if *op != target {
            return Err(TransitionError::NotLatest);
        }
        if latest.actor != actor {
            return Err(TransitionError::NotOwnStep);
        }
        Ok(latest)
    }

    /// The step `actor` could void now, with its op: the latest, if it is theirs.
    pub fn voidable_by(&self, actor: CadreId) -> Option<(OpId, &Step)> {
        let op = *self.history_ops.last()?;
        self.check_void(op, actor).ok().map(|step| (op, step))
    }

    fn blank(id: ConcernId) -> Self {
        ConcernState {
            id,
            household_id: None,
            visit_id: None,
            category: None,
            description: String::new(),
            photos: Vec::new(),
            raised_by: None,
            raised_at: None,
            status: None,
            note: String::new(),
            report: None,
            decision: None,
            done_at: None,
            ledger_opened_at: None,
            ledger_reason: String::new(),
            ledger_item: None,
            supervision: Vec::new(),
            history: Vec::new(),
            history_ops: Vec::new(),
            voided: Vec::new(),
            anomalies: Vec::new(),
        }
    }

    /// Applies one step (not a void); whether it applied.
    fn step(&mut self, event: &ConcernEvent) -> bool {
        let step = &event.step;
        let next = match transition(self.status, self.on_ledger(), &step.action) {
            Ok(next) => next,
            Err(error) => {
                self.anomalies.push(Anomaly { op_id: event.op_id, error });
                return false;
            }
        };
        match &step.action {
            ConcernAction::Raise { household_id, visit_id, category, description, photos } => {
                self.household_id = Some(*household_id);
                self.visit_id = *visit_id;
                self.category = Some(*category);
                self.description = description.clone();
                self.photos = photos.clone();
                self.raised_by = Some(step.actor);
                self.raised_at = Some(step.at);
            }
            // Progress is kept in the history (what the desk and the ledger read).
            ConcernAction::Progress { .. } => {}
            ConcernAction::ResolveOnSpot { note }
            | ConcernAction::Explain { note }
            | ConcernAction::Complete { note } => {
                self.note = note.clone();
                if next == ConcernStatus::Done {
                    self.done_at = Some(step.at);
                }
            }
            ConcernAction::Escalate { report } => self.report = Some(report.clone()),
            ConcernAction::Assign { decision } => self.decision = Some(decision.clone()),
            ConcernAction::PutOnLedger { reason, item } => {
                self.ledger_opened_at = Some(step.at);
                self.ledger_reason = reason.clone();
                self.ledger_item = item.filter(|i| *i != self.id);
            }
            ConcernAction::Supervise { kind, note } => self.supervision.push(SupervisionRecord {
                kind: *kind,
                note: note.clone(),
                actor: step.actor,
                at: step.at,
            }),
            ConcernAction::Void { .. } => unreachable!("voids are folded by `fold`"),
        }
        self.status = Some(next);
        self.history.push(step.clone());
        self.history_ops.push(event.op_id);
        true
    }

    /// When it was last escalated with a special report: the day a month's special reports are
    /// counted by, and the joint meeting that studies it.
    pub fn escalated_at(&self) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .rev()
            .find(|s| matches!(s.action, ConcernAction::Escalate { .. }))
            .map(|s| s.at)
    }

    /// Whether it is on the ledger and not yet done (the ledger's open items).
    pub fn ledger_open(&self) -> bool {
        self.on_ledger() && self.status != Some(ConcernStatus::Done)
    }

    /// Whether the Organization Department has it on the supervision ledger.
    pub fn on_ledger(&self) -> bool {
        self.ledger_opened_at.is_some()
    }

    /// The status as shown on `today` (China date): an assigned concern past its deadline is
    /// overdue.
    pub fn effective_status(&self, today: NaiveDate) -> Option<ConcernStatus> {
        let status = self.status?;
        Some(crate::concern::effective_status(
            status,
            self.decision.as_ref().map(|d| d.deadline),
            today,
        ))
    }

    /// Whether it was closed on time, as of `today` (see [`crate::concern::timeliness`]).
    pub fn timeliness(&self, today: NaiveDate) -> Option<bool> {
        let status = self.effective_status(today)?;
        let deadline = self.decision.as_ref().map(|d| d.deadline);
        crate::concern::timeliness(status, deadline, self.done_at.map(china_date))
    }

    /// The ledger item it belongs to (itself unless merged into another's), once on the ledger.
    pub fn ledger_item(&self) -> Option<ConcernId> {
        self.on_ledger().then(|| self.ledger_item.unwrap_or(self.id))
    }

    /// When the responsible unit last reported on it: its latest progress or completion, else
    /// the decision that assigned it (the week's report is due from the week after).
    pub fn last_report_at(&self) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .rev()
            .find(|s| {
                matches!(
                    s.action,
                    ConcernAction::Progress { .. }
                        | ConcernAction::Complete { .. }
                        | ConcernAction::Assign { .. }
                )
            })
            .map(|s| s.at)
    }

    /// The China date of the last supervision record of `kind`.
    pub fn last_supervision(&self, kind: LedgerKind) -> Option<NaiveDate> {
        self.supervision.iter().filter(|r| r.kind == kind).map(|r| china_date(r.at)).max()
    }
}
