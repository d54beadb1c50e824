//! The offices' side, written after the field's: joint-meeting decisions, completions and the
//! Organization Department's supervision ledger, in the order they happened; and demo-cadre's
//! most recent concerns, which have to follow the year's last visits.

use minqing_shared::calendar::{YearMonth, meeting_date};
use minqing_shared::concern::Step;
use minqing_shared::ids::ConcernId;
use minqing_shared::sync::op::Payload;

use super::concerns::{self, Actor, Forced, Raising};
use super::county::County;
use super::ctx::Ctx;
use super::households::Field;
use super::issues::issues;
use super::names;
use super::rng::{MINUTE, day_of, utc};
use super::visits::Visits;
use crate::store::StoreResult;
use crate::sync::Author;

/// Gives demo-cadre's scripted concerns not yet raised (the recent ones: still raised, and
/// escalated before the next meeting) to the latest in-person visits, newest first.
pub(super) fn recent_scripts(
    ctx: &mut Ctx<'_, '_>,
    county: &County,
    field: &mut Field,
    v: &mut Visits,
) -> StoreResult<()> {
    let Some(f) = county.field.iter().position(|c| *c == county.demo_cadre) else {
        return Ok(());
    };
    let now = ctx.now;
    let mut recent = v.demo_visits.iter().filter(|x| x.0 <= now - 5 * MINUTE).rev().copied();
    for script in v.scripts.iter_mut().filter(|s| !s.done) {
        let Some((t, h, visit)) = recent.next() else { break };
        script.done = true;
        let hh = &field.households[h];
        let village = &county.villages[hh.village];
        let group = names::group_name(hh.group);
        let raising = Raising {
            concern: ConcernId(ctx.g.uuid(t)),
            household: hh.id,
            visit,
            t,
            category: script.category,
            issue: &issues(script.category)[0],
            village: &village.name,
            group: &group,
            unit: county.cadres[county.demo_cadre].unit,
            unit_id: county.units[county.cadres[county.demo_cadre].unit].id,
            units: &county.units,
            forced: Some(script.forced),
        };
        let mut steps = concerns::plan(&mut ctx.g, ctx.today, &raising, &mut v.office);
        if script.forced == Forced::EscalatedPending {
            // Written today if the evening's report would already have met its meeting.
            if let Some(last) = steps.last_mut() {
                let pending = meeting_date(YearMonth::of(day_of(last.0))) > ctx.today;
                if last.0 > now - MINUTE || !pending {
                    last.0 = now - MINUTE;
                }
            }
        }
        let phone = &mut field.phones[f];
        for (at, action) in steps.into_iter().filter(|s| s.0 <= now) {
            let step = Step { actor: phone.author.cadre_id, at: utc(at), action };
            ctx.phone_op(phone, at, raising.concern.0, Payload::Concern(step.clone()))?;
            ctx.tally.step(raising.concern, &step.action);
        }
    }
    Ok(())
}

/// Writes every office and ledger step dated up to now, in time order, as office actions.
pub(super) fn apply(ctx: &mut Ctx<'_, '_>, county: &County, v: &mut Visits) -> StoreResult<()> {
    let mut steps = std::mem::take(&mut v.office);
    steps.sort_by_key(|s| s.t);
    let server = ctx.server.id;
    let org = county.author(county.org_cadre, server);
    let offices: Vec<Author> =
        county.units.iter().map(|u| county.author(u.office, server)).collect();
    let now = ctx.now;
    steps.retain(|s| s.t <= now);
    let total = steps.len();
    for (i, s) in steps.into_iter().enumerate() {
        let author = match s.actor {
            Actor::Office(unit) => offices[unit],
            Actor::Org => org,
        };
        let step = Step { actor: author.cadre_id, at: utc(s.t), action: s.action };
        ctx.act(&author, s.concern.0, Payload::Concern(step.clone()))?;
        ctx.tally.step(s.concern, &step.action);
        if (i + 1) % 5000 == 0 {
            ctx.progress(
                4,
                &format!("office: {}/{total} decisions, completions and ledger records", i + 1),
            );
        }
    }
    ctx.progress(4, &format!("office: {total} decisions, completions and ledger records"));
    Ok(())
}
