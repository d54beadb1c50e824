//! A small county for the stories: one township with two villages and two field cadres, its
//! office, a second township with its own cadre, and the Organization Department.

use minqing_server::password::hash_password;
use minqing_server::store::{Db, StoreError};
use minqing_shared::ids::{CadreId, CountyId, UnitId, VillageId};
use minqing_shared::org::{Cadre, Role, Standing, Unit, UnitKind, Village};

use crate::PASSWORD;

/// The ids of the seeded county.
#[derive(Clone, Debug)]
pub struct County {
    /// 城关镇.
    pub township: UnitId,
    /// 河西乡, another township.
    pub other_township: UnitId,
    /// 组织部.
    pub org_unit: UnitId,
    /// The county they all belong to.
    pub county: CountyId,
    /// 东关村 (城关镇), 王建国's village.
    pub village: VillageId,
    /// 西关村 (城关镇), 李秀英's village.
    pub second_village: VillageId,
    /// 河西村 (河西乡).
    pub other_village: VillageId,
    /// `wang`: 王建国, ordinary cadre of 城关镇, linked to 东关村.
    pub wang: CadreId,
    /// `li`: 李秀英, middle-level cadre of 城关镇, linked to 西关村.
    pub li: CadreId,
    /// `zhao`: 赵志强, cadre of 河西乡.
    pub zhao: CadreId,
    /// `office`: 城关镇's contact-household office.
    pub office: CadreId,
    /// `org`: the Organization Department.
    pub org: CadreId,
}

impl County {
    /// Writes the county into `db` (units, villages, accounts with [`PASSWORD`]).
    pub fn seed(db: &Db) -> Result<Self, StoreError> {
        let c = County {
            township: UnitId::new(),
            other_township: UnitId::new(),
            org_unit: UnitId::new(),
            county: CountyId::new(),
            village: VillageId::new(),
            second_village: VillageId::new(),
            other_village: VillageId::new(),
            wang: CadreId::new(),
            li: CadreId::new(),
            zhao: CadreId::new(),
            office: CadreId::new(),
            org: CadreId::new(),
        };
        let hash = hash_password(PASSWORD);
        db.write(|tx| {
            tx.put_county(&minqing_shared::org::County { id: c.county, name: "测试县".into() })?;
            for (id, name, kind) in [
                (c.township, "城关镇", UnitKind::Township),
                (c.other_township, "河西乡", UnitKind::Township),
                (c.org_unit, "县委组织部", UnitKind::OrganizationDepartment),
            ] {
                tx.put_unit(&Unit { id, name: name.into(), kind, county_id: c.county })?;
            }
            for (id, name, township, population, standing) in [
                (c.village, "东关村", c.township, 1200, Standing::Advanced),
                (c.second_village, "西关村", c.township, 800, Standing::Middle),
                (c.other_village, "河西村", c.other_township, 450, Standing::Advanced),
            ] {
                tx.put_village(&Village {
                    id,
                    name: name.into(),
                    township_id: township,
                    population,
                    standing,
                })?;
            }
            for (id, username, name, unit, role, villages) in [
                (c.wang, "wang", "王建国", c.township, Role::Ordinary, vec![c.village]),
                (c.li, "li", "李秀英", c.township, Role::MiddleLevel, vec![c.second_village]),
                (c.zhao, "zhao", "赵志强", c.other_township, Role::Ordinary, vec![c.other_village]),
                (c.office, "office", "城关镇联系户办公室", c.township, Role::Office, vec![]),
                (c.org, "org", "县委组织部督查室", c.org_unit, Role::OrganizationDept, vec![]),
            ] {
                tx.put_cadre(
                    &Cadre {
                        id,
                        username: username.into(),
                        name: name.into(),
                        unit_id: unit,
                        role,
                        phone: "13800138000".into(),
                        title: "干部".into(),
                        villages,
                    },
                    Some(&hash),
                )?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(c)
    }
}

/// A county department 县直单位 with its contact-household office account `username` (password
/// [`PASSWORD`]): a unit a joint meeting may name responsible 承办单位.
pub fn add_department(
    db: &Db,
    county: &County,
    name: &str,
    username: &str,
) -> Result<(UnitId, CadreId), StoreError> {
    let (unit, office) = (UnitId::new(), CadreId::new());
    let hash = hash_password(PASSWORD);
    db.write(|tx| {
        let kind = UnitKind::CountyDepartment;
        tx.put_unit(&Unit { id: unit, name: name.into(), kind, county_id: county.county })?;
        let cadre = Cadre {
            id: office,
            username: username.into(),
            name: format!("{name}联系户办公室"),
            unit_id: unit,
            role: Role::Office,
            phone: "13800138001".into(),
            title: "干部".into(),
            villages: Vec::new(),
        };
        tx.put_cadre(&cadre, Some(&hash))
    })?;
    Ok((unit, office))
}
