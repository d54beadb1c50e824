//! `minqing-bench`'s programs, and the county and the day of work they use.

pub mod office;
pub mod sync;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Duration as Days;
use minqing_server::AppState;
use minqing_server::password::hash_password;
use minqing_server::store::StoreError;
use minqing_server::sync::{Author, Refusal, ServerDevice};
use minqing_shared::concern::{Category, ConcernAction, Step};
use minqing_shared::ids::{
    CadreId, ConcernId, CountyId, HouseholdId, OpId, UnitId, VillageId, VisitId,
};
use minqing_shared::org::{Cadre, Role, Standing, UnitKind};
use minqing_shared::sync::op::{HouseholdPatch, Payload, UnitBody, VillageBody, VisitBody};
use minqing_shared::sync::{HlcClock, Op};
use minqing_shared::visit::{Topic, VisitMode};

use crate::{ApiPhone, PASSWORD, TestServer};

/// A township with `n` field cadres, each linked to 20 households.
#[derive(Clone, Debug)]
pub struct BenchCounty {
    /// The township.
    pub township: UnitId,
    /// The cadres, in order.
    pub cadres: Vec<CadreId>,
    /// Each cadre's households.
    pub households: Vec<Vec<HouseholdId>>,
    org: Author,
}

fn refused(r: Refusal) -> StoreError {
    StoreError::Database(format!("seed op refused: {} {}", r.code, r.message))
}

impl BenchCounty {
    /// Seeds the county through the server's own ops, so phones pull it.
    pub fn seed(state: &AppState, n: usize) -> Result<Self, StoreError> {
        let township = UnitId::new();
        let org_unit = UnitId::new();
        let county = minqing_shared::org::County { id: CountyId::new(), name: "测试县".into() };
        let org = Author {
            device_id: state.server_device().id,
            cadre_id: CadreId::new(),
            role: Role::OrganizationDept,
            unit_id: org_unit,
            unit_kind: UnitKind::OrganizationDepartment,
            county_id: county.id,
        };
        let hash = hash_password(PASSWORD);
        let cadres: Vec<CadreId> = (0..n).map(|_| CadreId::new()).collect();
        let households: Vec<Vec<HouseholdId>> =
            (0..n).map(|_| (0..20).map(|_| HouseholdId::new()).collect()).collect();
        let now = crate::clock::now_ms();
        let device = state.server_device();
        state.db().write(|tx| {
            tx.put_county(&county)?;
            let mut act = |record: uuid::Uuid, payload: Payload| {
                device.act(tx, &org, record, payload, now)?.map_err(refused)
            };
            act(
                org_unit.0,
                Payload::Unit(UnitBody {
                    name: "县委组织部".into(),
                    kind: UnitKind::OrganizationDepartment,
                    county_id: Some(county.id),
                }),
            )?;
            act(
                township.0,
                Payload::Unit(UnitBody {
                    name: "城关镇".into(),
                    kind: UnitKind::Township,
                    county_id: Some(county.id),
                }),
            )?;
            let villages: Vec<VillageId> = (0..n.div_ceil(2)).map(|_| VillageId::new()).collect();
            for (i, v) in villages.iter().enumerate() {
                let body = VillageBody {
                    name: format!("第{i}村"),
                    township_id: township,
                    population: 1200,
                    standing: Standing::Advanced,
                };
                act(v.0, Payload::Village(body))?;
            }
            for (i, cadre) in cadres.iter().enumerate() {
                let row = Cadre {
                    id: *cadre,
                    username: format!("c{i}"),
                    name: format!("干部{i}"),
                    unit_id: township,
                    role: Role::Ordinary,
                    phone: format!("138{i:08}"),
                    title: "科员".into(),
                    villages: vec![villages[i / 2]],
                };
                tx.put_cadre(&row, Some(&hash))?;
                for (j, h) in households[i].iter().enumerate() {
                    let patch = HouseholdPatch {
                        village_id: Some(villages[i / 2]),
                        head_name: Some(format!("户主{i}-{j}")),
                        address: Some(format!("{}组 {}号", j % 5 + 1, j + 1)),
                        phone: Some(format!("139{i:04}{j:04}")),
                        cadre_id: Some(Some(*cadre)),
                        ..HouseholdPatch::default()
                    };
                    device.act(tx, &org, h.0, Payload::Household(patch), now)?.map_err(refused)?;
                }
            }
            Ok::<_, StoreError>(())
        })?;
        // As the demo county and a roster import do after their large writes.
        state.db().after_bulk_write()?;
        Ok(Self { township, cadres, households, org })
    }

    /// The username of cadre `i`.
    pub fn username(&self, i: usize) -> String {
        format!("c{i}")
    }

    /// Adds a year of weekly visits and some concerns for cadre `i`; returns the ops added.
    pub fn add_year(&self, state: &AppState, i: usize) -> Result<usize, StoreError> {
        let cadre = Author {
            cadre_id: self.cadres[i],
            role: Role::Ordinary,
            unit_id: self.township,
            unit_kind: UnitKind::Township,
            ..self.org
        };
        // Each visit stamped when it was made, as the cadre's phone would have: the server's
        // device id on a clock of its own that starts a year back (the server's own clock has
        // already stamped today's ops and never goes back).
        let device = ServerDevice {
            id: state.server_device().id,
            clock: std::sync::Mutex::new(HlcClock::new()),
        };
        let now = crate::clock::now();
        let mut ops = 0;
        state.db().write(|tx| {
            for week in (1..=52).rev() {
                for (j, h) in self.households[i].iter().enumerate() {
                    let at = now - Days::weeks(week) + Days::hours(j as i64);
                    let visit = VisitId::new();
                    let body = VisitBody {
                        photos: Vec::new(),
                        household_id: *h,
                        cadre_id: cadre.cadre_id,
                        visited_at: at,
                        mode: VisitMode::InPerson,
                        topics: vec![Topic::KeyWork],
                        policies: "讲解惠农政策".into(),
                        summary: format!("第{week}周走访，谈了生产生活情况"),
                        gps: None,
                        no_fix: None,
                    };
                    device
                        .act(tx, &cadre, visit.0, Payload::Visit(body), at.timestamp_millis())?
                        .map_err(refused)?;
                    ops += 1;
                    if (week + j as i64) % 40 == 0 {
                        let step = Step {
                            actor: cadre.cadre_id,
                            at,
                            action: ConcernAction::Raise {
                                photos: Vec::new(),
                                household_id: *h,
                                visit_id: Some(visit),
                                category: Category::ALL[j % 12],
                                description: "道路坑洼，雨天出行难".into(),
                            },
                        };
                        device
                            .act(
                                tx,
                                &cadre,
                                ConcernId::new().0,
                                Payload::Concern(step),
                                at.timestamp_millis(),
                            )?
                            .map_err(refused)?;
                        ops += 1;
                    }
                }
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(ops)
    }

    /// Counts, among `sent` op ids, those the server lost and any it stored twice.
    pub fn audit(&self, server: &TestServer, sent: &[OpId]) -> Result<(usize, usize), StoreError> {
        let mut sql = server.sql();
        let stored = sql.column("SELECT op_id FROM ops", &[]);
        let expected: HashSet<String> = sent.iter().map(|o| o.to_string()).collect();
        let found: Vec<&String> = stored.iter().filter(|s| expected.contains(*s)).collect();
        let distinct: HashSet<&&String> = found.iter().collect();
        let visits = sql.count("SELECT COUNT(*) - COUNT(DISTINCT id) FROM visits", &[]);
        Ok((expected.len() - distinct.len(), found.len() - distinct.len() + visits as usize))
    }
}

/// A device-day: a visit to each of 20 households, and 5 concerns raised on the way.
pub fn day_ops(phone: &mut ApiPhone, households: &[HouseholdId]) -> Vec<Op> {
    let mut ops = Vec::new();
    for (i, h) in households.iter().enumerate() {
        let (visit, op) = phone
            .visit(*h, &format!("第{i}户：谈了今年玉米收成、冬季取暖和孩子上学，家中老人身体尚好"));
        ops.push(op);
        if i % 4 == 0 {
            ops.push(
                phone
                    .raise(
                        *h,
                        Some(visit),
                        Category::ALL[i % 12],
                        "机井年久失修，浇地困难，希望帮助协调维修",
                    )
                    .1,
            );
        }
    }
    ops
}

/// The `p`th percentile of `values` (sorted in place).
pub fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}

/// A duration in milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
