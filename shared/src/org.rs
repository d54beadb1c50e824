//! The county's organisation: units, villages and cadres, and the contact quota.

use serde::{Deserialize, Serialize};

use crate::ids::{CadreId, CountyId, UnitId, VillageId};
use crate::label::labeled_enum;

labeled_enum! {
    /// What kind of unit 单位 a cadre belongs to.
    pub enum UnitKind {
        Township = "township" => ("乡镇", "Township"),
        CountyDepartment = "county_department" => ("县直单位", "County department"),
        OrganizationDepartment = "organization_department" => ("组织部", "Organization Department"),
    }
}

labeled_enum! {
    /// How a village stands; decides which township cadres link to it.
    pub enum Standing {
        Advanced = "advanced" => ("先进村", "Advanced village"),
        Middle = "middle" => ("中间状态村", "Middle-status village"),
        Lagging = "lagging" => ("后进村", "Lagging village"),
    }
}

labeled_enum! {
    /// A cadre's role; decides both the assignment rules and what the account may do.
    pub enum Role {
        PrincipalLeader = "principal_leader" => ("主要领导", "Principal leader"),
        LeadershipMember = "leadership_member" => ("班子成员", "Leadership team member"),
        MiddleLevel = "middle_level" => ("中层干部", "Middle-level cadre"),
        Ordinary = "ordinary" => ("一般干部", "Ordinary cadre"),
        Office = "office" => ("联系户办公室", "Contact-household office"),
        OrganizationDept = "organization_dept" => ("组织部", "Organization Department"),
        Admin = "admin" => ("管理员", "Administrator"),
    }
}

impl Role {
    /// Cadres who visit households in the field (and so use the phone app).
    pub fn visits_households(self) -> bool {
        matches!(
            self,
            Role::PrincipalLeader | Role::LeadershipMember | Role::MiddleLevel | Role::Ordinary
        )
    }

    /// Roles that may use the office pages.
    pub fn is_office(self) -> bool {
        matches!(self, Role::Office | Role::OrganizationDept | Role::Admin)
    }

    /// Roles whose scope is the whole county.
    pub fn is_county_wide(self) -> bool {
        matches!(self, Role::OrganizationDept | Role::Admin)
    }
}

/// A county 县: the Organization Department's whole scope. A city's server holds several, each
/// seeing only its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct County {
    /// Its id.
    pub id: CountyId,
    /// Its name, e.g. 清河县.
    pub name: String,
}

/// A unit 单位: a township, a county department or the Organization Department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Its id.
    pub id: UnitId,
    /// Its name, e.g. 城关镇.
    pub name: String,
    /// Township, county department or Organization Department.
    pub kind: UnitKind,
    /// The county it belongs to.
    pub county_id: CountyId,
}

/// A village 村.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Village {
    /// Its id.
    pub id: VillageId,
    /// Its name, e.g. 东关村.
    pub name: String,
    /// The township it belongs to.
    pub township_id: UnitId,
    /// Registered population.
    pub population: u32,
    /// Advanced, middle or lagging.
    pub standing: Standing,
}

impl Village {
    /// How many contact households this village's cadres link to.
    pub fn quota(&self) -> u32 {
        contact_quota(self.population)
    }
}

/// The number of contact households for a village of `population` people: under 500 → 10,
/// 500 to 1000 → 15, over 1000 → 20 (the seed's 民情联络制度).
pub fn contact_quota(population: u32) -> u32 {
    match population {
        0..500 => 10,
        500..=1000 => 15,
        _ => 20,
    }
}

/// A cadre 干部 (an account).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadre {
    /// Its id.
    pub id: CadreId,
    /// The account's login name, e.g. `wang.jianguo`.
    #[serde(default)]
    pub username: String,
    /// Full name, e.g. 王建国.
    pub name: String,
    /// The unit the cadre works in.
    pub unit_id: UnitId,
    /// The cadre's role.
    pub role: Role,
    /// Mobile number, printed on the contact card.
    pub phone: String,
    /// Job title, e.g. 党委副书记.
    pub title: String,
    /// The contact village(s) 联系村.
    pub villages: Vec<VillageId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::Label;

    #[test]
    fn quota_follows_the_seed_at_every_boundary() {
        let cases = [
            ("an empty village", 0, 10),
            ("just under 500 people", 499, 10),
            ("exactly 500 people", 500, 15),
            ("exactly 1000 people", 1000, 15),
            ("just over 1000 people", 1001, 20),
            ("a large village", 5000, 20),
        ];
        for (name, population, quota) in cases {
            assert_eq!(contact_quota(population), quota, "{name}");
        }
    }

    #[test]
    fn labels_and_wire_names_are_stable() {
        assert_eq!(Standing::Lagging.zh(), "后进村");
        assert_eq!(serde_json::to_string(&Role::MiddleLevel).unwrap(), "\"middle_level\"");
        assert_eq!(Role::from_code("office"), Some(Role::Office));
        assert_eq!(Role::from_code("boss"), None);
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(*role));
        }
    }
}
