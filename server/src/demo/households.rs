//! Contact households: each field cadre's phone confirms its households the week before the
//! year begins, the offices file nearly all of them 备案, and a few that villages proposed
//! recently still wait for their cadre.

use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::ids::{DeviceId, HouseholdId};
use minqing_shared::sync::op::{HouseholdPatch, Payload};

use super::county::County;
use super::ctx::{Ctx, Phone};
use super::names;
use super::rng::{Gen, add_days, china_ms};
use super::texts::{HOUSEHOLD_NOTES, PROPOSED_NOTE};
use crate::store::{NewDevice, StoreResult};

/// A confirmed household and how its cadre visits it.
#[derive(Debug)]
pub(super) struct Hh {
    pub id: HouseholdId,
    /// The field cadre (index into `County::field`).
    pub field: usize,
    pub village: usize,
    /// Its village group (0-based).
    pub group: u32,
    /// How likely it is visited in a given week.
    pub p: f64,
    /// No visits from this week index on (demo-cadre's overdue households).
    pub skip_from: Option<usize>,
}

/// The field: every cadre's phone and households.
#[derive(Debug)]
pub(super) struct Field {
    /// One per field cadre, in `County::field` order.
    pub phones: Vec<Phone>,
    pub households: Vec<Hh>,
    /// Each field cadre's households (indices into `households`).
    pub mine: Vec<Vec<usize>>,
}

fn kinds(g: &mut Gen) -> Vec<HouseholdKind> {
    const WEIGHTS: [u32; 7] = [14, 6, 10, 7, 3, 16, 44];
    let first = HouseholdKind::ALL[g.weighted(&WEIGHTS)];
    let mut kinds = vec![first];
    if first != HouseholdKind::Other && g.chance(0.15) {
        let second = HouseholdKind::ALL[g.weighted(&WEIGHTS[..6])];
        if second != first {
            kinds.push(second);
        }
    }
    kinds.sort();
    kinds
}

fn profile(g: &mut Gen, county: &County, village: usize, group: u32) -> HouseholdPatch {
    let v = &county.villages[village];
    HouseholdPatch {
        village_id: Some(v.id),
        head_name: Some(names::person(g)),
        address: Some(names::address(g, group)),
        phone: Some(if g.chance(0.8) { names::mobile(g) } else { String::new() }),
        kinds: Some(kinds(g)),
        notes: g.chance(0.2).then(|| (*g.pick(HOUSEHOLD_NOTES)).to_owned()),
        ..HouseholdPatch::default()
    }
}

/// Creates every field cadre's phone and confirmed households; files them; adds the proposed.
pub(super) fn register(ctx: &mut Ctx<'_, '_>, county: &County, weeks: usize) -> StoreResult<Field> {
    let first_monday = add_days(
        minqing_shared::calendar::VisitWeek::of(ctx.today).monday(),
        -7 * (weeks as i64 - 1),
    );
    let registered = add_days(first_monday, -3);
    let mut field = Field { phones: Vec::new(), households: Vec::new(), mine: Vec::new() };
    for (f, &c) in county.field.iter().enumerate() {
        let cadre = &county.cadres[c];
        let village = cadre.village.expect("field cadres have a village");
        let created = china_ms(add_days(registered, -7), 9 * 60);
        let device = DeviceId(ctx.g.uuid(created));
        let token = crate::auth::token_hash(&ctx.g.hex(32));
        let new = NewDevice {
            id: device,
            cadre: cadre.id,
            name: "演示手机",
            token_hash: &token,
            app_version: Some(crate::demo::APP_VERSION),
        };
        ctx.tx()?.insert_device(&new, created)?;
        let mut phone = Phone::new(county.author(c, device));
        let diligence = ctx.g.float(0.86, 0.95);
        let mut mine = Vec::new();
        for i in 0..cadre.households as usize {
            let t = china_ms(registered, 9 * 60 + 10 * i as i64 + ctx.g.between(0, 5));
            let id = HouseholdId(ctx.g.uuid(t));
            let group = ctx.g.below(u64::from(county.villages[village].groups)) as u32;
            let patch = HouseholdPatch {
                cadre_id: Some(Some(cadre.id)),
                status: Some(HouseholdStatus::Confirmed),
                ..profile(&mut ctx.g, county, village, group)
            };
            ctx.phone_op(&mut phone, t, id.0, Payload::Household(patch))?;
            let skip_from = match (c == county.demo_cadre, i) {
                (true, 0) => Some(weeks.saturating_sub(3)),
                (true, 1) => Some(weeks.saturating_sub(4)),
                _ => None,
            };
            let p = (diligence + ctx.g.float(-0.03, 0.03)).clamp(0.8, 0.98);
            mine.push(field.households.len());
            field.households.push(Hh { id, field: f, village, group, p, skip_from });
        }
        field.phones.push(phone);
        field.mine.push(mine);
    }
    ctx.tally.households = field.households.len();
    ctx.progress(
        2,
        &format!("households: {} confirmed on the cadres' phones", field.households.len()),
    );

    // Filing 备案 by each cadre's unit office; a few confirmed households still wait.
    for hh in &field.households {
        if ctx.g.chance(0.98) {
            let cadre = &county.cadres[county.field[hh.field]];
            let office = county.author(county.units[cadre.unit].office, ctx.server.id);
            let patch = HouseholdPatch {
                status: Some(HouseholdStatus::Filed),
                ..HouseholdPatch::default()
            };
            ctx.act(&office, hh.id.0, Payload::Household(patch))?;
            ctx.tally.filed += 1;
        }
    }

    // Households the villages proposed last week, entered by the office for the cadre to check.
    let proposed_on = add_days(ctx.today, -7);
    for &c in &county.field {
        let cadre = &county.cadres[c];
        let village = cadre.village.expect("field cadres have a village");
        let office = county.author(county.units[cadre.unit].office, ctx.server.id);
        for _ in 0..cadre.proposed {
            let id = HouseholdId(ctx.g.uuid(china_ms(proposed_on, 10 * 60)));
            let group = ctx.g.below(u64::from(county.villages[village].groups)) as u32;
            let patch = HouseholdPatch {
                cadre_id: Some(Some(cadre.id)),
                status: Some(HouseholdStatus::Proposed),
                notes: Some(PROPOSED_NOTE.to_owned()),
                ..profile(&mut ctx.g, county, village, group)
            };
            ctx.act(&office, id.0, Payload::Household(patch))?;
            ctx.tally.proposed += 1;
        }
    }
    ctx.tally.households += ctx.tally.proposed;
    ctx.progress(
        2,
        &format!("households: {} filed, {} proposed", ctx.tally.filed, ctx.tally.proposed),
    );
    Ok(field)
}
