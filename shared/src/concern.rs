//! Concerns 民情诉求: what households raise, and the workflow that carries each one from the
//! doorstep to 办结: raised → resolved on the spot | explained | escalated (with a special
//! report) → assigned at the joint meeting → done. Illegal steps are refused with a reason.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HouseholdId, VisitId};
use crate::label::{Label, labeled_enum};

labeled_enum! {
    /// The seed's twelve categories 12类.
    pub enum Category {
        Irrigation = "irrigation" => ("机井水利", "Wells and irrigation"),
        DrinkingWater = "drinking_water" => ("饮水", "Drinking water"),
        Electricity = "electricity" => ("电力", "Electricity"),
        Roads = "roads" => ("道路交通", "Roads and transport"),
        Schooling = "schooling" => ("教育", "Schooling"),
        Health = "health" => ("医疗卫生", "Health"),
        SocialAssistance = "social_assistance" => ("社会保障救助", "Social assistance"),
        LandForest = "land_forest" => ("土地林地", "Land and forest"),
        Dispute = "dispute" => ("矛盾纠纷", "Disputes"),
        Environment = "environment" => ("生态环境", "Environment"),
        Livelihood = "livelihood" => ("产业致富", "Livelihoods"),
        Other = "other" => ("其他", "Other"),
    }
}

labeled_enum! {
    /// Where a concern stands. `Overdue` is never stored: it is derived from the deadline.
    pub enum ConcernStatus {
        Raised = "raised" => ("待处理", "Raised"),
        ResolvedOnSpot = "resolved_on_spot" => ("马上解决", "Resolved on the spot"),
        Explained = "explained" => ("解释答复", "Explained"),
        Escalated = "escalated" => ("已上报", "Escalated"),
        Assigned = "assigned" => ("已交办", "Assigned"),
        Done = "done" => ("办结", "Done"),
        Overdue = "overdue" => ("逾期", "Overdue"),
    }
}

impl ConcernStatus {
    /// Whether nothing more is expected on the concern.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ConcernStatus::ResolvedOnSpot | ConcernStatus::Explained | ConcernStatus::Done
        )
    }
}

labeled_enum! {
    /// The three supervision records of the ledger 挂账督办: 每周一询问，半月一检查，每月一调度.
    pub enum LedgerKind {
        Inquiry = "inquiry" => ("询问", "Inquiry"),
        Check = "check" => ("检查", "Check"),
        Dispatch = "dispatch" => ("调度", "Dispatch"),
    }
}

/// A special report 民情专题报告: written when a concern is beyond the cadre's authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialReport {
    /// Its title.
    pub title: String,
    /// What the problem is, who it affects, what the cadre suggests.
    pub content: String,
    /// How many households it affects (the ledger's "many households").
    #[serde(default)]
    pub households_affected: Option<u32>,
}

/// A joint meeting's decision 联席会议决定 on an escalated concern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The solution decided.
    pub solution: String,
    /// The person responsible 承办人, by name.
    pub handler: String,
    /// The responsible unit 承办单位: a township's or county department's office, whose account
    /// sees the concern on its desk 我的交办 and reports its progress and completion. `None` for
    /// decisions recorded before units were named (the deciding office follows them up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<crate::ids::UnitId>,
    /// The deadline 完成时限 (China date).
    pub deadline: NaiveDate,
    /// The date of the meeting that decided.
    pub meeting_date: NaiveDate,
}

/// One step in a concern's life. Each is the body of one sync op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ConcernAction {
    /// A household raised it, usually during a visit.
    Raise {
        /// The household that raised it.
        household_id: HouseholdId,
        /// The visit it came from.
        #[serde(default)]
        visit_id: Option<VisitId>,
        /// One of the twelve categories.
        category: Category,
        /// What the household said.
        description: String,
        /// Photos (their bytes are uploaded after the op).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<crate::photo::PhotoId>,
    },
    /// The cadre solved it at once 马上解决.
    ResolveOnSpot {
        /// How.
        #[serde(default)]
        note: String,
    },
    /// The cadre explained why it cannot be solved now 解释答复.
    Explain {
        /// What was explained.
        #[serde(default)]
        note: String,
    },
    /// Beyond the cadre's authority: escalated with a special report 上报.
    Escalate {
        /// The special report.
        report: SpecialReport,
    },
    /// The joint meeting's decision (also used to change a decision at a monthly dispatch).
    Assign {
        /// The decision.
        decision: Decision,
    },
    /// The responsible unit reports progress 进展 on an assigned concern.
    Progress {
        /// What was done so far (required).
        note: String,
    },
    /// Finished 办结.
    Complete {
        /// How it was finished.
        #[serde(default)]
        note: String,
    },
    /// The Organization Department puts it on the supervision ledger 挂账督办.
    PutOnLedger {
        /// Why (many households, stability at stake …).
        #[serde(default)]
        reason: String,
        /// The ledger item it joins, named by the item's first concern: related concerns (the
        /// same category, village or town) are supervised as one item 合并督办. `None`: an
        /// item of its own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<crate::ids::ConcernId>,
    },
    /// A supervision record: inquiry, check or dispatch.
    Supervise {
        /// Which record.
        kind: LedgerKind,
        /// What was found or directed.
        #[serde(default)]
        note: String,
    },
    /// The cadre voids their own latest step 作废, within
    /// [`CORRECTION_DAYS`](crate::permit::time::CORRECTION_DAYS) of it: recorded by mistake (the
    /// wrong household, twice) or the wrong disposition. The concern stands as if the step had
    /// not been taken — back to 待处理 after a wrong 马上解决, gone after a voided raise — and the
    /// right step is taken next. The voided step and the reason stay in the concern's record.
    Void {
        /// The op of the step voided.
        step: crate::ids::OpId,
        /// Why (required).
        reason: String,
    },
}

impl ConcernAction {
    /// A short name for history lists.
    pub fn name(&self) -> (&'static str, &'static str) {
        match self {
            ConcernAction::Raise { .. } => ("反映", "Raised"),
            ConcernAction::ResolveOnSpot { .. } => ("马上解决", "Resolved on the spot"),
            ConcernAction::Explain { .. } => ("解释答复", "Explained"),
            ConcernAction::Escalate { .. } => ("上报", "Escalated"),
            ConcernAction::Assign { .. } => ("交办", "Assigned"),
            ConcernAction::Progress { .. } => ("进展", "Progress"),
            ConcernAction::Complete { .. } => ("办结", "Done"),
            ConcernAction::PutOnLedger { .. } => ("挂账督办", "Put on the ledger"),
            ConcernAction::Supervise { kind, .. } => (kind.zh(), kind.en()),
            ConcernAction::Void { .. } => ("作废", "Voided"),
        }
    }
}

/// Why a step is not allowed where the concern stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TransitionError {
    /// The concern has not been raised (yet).
    #[error("the concern has not been raised")]
    NotRaised,
    /// The concern was already raised.
    #[error("the concern was already raised")]
    AlreadyRaised,
    /// The step does not follow from the concern's status.
    #[error("cannot {action} a concern that is {from}")]
    NotFrom {
        /// The step's wire name.
        action: String,
        /// The current status.
        from: ConcernStatus,
    },
    /// A ledger step on a concern that is not on the ledger.
    #[error("the concern is not on the supervision ledger")]
    NotOnLedger,
    /// Put on the ledger twice.
    #[error("the concern is already on the supervision ledger")]
    AlreadyOnLedger,
    /// A void of a step that is not the concern's latest.
    #[error("只能作废最近的一步（only the latest step can be voided）")]
    NotLatest,
    /// A void of someone else's step.
    #[error("只能作废本人的步骤（only the cadre who took a step voids it）")]
    NotOwnStep,
}

/// The status after `action`, from `status` (None: not raised yet), or why not. Which step
/// may follow which is the permission table's ([`crate::permit::RULES`]); this adds where each
/// step leads.
pub fn transition(
    status: Option<ConcernStatus>,
    on_ledger: bool,
    action: &ConcernAction,
) -> Result<ConcernStatus, TransitionError> {
    use crate::permit::{Action, Ledger, Phase, rule_of};
    use ConcernAction as A;
    use ConcernStatus as S;
    let act = Action::of_step(action);
    let rule = rule_of(act);
    if !rule.from.contains(&Phase::of_concern(status)) {
        return Err(match status {
            None => TransitionError::NotRaised,
            Some(_) if act == Action::RaiseConcern => TransitionError::AlreadyRaised,
            Some(from) => TransitionError::NotFrom { action: act.code().to_owned(), from },
        });
    }
    match (rule.ledger, on_ledger) {
        (Ledger::Off, true) => return Err(TransitionError::AlreadyOnLedger),
        (Ledger::On, false) => return Err(TransitionError::NotOnLedger),
        _ => {}
    }
    Ok(match action {
        A::Raise { .. } => S::Raised,
        A::ResolveOnSpot { .. } => S::ResolvedOnSpot,
        A::Explain { .. } => S::Explained,
        A::Escalate { .. } => S::Escalated,
        // A monthly dispatch may re-direct: a new decision replaces the old one.
        A::Assign { .. } => S::Assigned,
        A::Complete { .. } => S::Done,
        A::Progress { .. } => S::Assigned,
        A::PutOnLedger { .. } | A::Supervise { .. } => status.unwrap_or(S::Raised),
        // Where a void leaves the concern depends on the step it voids: the fold
        // (`ConcernState::fold`) takes the step out and folds the rest again.
        A::Void { .. } => status.unwrap_or(S::Raised),
    })
}

/// The status a concern in stored `status` shows on `today`: an assigned concern past its
/// `deadline` is overdue 逾期 (never stored: it follows from the date).
pub fn effective_status(
    status: ConcernStatus,
    deadline: Option<NaiveDate>,
    today: NaiveDate,
) -> ConcernStatus {
    match (status, deadline) {
        (ConcernStatus::Assigned, Some(d)) if d < today => ConcernStatus::Overdue,
        _ => status,
    }
}

/// Whether a concern was closed on time, given the status it shows now: resolved on the spot or
/// explained — on time; done by its deadline (or with none) — on time, after it — late; overdue
/// now — not on time; still open — `None` (not decided yet). The evaluation counts these.
pub fn timeliness(
    effective: ConcernStatus,
    deadline: Option<NaiveDate>,
    done_on: Option<NaiveDate>,
) -> Option<bool> {
    match effective {
        ConcernStatus::ResolvedOnSpot | ConcernStatus::Explained => Some(true),
        ConcernStatus::Done => Some(match (deadline, done_on) {
            (Some(deadline), Some(done)) => done <= deadline,
            _ => true,
        }),
        ConcernStatus::Overdue => Some(false),
        ConcernStatus::Raised | ConcernStatus::Escalated | ConcernStatus::Assigned => None,
    }
}

/// When a step was taken and by whom, as kept in a concern's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The cadre (or office account) who took it.
    pub actor: crate::ids::CadreId,
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    #[serde(flatten)]
    pub action: ConcernAction,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConcernStatus as S;

    fn raise() -> ConcernAction {
        ConcernAction::Raise {
            photos: Vec::new(),
            household_id: HouseholdId::new(),
            visit_id: None,
            category: Category::DrinkingWater,
            description: "自来水管冻裂".into(),
        }
    }
    fn escalate() -> ConcernAction {
        ConcernAction::Escalate {
            report: SpecialReport {
                title: "三组吃水难".into(),
                content: "需打新井".into(),
                households_affected: Some(40),
            },
        }
    }
    fn assign() -> ConcernAction {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        ConcernAction::Assign {
            decision: Decision {
                solution: "水利站打井".into(),
                handler: "李水利".into(),
                unit: None,
                deadline: d,
                meeting_date: d,
            },
        }
    }
    fn progress() -> ConcernAction {
        ConcernAction::Progress { note: "井已选址".into() }
    }
    fn complete() -> ConcernAction {
        ConcernAction::Complete { note: String::new() }
    }
    fn ledger() -> ConcernAction {
        ConcernAction::PutOnLedger { reason: "涉及40户".into(), item: None }
    }
    fn inquiry() -> ConcernAction {
        ConcernAction::Supervise { kind: LedgerKind::Inquiry, note: String::new() }
    }
    fn resolve() -> ConcernAction {
        ConcernAction::ResolveOnSpot { note: String::new() }
    }
    fn explain() -> ConcernAction {
        ConcernAction::Explain { note: String::new() }
    }

    #[test]
    fn every_legal_step_of_the_workflow() {
        let cases: Vec<(&str, Option<S>, bool, ConcernAction, S)> = vec![
            ("a household raises a concern", None, false, raise(), S::Raised),
            ("the cadre solves it at once", Some(S::Raised), false, resolve(), S::ResolvedOnSpot),
            ("the cadre explains", Some(S::Raised), false, explain(), S::Explained),
            ("beyond authority: special report", Some(S::Raised), false, escalate(), S::Escalated),
            ("explained, still escalated", Some(S::Explained), false, escalate(), S::Escalated),
            ("the meeting on the 5th decides", Some(S::Escalated), false, assign(), S::Assigned),
            ("a dispatch re-directs", Some(S::Assigned), true, assign(), S::Assigned),
            ("the handler finishes", Some(S::Assigned), false, complete(), S::Done),
            ("the responsible unit reports", Some(S::Assigned), false, progress(), S::Assigned),
            ("solved before the meeting", Some(S::Escalated), false, complete(), S::Done),
            ("onto the ledger when escalated", Some(S::Escalated), false, ledger(), S::Escalated),
            ("onto the ledger when assigned", Some(S::Assigned), false, ledger(), S::Assigned),
            ("the weekly inquiry", Some(S::Assigned), true, inquiry(), S::Assigned),
        ];
        for (name, from, on_ledger, action, to) in cases {
            assert_eq!(transition(from, on_ledger, &action), Ok(to), "{name}");
        }
    }

    #[test]
    fn illegal_steps_are_refused_with_a_reason() {
        let cases: Vec<(&str, Option<S>, bool, ConcernAction)> = vec![
            ("a step before the concern exists", None, false, resolve()),
            ("raised twice", Some(S::Raised), false, raise()),
            ("assigned before escalation", Some(S::Raised), false, assign()),
            ("done straight from raised", Some(S::Raised), false, complete()),
            ("resolved after escalation", Some(S::Escalated), false, resolve()),
            ("escalated after done", Some(S::Done), false, escalate()),
            ("reopened by a new decision", Some(S::Done), false, assign()),
            ("a resolved concern put on the ledger", Some(S::ResolvedOnSpot), false, ledger()),
            ("on the ledger twice", Some(S::Assigned), true, ledger()),
            ("an inquiry off the ledger", Some(S::Assigned), false, inquiry()),
            ("an inquiry after done", Some(S::Done), true, inquiry()),
            ("progress before the meeting", Some(S::Escalated), false, progress()),
            ("progress after done", Some(S::Done), false, progress()),
        ];
        for (name, from, on_ledger, action) in cases {
            let err = transition(from, on_ledger, &action).expect_err(name);
            assert!(!err.to_string().is_empty(), "{name}");
        }
    }

    #[test]
    fn actions_have_a_stable_wire_shape() {
        let json = serde_json::to_value(escalate()).unwrap();
        assert_eq!(json["action"], "escalate");
        assert_eq!(json["report"]["households_affected"], 40);
        let bad = serde_json::from_str::<ConcernAction>(r#"{"action":"teleport"}"#);
        assert!(bad.unwrap_err().to_string().contains("unknown variant"));
    }
}
