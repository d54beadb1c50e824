//! Checking one op and merging it into the transaction's working set. Phones' ops and the
//! server's own office ops pass through the same function, so the history has one shape and the
//! two paths cannot disagree. Every check is a rule of `shared`: the op's content
//! ([`validate_op`]), who may take the action from the record's state ([`permit`]), whose
//! records they are ([`minqing_shared::scope`]), and when the action may be dated ([`time`]).

use minqing_shared::calendar::{YearMonth, china_date, is_report_late};
use minqing_shared::concern::{ConcernAction, transition};
use minqing_shared::desk::may_be_assigned;
use minqing_shared::ids::{CadreId, ConcernId, CountyId, HouseholdId, UnitId, VillageId, VisitId};
use minqing_shared::org::{Cadre, Role, Unit, UnitKind, Village};
use minqing_shared::permit::{self, Action, Class, Phase, Refusal, time};
use minqing_shared::scope::{self, Scope};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState, ReportState};
use minqing_shared::sync::op::{HouseholdPatch, Payload, ReportBody, ReportStatus};
use minqing_shared::sync::validate::validate_op;
use minqing_shared::sync::{Op, Stamp};

use super::working_set::WorkingSet;
use crate::store::{DeviceAuth, StoreError, StoreResult, Tx};

/// Who is making a change: the device and the account behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Author {
    /// The device stamping the op (a phone, or the server's own device for office actions).
    pub device_id: minqing_shared::ids::DeviceId,
    /// The account.
    pub cadre_id: CadreId,
    /// Its role.
    pub role: Role,
    /// Its unit.
    pub unit_id: UnitId,
    /// Its unit's kind.
    pub unit_kind: UnitKind,
    /// Its unit's county.
    pub county_id: CountyId,
}

impl Author {
    /// The account's class, as the permission table sees it.
    pub fn class(&self) -> Class {
        Class::of(self.role)
    }

    /// Whose records the account may act on.
    pub fn scope(&self) -> Scope {
        Scope::of(self.role, self.cadre_id, self.unit_id, self.county_id)
    }
}

impl From<&DeviceAuth> for Author {
    fn from(d: &DeviceAuth) -> Self {
        Self {
            device_id: d.device_id,
            cadre_id: d.cadre_id,
            role: d.role,
            unit_id: d.unit_id,
            unit_kind: d.unit_kind,
            county_id: d.county_id,
        }
    }
}

/// The outcome of one op: merged into the working set, or refused. Storage errors abort the
/// whole transaction.
pub type Applied = StoreResult<Result<(), Refusal>>;

/// Why checking stopped: a refusal, or the store failed.
enum Stop {
    Refused(Refusal),
    Store(StoreError),
}

impl From<Refusal> for Stop {
    fn from(r: Refusal) -> Self {
        Stop::Refused(r)
    }
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

type Checked<T> = Result<T, Stop>;

fn refuse<T>(code: &'static str, message: impl Into<String>) -> Checked<T> {
    Err(Stop::Refused(Refusal::new(code, message)))
}

/// Checks `op` from `author` and, if it may be applied, merges it into `ws` and appends it to
/// the log there (written when the working set is flushed), with `body`, its JSON, if it was
/// serialized before the transaction (a push's; `None`: serialized at flush).
pub fn apply(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    author: &Author,
    op: &Op,
    body: Option<&str>,
    now_ms: i64,
) -> Applied {
    match check_and_merge(tx, ws, author, op, now_ms) {
        Ok((household, unit)) => {
            ws.log(op.clone(), body.map(str::to_owned), household, unit);
            Ok(Ok(()))
        }
        Err(Stop::Refused(r)) => Ok(Err(r)),
        Err(Stop::Store(e)) => Err(e),
    }
}

/// The household and unit the op is about, for the log's scope columns.
type About = (Option<HouseholdId>, Option<UnitId>);

fn check_and_merge(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    author: &Author,
    op: &Op,
    now_ms: i64,
) -> Checked<About> {
    validate_op(op).map_err(Refusal::from)?;
    if op.hlc.ms() > now_ms + minqing_shared::sync::MAX_CLOCK_AHEAD_MS {
        return refuse(
            "clock_ahead",
            "手机时间比服务器快一小时以上，请校正手机时间（the op's clock is more than an hour ahead of the server's）",
        );
    }
    let class = author.class();
    let stamp = op.stamp();
    match &op.payload {
        Payload::Unit(u) => {
            let id = UnitId(op.record_id);
            let existing = ws.unit(tx, id)?.cloned();
            let phase = if existing.is_some() { Phase::Existing } else { Phase::New };
            permit::permit(class, Action::EditUnit, phase, false)?;
            let county_id = u.county_id.unwrap_or(author.county_id);
            let counties = [Some(county_id), existing.map(|e| e.county_id)];
            if counties.iter().flatten().any(|c| *c != author.county_id) {
                return Err(scope::out_of_scope().into());
            }
            tx.put_unit(&Unit { id, name: u.name.clone(), kind: u.kind, county_id })?;
            ws.forget_unit(id);
            Ok((None, Some(id)))
        }
        Payload::Village(v) => {
            let id = VillageId(op.record_id);
            let phase = if ws.village(tx, id)?.is_some() { Phase::Existing } else { Phase::New };
            permit::permit(class, Action::EditVillage, phase, false)?;
            let Some(township) = ws.unit(tx, v.township_id)?.cloned() else {
                return refuse(
                    "unknown_unit",
                    "所属乡镇不存在（the village's township does not exist）",
                );
            };
            if township.county_id != author.county_id {
                return Err(scope::out_of_scope().into());
            }
            tx.put_village(&Village {
                id,
                name: v.name.clone(),
                township_id: v.township_id,
                population: v.population,
                standing: v.standing,
            })?;
            ws.forget_village(id);
            Ok((None, Some(v.township_id)))
        }
        Payload::Cadre(c) => {
            let id = CadreId(op.record_id);
            let Some(existing) = ws.cadre(tx, id)?.cloned() else {
                permit::permit(class, Action::EditCadre, Phase::New, false)?;
                return refuse(
                    "unknown_cadre",
                    "账号须用管理命令开设（create accounts with the administration commands）",
                );
            };
            permit::permit(class, Action::EditCadre, Phase::Existing, false)?;
            let Some(unit) = ws.unit(tx, c.unit_id)?.cloned() else {
                return refuse("unknown_unit", "所在单位不存在（the cadre's unit does not exist）");
            };
            let was = ws.unit(tx, existing.unit_id)?.map(|u| u.county_id);
            if unit.county_id != author.county_id || was != Some(author.county_id) {
                return Err(scope::out_of_scope().into());
            }
            tx.put_cadre(
                &Cadre {
                    name: c.name.clone(),
                    unit_id: c.unit_id,
                    role: c.role,
                    phone: c.phone.clone(),
                    title: c.title.clone(),
                    villages: c.villages.clone(),
                    ..existing
                },
                None,
            )?;
            ws.forget_cadre(id);
            Ok((None, Some(c.unit_id)))
        }
        Payload::MonthlyReport(r) => report(tx, ws, author, op, r, now_ms),
        Payload::Household(patch) => household(tx, ws, author, op, patch, stamp),
        Payload::Visit(body) => {
            let visit = body.clone().into_visit(VisitId(op.record_id));
            let phase = if ws.visit_exists(tx, visit.id)? { Phase::Existing } else { Phase::New };
            permit::permit(class, Action::RecordVisit, phase, false)?;
            if visit.cadre_id != author.cadre_id {
                return refuse(
                    "forged_author",
                    "走访由记录它的干部本人提交（a visit is recorded by the cadre who made it）",
                );
            }
            time::check_at(visit.visited_at, None, now_ms)?;
            // Dated within this week or last of when the phone recorded it (its clock, bounded
            // above by the server's), so a visit synced weeks later keeps the week it was made.
            time::check_visit_time(visit.visited_at, op.hlc.time())?;
            household_in_scope(tx, ws, author, visit.household_id)?;
            let household = visit.household_id;
            ws.insert_visit(visit);
            Ok((Some(household), None))
        }
        Payload::VisitAmendment(a) => {
            let Some(visit) = ws.visit(tx, a.visit_id)? else {
                return refuse(
                    "unknown_visit",
                    "所更正的走访不存在或已作废（the visit corrected does not exist or was voided）",
                );
            };
            permit::permit(class, Action::AmendVisit, Phase::Existing, false)?;
            if visit.cadre_id != author.cadre_id || a.cadre_id != author.cadre_id {
                return refuse(
                    "forged_author",
                    "走访只能由记录它的干部更正（only the cadre who made a visit corrects it）",
                );
            }
            let at = op.hlc.time();
            time::check_correction(visit.visited_at, at)?;
            if let Some(corrected) = a.visited_at {
                time::check_at(corrected, None, now_ms)?;
                time::check_visit_time(corrected, at)?;
            }
            let household = visit.household_id;
            ws.amend_visit(tx, &visit, visit.amended(a))?;
            Ok((Some(household), None))
        }
        Payload::Concern(step) => {
            if step.actor != author.cadre_id {
                return refuse(
                    "forged_author",
                    "诉求的每一步由其经办人提交（a concern's step is taken by its author）",
                );
            }
            let id = ConcernId(op.record_id);
            let events = ws.concern_events(tx, id)?.clone();
            // The stored state is the fold of the events: derive it rather than read it again.
            let current = (!events.is_empty()).then(|| ConcernState::fold(id, &events));
            let household = match (&step.action, &current) {
                (ConcernAction::Raise { household_id, .. }, _) => *household_id,
                (_, Some(state)) => match state.household_id {
                    Some(h) => h,
                    None => {
                        return refuse(
                            "unknown_concern",
                            "该诉求尚未登记（the concern has not been raised）",
                        );
                    }
                },
                (_, None) => {
                    return refuse("unknown_concern", "该诉求不存在（the concern does not exist）");
                }
            };
            let access = concern_access(tx, ws, author, household, current.as_ref())?;
            let (status, on_ledger) =
                current.as_ref().map_or((None, false), |s| (s.status, s.on_ledger()));
            let action = Action::of_step(&step.action);
            permit::permit(class, action, Phase::of_concern(status), on_ledger)?;
            permit::permit_access(action, access)?;
            time::check_at(step.at, current.as_ref().and_then(|s| s.raised_at), now_ms)?;
            if let ConcernAction::Assign { decision } = &step.action {
                time::check_deadline(decision.meeting_date, decision.deadline)?;
                if let Some(unit) = decision.unit {
                    let known = ws.unit(tx, unit)?;
                    if !known.is_some_and(|u| may_be_assigned(u, author.county_id)) {
                        return refuse(
                            "unknown_unit",
                            "承办单位须为本县的乡镇或县直单位（the responsible unit must be a township or county department of this county）",
                        );
                    }
                }
            }
            if let (ConcernAction::Void { step: target, .. }, Some(state)) =
                (&step.action, &current)
            {
                let voided = match state.check_void(*target, author.cadre_id) {
                    Ok(voided) => voided,
                    Err(e) => return refuse("not_voidable", e.to_string()),
                };
                // Against the op's clock (bounded above by the server's), as a visit's
                // correction: the step's own `at` is the phone's to choose.
                time::check_correction(voided.at, op.hlc.time())?;
            }
            if let Err(e) = transition(status, on_ledger, &step.action) {
                return refuse("illegal_transition", e.to_string());
            }
            let event = ConcernEvent { op_id: op.op_id, stamp, step: step.clone() };
            if let Some(state) = &current
                && !state.stands_in_order(&events, &event)
            {
                return refuse(
                    "stamped_out_of_order",
                    "该步骤的时间早于本诉求已有的步骤，请先同步再办理（the step is stamped before steps of this concern it follows: sync, then take it again）",
                );
            }
            ws.push_event(id, event);
            Ok((Some(household), None))
        }
    }
}

/// How `author` reaches a concern of `household` (as it stands: `current`): its household in
/// scope, or as the responsible unit the concern is assigned to.
fn concern_access(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    author: &Author,
    household: HouseholdId,
    current: Option<&ConcernState>,
) -> Checked<scope::Access> {
    let (_, at) = placed_household(tx, ws, household)?;
    let assigned = current.and_then(|c| c.decision.as_ref()).and_then(|d| d.unit);
    scope::concern_access(author.scope(), &at, assigned).ok_or_else(|| scope::out_of_scope().into())
}

/// The household `id`, if it exists and `author` may act on it.
fn household_in_scope(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    author: &Author,
    id: HouseholdId,
) -> Checked<HouseholdState> {
    let (state, at) = placed_household(tx, ws, id)?;
    if !scope::sees_household(author.scope(), &at) {
        return Err(scope::out_of_scope().into());
    }
    Ok(state)
}

/// The household `id` and where it sits, if it exists.
fn placed_household(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    id: HouseholdId,
) -> Checked<(HouseholdState, scope::Placement)> {
    let Some(state) = ws.household(tx, id)?.filter(|s| s.village_id.value.is_some()).cloned()
    else {
        return refuse("unknown_household", "联系户不存在（the household does not exist）");
    };
    let at = ws.placement(tx, state.village_id.value, state.cadre_id.value)?;
    Ok((state, at))
}

fn household(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    author: &Author,
    op: &Op,
    patch: &HouseholdPatch,
    stamp: Stamp,
) -> Checked<About> {
    let id = HouseholdId(op.record_id);
    let class = author.class();
    let scope = author.scope();
    let stored = ws.household(tx, id)?.cloned();
    let current = stored.as_ref().and_then(HouseholdState::household);
    for (action, phase) in permit::household_actions(current.as_ref(), patch)? {
        permit::permit(class, action, phase, false)?;
    }
    match &stored {
        Some(state) => {
            let at = ws.placement(tx, state.village_id.value, state.cadre_id.value)?;
            if !scope::sees_household(scope, &at) {
                return Err(scope::out_of_scope().into());
            }
        }
        None => {
            if patch.village_id.is_none() || patch.head_name.is_none() {
                return refuse(
                    "missing_field",
                    "新增联系户须填写所属村和户主（a new household needs its village and head of household）",
                );
            }
            if class == Class::Field && patch.cadre_id != Some(Some(author.cadre_id)) {
                return refuse(
                    "not_allowed",
                    "干部新增的联系户须联系到本人（a cadre's new household is linked to that cadre）",
                );
            }
        }
    }
    if let Some(Some(target)) = patch.cadre_id {
        let Some(cadre) = ws.cadre(tx, target)?.cloned() else {
            return refuse(
                "unknown_cadre",
                "所联系的干部不存在（the linked cadre does not exist）",
            );
        };
        let Some(county) = ws.unit(tx, cadre.unit_id)?.map(|u| u.county_id) else {
            return refuse("unknown_unit", "干部所在单位不存在（the cadre's unit does not exist）");
        };
        scope::may_link(scope, target, cadre.role, cadre.unit_id, county)?;
    }
    if let Some(v) = patch.village_id {
        if ws.village(tx, v)?.is_none() {
            return refuse("unknown_village", "所属村不存在（the village does not exist）");
        }
        if let Scope::Cadre { cadre, .. } = scope {
            let own = ws.cadre(tx, cadre)?.map(|c| c.villages.clone()).unwrap_or_default();
            if !scope::cadre_may_place(&own, v) {
                return refuse("out_of_scope", "不是您的联系村（the village is not one of yours）");
            }
        }
    }
    let mut state = stored.unwrap_or_else(|| HouseholdState::new(id));
    state.apply(stamp, patch);
    let at = ws.placement(tx, state.village_id.value, state.cadre_id.value)?;
    if !scope::sees_household(scope, &at) {
        return refuse(
            "out_of_scope",
            "修改后联系户将不在您的范围内（the change would take the household out of your scope）",
        );
    }
    ws.put_household(state);
    Ok((Some(id), None))
}

fn report(
    tx: &mut Tx<'_>,
    ws: &mut WorkingSet,
    author: &Author,
    op: &Op,
    r: &ReportBody,
    now_ms: i64,
) -> Checked<About> {
    let class = author.class();
    let county = ws.unit(tx, r.unit_id)?.map(|u| u.county_id);
    let mine = match author.scope() {
        Scope::County(c) => county == Some(c),
        _ => author.unit_id == r.unit_id,
    };
    if !mine {
        return Err(scope::out_of_scope().into());
    }
    let current = ws.report(tx, r.unit_id, r.month)?.cloned();
    let phase = Phase::of_report(current.as_ref().map(|c| c.body.status));
    permit::permit(class, permit::report_action(r.status), phase, false)?;
    if current.as_ref().is_some_and(|c| c.id != op.record_id) {
        return refuse(
            "invalid_value",
            "该月月报已有记录（the unit's report for the month has another id）",
        );
    }
    let today = china_date(chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default());
    if r.month > YearMonth::of(today) {
        return refuse("month_not_started", "该月尚未开始，不能报送（the month has not begun）");
    }
    match r.status {
        ReportStatus::Draft => {
            if r.submitted_at.is_some() || r.late {
                return refuse(
                    "invalid_value",
                    "草稿没有报送时间（a draft has no submission time）",
                );
            }
        }
        ReportStatus::Submitted => {
            let Some(at) = r.submitted_at else {
                return refuse(
                    "missing_field",
                    "报送须有报送时间（a submitted report needs its time）",
                );
            };
            time::check_at(at, None, now_ms)?;
            if r.late != is_report_late(r.month, china_date(at)) {
                return refuse(
                    "invalid_value",
                    "逾期标记与报送时间不符（the late mark does not match the submission time）",
                );
            }
        }
        ReportStatus::Filed => {
            let submitted = current.as_ref().map(|c| &c.body);
            let same = submitted.is_some_and(|s| {
                s.notes == r.notes && s.submitted_at == r.submitted_at && s.late == r.late
            });
            if !same {
                return refuse(
                    "invalid_value",
                    "备案不能改动月报内容（filing changes nothing but the status）",
                );
            }
        }
    }
    let at = chrono::DateTime::from_timestamp_millis(op.hlc.ms());
    let next = ReportState::next(current.as_ref(), op.record_id, r.clone(), at);
    ws.put_report(r.unit_id, r.month, next);
    Ok((None, Some(r.unit_id)))
}
