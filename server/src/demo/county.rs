//! The county's organisation: units, villages and accounts, planned so that the seed's rules
//! hold (`rules::check_assignments` finds nothing), then written through the sync log.

use std::collections::HashSet;

use minqing_shared::ids::{CadreId, CountyId, UnitId, VillageId};
use minqing_shared::org::{Cadre, Role, Standing, UnitKind, contact_quota};
use minqing_shared::sync::op::{CadreBody, Payload, UnitBody, VillageBody};

use super::DemoSpec;
use super::ctx::Ctx;
use super::names::{self, DEPARTMENTS, ORG_UNIT};
use super::rng::Gen;
use crate::store::StoreResult;
use crate::sync::Author;

/// A unit and its contact-household office account.
#[derive(Debug)]
pub(super) struct UnitPlan {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    /// The cadre index of its office (the Organization Department's own account for it).
    pub office: usize,
}

/// A village.
#[derive(Debug)]
pub(super) struct VillagePlan {
    pub id: VillageId,
    pub name: String,
    pub township: usize,
    pub population: u32,
    pub standing: Standing,
    /// Village groups 组.
    pub groups: u32,
    pub lat: f64,
    pub lon: f64,
}

/// An account.
#[derive(Debug)]
pub(super) struct CadrePlan {
    pub id: CadreId,
    pub username: String,
    pub name: String,
    pub unit: usize,
    pub role: Role,
    pub title: String,
    pub phone: String,
    /// The contact village of a field cadre.
    pub village: Option<usize>,
    /// Confirmed households to link.
    pub households: u32,
    /// Households the village proposed that the cadre has yet to confirm.
    pub proposed: u32,
}

/// The whole organisation.
#[derive(Debug)]
pub(super) struct County {
    /// The county's id.
    pub id: CountyId,
    /// Its name.
    pub name: String,
    pub units: Vec<UnitPlan>,
    pub villages: Vec<VillagePlan>,
    pub cadres: Vec<CadrePlan>,
    /// Index of `demo-org` (its unit is unit 0).
    pub org_cadre: usize,
    /// Index of `demo-cadre`.
    pub demo_cadre: usize,
    /// Cadres who visit households, in order.
    pub field: Vec<usize>,
}

impl County {
    /// The author of an account's actions (on `device`).
    pub fn author(&self, cadre: usize, device: minqing_shared::ids::DeviceId) -> Author {
        let c = &self.cadres[cadre];
        let unit = &self.units[c.unit];
        Author {
            device_id: device,
            cadre_id: c.id,
            role: c.role,
            unit_id: unit.id,
            unit_kind: unit.kind,
            county_id: self.id,
        }
    }

    /// Townships' count.
    pub fn townships(&self) -> usize {
        self.units.iter().filter(|u| u.kind == UnitKind::Township).count()
    }
}

fn population(g: &mut Gen, class: usize) -> u32 {
    match class {
        0 => g.between(180, 499) as u32,
        1 => g.between(500, 1000) as u32,
        _ => g.between(1001, 2800) as u32,
    }
}

/// Plans the county for `spec`; `start_ms` dates the ids.
pub(super) fn plan(g: &mut Gen, spec: &DemoSpec, start_ms: i64, nth: super::Nth) -> County {
    let county_id = CountyId(g.uuid(start_ms));
    let mut taken: HashSet<String> = HashSet::from(["王建国".to_owned()]);
    let mut units = Vec::new();
    let mut cadres: Vec<CadrePlan> = Vec::new();
    let account = |g: &mut Gen, taken: &mut HashSet<String>, unit, role, title: String| CadrePlan {
        id: CadreId(g.uuid(start_ms)),
        username: String::new(),
        name: names::unique_person(g, taken),
        unit,
        role,
        title,
        phone: names::mobile(g),
        village: None,
        households: 0,
        proposed: 0,
    };

    // The Organization Department and demo-org.
    units.push(UnitPlan {
        id: UnitId(g.uuid(start_ms)),
        name: ORG_UNIT.into(),
        kind: UnitKind::OrganizationDepartment,
        office: 0,
    });
    let mut org = account(g, &mut taken, 0, Role::OrganizationDept, "组织部副部长".into());
    org.username = "demo-org".into();
    cadres.push(org);

    // Townships and departments, each with its office.
    let township_names = names::townships(spec.townships);
    let departments = spec.departments.min(DEPARTMENTS.len()).min(spec.villages.saturating_sub(1));
    let unit_names = township_names.iter().map(|n| (n.clone(), UnitKind::Township)).chain(
        DEPARTMENTS[..departments].iter().map(|n| ((*n).to_owned(), UnitKind::CountyDepartment)),
    );
    for (i, (name, kind)) in unit_names.enumerate() {
        let unit = units.len();
        let mut office = account(g, &mut taken, unit, Role::Office, "联系户办公室主任".into());
        office.username = match (i, kind) {
            (0, _) => "demo-office".into(),
            (_, UnitKind::Township) => format!("office-t{:02}", i + 1),
            _ => format!("office-d{:02}", i + 1 - spec.townships),
        };
        units.push(UnitPlan { id: UnitId(g.uuid(start_ms)), name, kind, office: cadres.len() });
        cadres.push(office);
    }

    // Villages, spread over the townships; the first three exercise the three quotas.
    let village_names = names::villages(g, spec.villages);
    let mut villages: Vec<VillagePlan> = Vec::new();
    for t in 0..spec.townships {
        let n = spec.villages / spec.townships + usize::from(t < spec.villages % spec.townships);
        let lagging = ((n * 15).div_ceil(100)).max(1).min(n);
        let middle = ((n * 40) / 100).max(usize::from(n >= 3)).min(n - lagging);
        let mut standings: Vec<Standing> = (0..n)
            .map(|i| match i {
                _ if i < lagging => Standing::Lagging,
                _ if i < lagging + middle => Standing::Middle,
                _ => Standing::Advanced,
            })
            .collect();
        g.shuffle(&mut standings);
        if t == 0 {
            // demo-cadre's village: advanced, 500–1000 people, listed first.
            let first_advanced = standings.iter().position(|s| *s == Standing::Advanced);
            standings.swap(0, first_advanced.unwrap_or(0));
        }
        for standing in standings {
            let k = villages.len();
            let class = if k < 3 { [1, 0, 2][k] } else { g.weighted(&[22, 40, 38]) };
            let population = population(g, class);
            villages.push(VillagePlan {
                id: VillageId(g.uuid(start_ms)),
                name: village_names[k].clone(),
                township: 1 + t,
                population,
                standing,
                groups: (population / 160).clamp(2, 12),
                lat: 38.05 + g.float(0.0, 0.4),
                lon: 115.4 + g.float(0.0, 0.45),
            });
        }
    }

    let mut field = Vec::new();
    let mut next_user = 1;
    let mut add_field = |cadres: &mut Vec<CadrePlan>, mut c: CadrePlan, village: usize| {
        c.username = format!("cadre-{next_user:03}");
        next_user += 1;
        c.village = Some(village);
        c.households = contact_quota(villages[village].population);
        field.push(cadres.len());
        cadres.push(c);
    };

    // County departments: one village each (distinct), leadership members first.
    let per_department = spec.department_cadres;
    let mut pool: Vec<usize> = (1..villages.len()).collect();
    g.shuffle(&mut pool);
    for d in 0..departments {
        let unit = 1 + spec.townships + d;
        let village = pool[d % pool.len().max(1)];
        for k in 0..per_department {
            let (role, title) = if k < 2 || per_department <= 2 {
                (Role::LeadershipMember, names::DEPARTMENT_LEADER_TITLES[k % 6])
            } else {
                (Role::MiddleLevel, names::DEPARTMENT_MIDDLE_TITLES[k % 3])
            };
            let c = account(g, &mut taken, unit, role, title.into());
            add_field(&mut cadres, c, village);
        }
    }

    // Township cadres: principal leaders to lagging villages, middle-level cadres to middle
    // villages, ordinary cadres to advanced ones, leadership members to any (uncovered first).
    let township_cadres = spec.cadres.saturating_sub(departments * per_department);
    let mut demo_cadre = None;
    for t in 0..spec.townships {
        let unit = 1 + t;
        let n =
            township_cadres / spec.townships + usize::from(t < township_cadres % spec.townships);
        let principal = if n >= 8 { 2 } else { 1 };
        let leaders = (n * 22 / 100).max(1);
        let middle = (n * 30 / 100).max(1);
        let ordinary = n.saturating_sub(principal + leaders + middle);
        let mine: Vec<usize> =
            (0..villages.len()).filter(|v| villages[*v].township == unit).collect();
        let of = |s: Standing| -> Vec<usize> {
            mine.iter().copied().filter(|v| villages[*v].standing == s).collect()
        };
        let mut covered: HashSet<usize> = HashSet::new();
        let township = units[unit].name.clone();
        let roles = [
            (Role::PrincipalLeader, principal, of(Standing::Lagging)),
            (Role::MiddleLevel, middle, of(Standing::Middle)),
            (Role::Ordinary, ordinary, of(Standing::Advanced)),
        ];
        for (role, count, targets) in roles {
            for i in 0..count {
                let Some(village) = targets.get(i % targets.len().max(1)).copied() else { break };
                let title = match role {
                    Role::PrincipalLeader => names::PRINCIPAL_TITLES[i % 2],
                    Role::MiddleLevel => names::MIDDLE_TITLES[i % names::MIDDLE_TITLES.len()],
                    _ => *g.pick(names::ORDINARY_TITLES),
                };
                let mut c =
                    account(g, &mut taken, unit, role, names::township_title(title, &township));
                if t == 0 && role == Role::Ordinary && demo_cadre.is_none() {
                    c.name = "王建国".into();
                    demo_cadre = Some(cadres.len());
                }
                covered.insert(village);
                add_field(&mut cadres, c, village);
            }
        }
        let mut rest: Vec<usize> = mine.iter().copied().filter(|v| !covered.contains(v)).collect();
        rest.extend(mine.iter().copied());
        for i in 0..leaders {
            let title = names::TOWNSHIP_LEADER_TITLES[i % names::TOWNSHIP_LEADER_TITLES.len()];
            let c = account(
                g,
                &mut taken,
                unit,
                Role::LeadershipMember,
                names::township_title(title, &township),
            );
            if let Some(village) = rest.get(i % rest.len().max(1)).copied() {
                add_field(&mut cadres, c, village);
            }
        }
    }
    let demo_cadre = demo_cadre.unwrap_or(field[0]);
    cadres[demo_cadre].username = "demo-cadre".into();

    let name = nth.name();
    let prefix = nth.prefix();
    for c in &mut cadres {
        c.username = format!("{prefix}{}", c.username);
    }
    let mut county =
        County { id: county_id, name, units, villages, cadres, org_cadre: 0, demo_cadre, field };
    fit_households(g, spec, &mut county);
    county
}

/// Trims the cadres' household counts (each at most its village's quota) to the spec's total,
/// and hands out the households still only proposed.
fn fit_households(g: &mut Gen, spec: &DemoSpec, county: &mut County) {
    let proposed = (spec.households / 65).max(2);
    let target = spec.households.saturating_sub(proposed) as u32;
    let mut total: u32 = county.field.iter().map(|c| county.cadres[*c].households).sum();
    // Nobody drops more than 5 below the quota, so every village keeps its size class.
    let floors: Vec<u32> = county
        .field
        .iter()
        .map(|c| county.cadres[*c].households.saturating_sub(5).max(3))
        .collect();
    let mut stuck = 0;
    while total > target && stuck < 100_000 {
        let i = g.below(county.field.len() as u64) as usize;
        let cadre = &mut county.cadres[county.field[i]];
        if cadre.households > floors[i] {
            cadre.households -= 1;
            total -= 1;
        } else {
            stuck += 1;
        }
    }
    county.cadres[county.demo_cadre].proposed = 2;
    for _ in 2..proposed {
        let c = county.field[g.below(county.field.len() as u64) as usize];
        county.cadres[c].proposed += 1;
    }
}

/// Writes units, villages and accounts (with `hash` as every password), each logged as an op
/// of the Organization Department so that phones and offices pull them.
pub(super) fn write(ctx: &mut Ctx<'_, '_>, county: &County, hash: &str) -> StoreResult<()> {
    ctx.tx()?
        .put_county(&minqing_shared::org::County { id: county.id, name: county.name.clone() })?;
    let org = county.author(county.org_cadre, ctx.server.id);
    for u in &county.units {
        let body = UnitBody { name: u.name.clone(), kind: u.kind, county_id: Some(county.id) };
        ctx.act(&org, u.id.0, Payload::Unit(body))?;
    }
    for v in &county.villages {
        let body = VillageBody {
            name: v.name.clone(),
            township_id: county.units[v.township].id,
            population: v.population,
            standing: v.standing,
        };
        ctx.act(&org, v.id.0, Payload::Village(body))?;
    }
    for c in &county.cadres {
        let villages: Vec<VillageId> =
            c.village.map(|v| county.villages[v].id).into_iter().collect();
        let row = Cadre {
            id: c.id,
            username: c.username.clone(),
            name: c.name.clone(),
            unit_id: county.units[c.unit].id,
            role: c.role,
            phone: c.phone.clone(),
            title: c.title.clone(),
            villages: villages.clone(),
        };
        ctx.tx()?.put_cadre(&row, Some(hash))?;
        let body = CadreBody {
            name: c.name.clone(),
            unit_id: row.unit_id,
            unit_name: county.units[c.unit].name.clone(),
            role: c.role,
            phone: c.phone.clone(),
            title: c.title.clone(),
            villages,
        };
        ctx.act(&org, c.id.0, Payload::Cadre(body))?;
    }
    Ok(())
}
