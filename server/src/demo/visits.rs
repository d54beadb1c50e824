//! A year of weekly visits 每周走访, week by week across the county: each cadre goes to the
//! village on one or two days, visits most households in person, takes the odd call from a
//! household, and records the concerns raised, which start their lives (see `concerns`).

use chrono::NaiveDate;
use minqing_shared::calendar::VisitWeek;
use minqing_shared::concern::{Category, ConcernAction, Step};
use minqing_shared::ids::{ConcernId, VisitId};
use minqing_shared::sync::op::{Payload, VisitBody};
use minqing_shared::visit::{GeoFix, NoFix, VisitMode};

use super::concerns::{self, Forced, OfficeStep, Raising};
use super::county::County;
use super::ctx::Ctx;
use super::households::Field;
use super::issues::issues;
use super::names;
use super::rng::{MINUTE, add_days, china_ms, utc};
use super::texts;
use crate::store::StoreResult;

/// Something a phone records.
#[derive(Debug)]
enum Event {
    Visit(VisitId, VisitBody),
    Step(ConcernId, ConcernAction),
}

/// A concern demo-cadre is made to have, `weeks_ago` weeks before this one.
#[derive(Debug)]
pub(super) struct Script {
    pub category: Category,
    pub forced: Forced,
    pub week: usize,
    pub done: bool,
}

/// demo-cadre's concerns: one per category, in every state (the recent ones come last).
pub(super) fn scripts(weeks: usize) -> Vec<Script> {
    use Category as C;
    use Forced as F;
    let table = [
        (C::Irrigation, F::Ledger, 14, 7),
        (C::DrinkingWater, F::Overdue, 12, 7),
        (C::Electricity, F::Resolved, 3, 1),
        (C::Schooling, F::Done, 20, 6),
        (C::Health, F::Explained, 5, 1),
        (C::SocialAssistance, F::AssignedFuture, 7, 7),
        (C::LandForest, F::Explained, 9, 2),
        (C::Dispute, F::Resolved, 6, 2),
        (C::Environment, F::Done, 30, 6),
        (C::Other, F::Resolved, 1, 1),
        (C::Roads, F::EscalatedPending, 0, 0),
        (C::Livelihood, F::Raised, 0, 0),
    ];
    table
        .into_iter()
        .map(|(category, forced, full, min)| {
            let ago = (full as usize).min(weeks.saturating_sub(1)).max(min.min(weeks - 1));
            Script { category, forced, week: weeks - 1 - ago, done: false }
        })
        .collect()
}

/// The week loop's state.
#[derive(Debug)]
pub(super) struct Visits {
    pub weeks: usize,
    /// The chance that an in-person visit raises a concern.
    pub rate: f64,
    /// Each phone's ops dated in a later week.
    pending: Vec<Vec<(i64, Event)>>,
    /// The offices' steps, written after the field's.
    pub office: Vec<OfficeStep>,
    pub scripts: Vec<Script>,
    /// demo-cadre's in-person visits: (time, household, visit).
    pub demo_visits: Vec<(i64, usize, VisitId)>,
}

impl Visits {
    /// A loop over `weeks` weeks with `rate` concerns per visit.
    pub fn new(field: &Field, weeks: usize, rate: f64) -> Self {
        let pending = field.phones.iter().map(|_| Vec::new()).collect();
        let scripts = scripts(weeks);
        Self { weeks, rate, pending, office: Vec::new(), scripts, demo_visits: Vec::new() }
    }
}

/// demo-cadre's visits this week: about half the households (not the two left overdue), on the
/// first day whose morning is over, else in the hours just before now.
fn demo_this_week(ctx: &Ctx<'_, '_>, mine: &[usize], monday: NaiveDate) -> Vec<(i64, usize)> {
    let candidates = &mine[2.min(mine.len())..];
    let k = (candidates.len() / 2).max(1).min(candidates.len()) as i64;
    for d in 0..7 {
        let day = add_days(monday, d);
        let start = china_ms(day, 8 * 60 + 30);
        if day <= ctx.today && start + k * 20 * MINUTE <= ctx.now - 10 * MINUTE {
            return (0..k).map(|i| (start + i * 20 * MINUTE, candidates[i as usize])).collect();
        }
    }
    let end = ctx.now - 30 * MINUTE;
    (0..k)
        .map(|i| (end - (k - 1 - i) * 15 * MINUTE, candidates[i as usize]))
        .filter(|(t, _)| *t >= china_ms(monday, 5))
        .collect()
}

/// The in-person visits and calls of field cadre `f` in the week of `monday` (week index `w`).
fn schedule(
    ctx: &mut Ctx<'_, '_>,
    county: &County,
    field: &Field,
    f: usize,
    w: usize,
    weeks: usize,
    monday: NaiveDate,
) -> Vec<(i64, usize, VisitMode)> {
    let g = &mut ctx.g;
    let mine = &field.mine[f];
    let mut out = Vec::new();
    if county.field[f] == county.demo_cadre && w + 1 == weeks {
        let visits = demo_this_week(ctx, mine, monday);
        out.extend(visits.into_iter().map(|(t, h)| (t, h, VisitMode::InPerson)));
    } else {
        let chosen: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|h| field.households[*h].skip_from.is_none_or(|s| w < s))
            .filter(|h| g.chance(field.households[*h].p))
            .collect();
        let first = g.weighted(&[16, 22, 22, 22, 18]) as i64;
        let second = first + g.between(1, 5 - first);
        let split = if chosen.len() > 10 { chosen.len() / 2 } else { chosen.len() };
        for (part, day) in [(&chosen[..split], first), (&chosen[split..], second)] {
            let mut minute = 8 * 60 + 20 + g.between(0, 40);
            for &h in part {
                out.push((china_ms(add_days(monday, day), minute), h, VisitMode::InPerson));
                minute += g.between(12, 28);
                if (11 * 60 + 45..14 * 60 + 30).contains(&minute) {
                    minute = 14 * 60 + 30 + g.between(0, 20);
                }
            }
        }
    }
    let g = &mut ctx.g;
    for &h in mine {
        if g.chance(0.01) {
            let t = china_ms(add_days(monday, g.between(0, 6)), g.between(7 * 60, 21 * 60));
            out.push((t, h, VisitMode::PhoneFromHousehold));
        }
    }
    out
}

/// Runs the whole year of visits, writing each phone's ops in time order.
pub(super) fn run(
    ctx: &mut Ctx<'_, '_>,
    county: &County,
    field: &mut Field,
    v: &mut Visits,
) -> StoreResult<()> {
    let first_monday = add_days(VisitWeek::of(ctx.today).monday(), -7 * (v.weeks as i64 - 1));
    for w in 0..v.weeks {
        let monday = add_days(first_monday, 7 * w as i64);
        let next_week = china_ms(add_days(monday, 7), 0);
        for f in 0..county.field.len() {
            let mut events = std::mem::take(&mut v.pending[f]);
            let demo = county.field[f] == county.demo_cadre;
            for (t, h, mode) in schedule(ctx, county, field, f, w, v.weeks, monday) {
                let script = (demo && mode == VisitMode::InPerson && t <= ctx.now)
                    .then(|| {
                        v.scripts
                            .iter_mut()
                            .find(|s| !s.done && s.week <= w && s.week + 1 < v.weeks)
                    })
                    .flatten();
                let forced = script.map(|s| {
                    s.done = true;
                    (s.category, s.forced)
                });
                let events_before = events.len();
                visit(ctx, county, field, v, (t, h, mode), forced, &mut events);
                if demo && mode == VisitMode::InPerson {
                    if let Some((_, Event::Visit(id, _))) = events.get(events_before) {
                        v.demo_visits.push((t, h, *id));
                    }
                }
            }
            events.sort_by_key(|e| e.0);
            let later = events.partition_point(|e| e.0 < next_week);
            v.pending[f] = events.split_off(later);
            let phone = &mut field.phones[f];
            let now = ctx.now;
            for (t, event) in events.into_iter().filter(|e| e.0 <= now) {
                match event {
                    Event::Visit(id, body) => {
                        if body.mode == VisitMode::InPerson {
                            ctx.tally.visits += 1;
                        } else {
                            ctx.tally.calls += 1;
                        }
                        ctx.phone_op(phone, t, id.0, Payload::Visit(body))?;
                    }
                    Event::Step(id, action) => {
                        let step = Step { actor: phone.author.cadre_id, at: utc(t), action };
                        ctx.phone_op(phone, t, id.0, Payload::Concern(step.clone()))?;
                        ctx.tally.step(id, &step.action);
                    }
                }
            }
        }
        if (w + 1) % 13 == 0 || w + 1 == v.weeks {
            let concerns = ctx.tally.concerns.len();
            let msg = format!(
                "visits: week {}/{}, {} visits, {} calls, {concerns} concerns",
                w + 1,
                v.weeks,
                ctx.tally.visits,
                ctx.tally.calls
            );
            ctx.progress(3, &msg);
        }
    }
    Ok(())
}

/// One visit (or call) at `t` to household `h`, with the concern it raises, if any.
fn visit(
    ctx: &mut Ctx<'_, '_>,
    county: &County,
    field: &Field,
    v: &mut Visits,
    (t, h, mode): (i64, usize, VisitMode),
    forced: Option<(Category, Forced)>,
    events: &mut Vec<(i64, Event)>,
) {
    let hh = &field.households[h];
    let cadre = &county.cadres[county.field[hh.field]];
    let village = &county.villages[hh.village];
    let g = &mut ctx.g;
    let id = VisitId(g.uuid(t));
    let rate = if mode == VisitMode::InPerson { v.rate } else { 0.5 };
    let concern = match forced {
        Some((category, forced)) => Some((category, Some(forced))),
        None if g.chance(rate) => {
            let weights = [12, 10, 9, 11, 7, 8, 12, 8, 6, 6, 8, 6];
            Some((Category::ALL[g.weighted(&weights)], None))
        }
        None => None,
    };
    let (topics, mut summary, policies) = texts::visit_text(g);
    // demo-cadre's scripted concerns are each category's best-known problem.
    let issue = concern.map(|(category, forced)| match forced {
        Some(_) => &issues(category)[0],
        None => texts::issue(g, category),
    });
    if let Some(issue) = issue {
        summary = format!("群众反映：{}", issue.text);
    }
    // Each household stands at its own spot of the village (from its id, so every run agrees);
    // most fixes fall within tens of metres of it, a few (taken elsewhere) kilometres away.
    let spot = |byte: u8| (f64::from(byte) / 255.0 - 0.5) * 0.008;
    let bytes = hh.id.0.as_bytes();
    let (home_lat, home_lon) = (village.lat + spot(bytes[14]), village.lon + spot(bytes[15]));
    let fixed = mode == VisitMode::InPerson && g.chance(0.6);
    let gps = fixed.then(|| {
        let far = if g.chance(0.03) { g.float(0.012, 0.03) } else { 0.0 };
        GeoFix {
            lat: home_lat + far + g.float(-0.0003, 0.0003),
            lon: home_lon + g.float(-0.0003, 0.0003),
            accuracy_m: Some(g.between(4, 30) as f32),
            fixed_at: Some(utc(t)),
        }
    });
    let no_fix = (mode == VisitMode::InPerson && !fixed)
        .then(|| if g.chance(0.5) { NoFix::Timeout } else { NoFix::Denied });
    let body = VisitBody {
        photos: Vec::new(),
        household_id: hh.id,
        cadre_id: cadre.id,
        visited_at: utc(t),
        mode,
        topics,
        policies,
        summary,
        gps,
        no_fix,
    };
    events.push((t, Event::Visit(id, body)));
    let (Some((category, forced)), Some(issue)) = (concern, issue) else { return };
    let concern = ConcernId(g.uuid(t));
    let group = names::group_name(hh.group);
    let raising = Raising {
        concern,
        household: hh.id,
        visit: id,
        t,
        category,
        issue,
        village: &village.name,
        group: &group,
        unit: cadre.unit,
        unit_id: county.units[cadre.unit].id,
        units: &county.units,
        forced,
    };
    for (at, action) in concerns::plan(g, ctx.today, &raising, &mut v.office) {
        events.push((at, Event::Step(concern, action)));
    }
}
