//! A concern's life, planned when it is raised: the cadre's disposition at the doorstep (or a few
//! days later), and for an escalated one the joint meeting on the 5th, the deadline, the
//! supervision ledger and completion. Steps dated after "now" are dropped when written, so a
//! recent concern is simply further behind in the same life.

use chrono::NaiveDate;
use minqing_shared::calendar::{YearMonth, meeting_date};
use minqing_shared::concern::{Category, ConcernAction, Decision, LedgerKind, SpecialReport};
use minqing_shared::ids::{ConcernId, HouseholdId, VisitId};

use super::issues::Issue;
use super::names;
use super::rng::{DAY, Gen, MINUTE, add_days, china_ms, day_of};
use super::texts;

/// An outcome demo-cadre's scripted concerns are made to reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Forced {
    /// Raised, nothing done yet.
    Raised,
    /// Resolved on the spot.
    Resolved,
    /// Explained.
    Explained,
    /// Escalated; the meeting has not been held yet.
    EscalatedPending,
    /// Assigned with a deadline still ahead.
    AssignedFuture,
    /// Assigned with a deadline passed: overdue.
    Overdue,
    /// Done.
    Done,
    /// Assigned and on the supervision ledger with its records.
    Ledger,
}

/// Who takes an office step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Actor {
    /// The contact-household office of this unit (index).
    Office(usize),
    /// The Organization Department.
    Org,
}

/// An office or Organization Department step, at simulated time `t`.
#[derive(Debug)]
pub(super) struct OfficeStep {
    pub t: i64,
    pub concern: ConcernId,
    pub actor: Actor,
    pub action: ConcernAction,
}

/// A concern being raised during a visit.
#[derive(Debug)]
pub(super) struct Raising<'a> {
    pub concern: ConcernId,
    pub household: HouseholdId,
    pub visit: VisitId,
    /// When the visit (or call) was.
    pub t: i64,
    pub category: Category,
    pub issue: &'static Issue,
    pub village: &'a str,
    pub group: &'a str,
    /// The unit whose office handles it.
    pub unit: usize,
    /// Its id.
    pub unit_id: minqing_shared::ids::UnitId,
    /// The county's units: a meeting names the department its solution falls to (县水利局 for
    /// a well) the responsible unit 承办单位, else the township itself.
    pub units: &'a [super::county::UnitPlan],
    pub forced: Option<Forced>,
}

/// Whether problems of `category` are usually collective and beyond a cadre's authority.
fn infrastructure(category: Category) -> bool {
    matches!(
        category,
        Category::Irrigation | Category::DrinkingWater | Category::Electricity | Category::Roads
    )
}

/// A time on `date` between the minutes of day `from` and `to`.
fn during(g: &mut Gen, date: NaiveDate, from: i64, to: i64) -> i64 {
    china_ms(date, g.between(from, to))
}

/// Plans the concern: returns the cadre's steps and appends the offices' steps to `office`.
pub(super) fn plan(
    g: &mut Gen,
    today: NaiveDate,
    r: &Raising<'_>,
    office: &mut Vec<OfficeStep>,
) -> Vec<(i64, ConcernAction)> {
    let raise_t = r.t + g.between(1, 3) * MINUTE;
    let raise = ConcernAction::Raise {
        photos: Vec::new(),
        household_id: r.household,
        visit_id: Some(r.visit),
        category: r.category,
        description: r.issue.text.to_owned(),
    };
    let mut steps = vec![(raise_t, raise)];
    // 0 resolve, 1 explain, 2 escalate, 3 explain then escalate.
    let fate = match r.forced {
        Some(Forced::Raised) => return steps,
        Some(Forced::Resolved) => 0,
        Some(Forced::Explained) => 1,
        Some(_) => 2,
        None if infrastructure(r.category) => g.weighted(&[22, 25, 50, 3]),
        None => g.weighted(&[44, 33, 20, 3]),
    };
    let later = r.forced.is_none() && g.chance(0.15);
    let disposition_t = if later {
        // Looked into first, answered on a later visit or call.
        let day = add_days(day_of(raise_t), g.between(1, 9));
        during(g, day, 9 * 60, 17 * 60)
    } else {
        raise_t + g.between(2, 8) * MINUTE
    };
    match fate {
        0 => steps
            .push((disposition_t, ConcernAction::ResolveOnSpot { note: r.issue.resolved.into() })),
        1 => steps.push((disposition_t, ConcernAction::Explain { note: r.issue.explained.into() })),
        _ => {
            let escalate_t = if fate == 3 {
                let explain = ConcernAction::Explain { note: r.issue.explained.into() };
                steps.push((raise_t + 5 * MINUTE, explain));
                let day = add_days(day_of(raise_t), g.between(5, 12));
                during(g, day, 19 * 60 + 30, 21 * 60)
            } else {
                // The special report is written the same evening.
                during(g, day_of(raise_t), 19 * 60, 21 * 60 + 30).max(raise_t + 30 * MINUTE)
            };
            let households = match r.forced {
                Some(Forced::Ledger) => g.between(40, 120) as u32,
                _ => texts::households_affected(g, r.category),
            };
            let (title, content) =
                texts::special_report(r.category, r.village, r.group, r.issue, households);
            let report = SpecialReport { title, content, households_affected: Some(households) };
            steps.push((escalate_t, ConcernAction::Escalate { report }));
            plan_office(g, today, r, escalate_t, households, office);
        }
    }
    steps
}

/// The offices' part of an escalated concern's life.
fn plan_office(
    g: &mut Gen,
    today: NaiveDate,
    r: &Raising<'_>,
    escalate_t: i64,
    households: u32,
    out: &mut Vec<OfficeStep>,
) {
    let escalated_on = day_of(escalate_t);
    let meeting = meeting_date(YearMonth::of(escalated_on));
    if r.forced == Some(Forced::EscalatedPending) || meeting >= today {
        return;
    }
    let office = Actor::Office(r.unit);
    let mut push = |t: i64, actor: Actor, action: ConcernAction| {
        out.push(OfficeStep { t, concern: r.concern, actor, action });
    };
    let complete = |g: &mut Gen| ConcernAction::Complete { note: texts::completed_note(g) };
    // A few are solved by the office before the meeting even sits.
    let before = (meeting - escalated_on).num_days();
    if r.forced.is_none() && before > 3 && g.chance(0.04) {
        let day = add_days(escalated_on, g.between(2, before - 1));
        let t = during(g, day, 9 * 60, 17 * 60);
        push(t, office, complete(g));
        return;
    }
    let since = (today - meeting).num_days();
    let days = match r.forced {
        Some(Forced::AssignedFuture) => since + g.between(12, 30),
        Some(Forced::Ledger) => since + g.between(30, 50),
        Some(Forced::Overdue) => (since - g.between(3, 12)).clamp(0, 30),
        _ => *g.pick(&[10, 15, 20, 30, 30, 45, 60, 90]),
    };
    let deadline = add_days(meeting, days);
    let person = names::person(g);
    let (solution, handler) = texts::decision_text(g, r.category, r.issue, &person);
    let named = handler.split(' ').next().unwrap_or_default();
    let (responsible, unit) = match r.units.iter().position(|u| u.name == named) {
        Some(i) => (Actor::Office(i), r.units[i].id),
        None => (office, r.unit_id),
    };
    let unit = Some(unit);
    let decision = Decision { solution, handler, unit, deadline, meeting_date: meeting };
    push(during(g, meeting, 15 * 60, 17 * 60), office, ConcernAction::Assign { decision });

    let mut done = match r.forced {
        Some(Forced::Done) => {
            Some(add_days(meeting, g.between(3, (since - 1).clamp(3, 20)).min(since - 1)))
        }
        Some(_) => None,
        None if g.chance(0.97) => Some(add_days(meeting, g.between(3, days + 10))),
        None => None,
    }
    .map(|day| during(g, day, 9 * 60, 17 * 60));

    let ledger = match r.forced {
        Some(Forced::Ledger) => true,
        Some(_) => false,
        None => households >= 30 && g.chance(0.09),
    };
    if ledger {
        let opened = add_days(meeting, g.between(1, 4));
        let open_t = during(g, opened, 9 * 60, 10 * 60);
        if let Some(t) = done.as_mut() {
            *t = (*t).max(open_t + g.between(10, 40) * DAY);
        }
        let reason = texts::ledger_reason(households);
        push(open_t, Actor::Org, ConcernAction::PutOnLedger { reason, item: None });
        // 每周一询问，半月一检查，每月一调度 — until it is done (or today).
        let end = done.unwrap_or(china_ms(add_days(today, 1), 0));
        let cadences = [(LedgerKind::Inquiry, 7, 10 * 60), (LedgerKind::Check, 15, 15 * 60)];
        for (kind, every, minute) in cadences {
            let mut day = add_days(opened, every);
            while china_ms(day, minute) < end {
                let action =
                    ConcernAction::Supervise { kind, note: texts::supervision_note(g, kind) };
                push(china_ms(day, minute), Actor::Org, action);
                day = add_days(day, every);
            }
        }
        let mut month = 1;
        while let Some(day) = opened.checked_add_months(chrono::Months::new(month)) {
            if china_ms(day, 16 * 60 + 30) >= end {
                break;
            }
            let kind = LedgerKind::Dispatch;
            let action = ConcernAction::Supervise { kind, note: texts::supervision_note(g, kind) };
            push(china_ms(day, 16 * 60 + 30), Actor::Org, action);
            month += 1;
        }
    }
    // The responsible unit reports progress 进展 once a week while the work goes on; one in
    // ten weeks it forgets (the ledger names it). At most six: a long job's later weeks go
    // unreported in the demo.
    let end = done.unwrap_or(china_ms(add_days(today, 1), 0));
    let mut day = add_days(meeting, 7);
    for _ in 0..6 {
        if china_ms(day, 17 * 60) >= end {
            break;
        }
        if !g.chance(0.1) {
            let action = ConcernAction::Progress { note: texts::progress_note(g) };
            push(during(g, day, 9 * 60, 17 * 60), responsible, action);
        }
        day = add_days(day, 7);
    }
    if let Some(t) = done {
        push(t, responsible, complete(g));
    }
}
