//! Whose records an account sees and may act on, computed from the account, never sent by a
//! client. One rule, asked by the server's check of every op, by the office pages, and by the
//! pull queries of both database backends (a property test holds each query to [`sees`]).
//!
//! - A field cadre: the households linked to them, their contact villages, their unit, their
//!   own profile.
//! - An office: the households of its township's villages and those linked to its own cadres,
//!   its township's villages, its cadres, its unit and what is addressed to it (its monthly
//!   reports).
//! - The Organization Department and administrators: their county (a city's server holds
//!   several counties, none seeing another's).
//! - Besides, an office sees the concerns assigned to its unit 承办单位 by a joint meeting
//!   (on its desk 我的交办), wherever their households are ([`concern_access`]); what it may do
//!   on them is the permission table's ([`crate::permit::permit_access`]).

use crate::ids::{CadreId, CountyId, UnitId, VillageId};
use crate::org::Role;
use crate::permit::Refusal;

/// Whose records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A field cadre's own.
    Cadre {
        /// The cadre.
        cadre: CadreId,
        /// The cadre's unit.
        unit: UnitId,
    },
    /// An office's unit.
    Unit(UnitId),
    /// A county.
    County(CountyId),
}

impl Scope {
    /// The scope of an account of `role` in `unit` of `county`.
    pub fn of(role: Role, cadre: CadreId, unit: UnitId, county: CountyId) -> Scope {
        if role.is_county_wide() {
            Scope::County(county)
        } else if role.is_office() {
            Scope::Unit(unit)
        } else {
            Scope::Cadre { cadre, unit }
        }
    }

    /// The unit whose records an office sees (`None` for the county and for field cadres).
    pub fn office_unit(self) -> Option<UnitId> {
        match self {
            Scope::Unit(u) => Some(u),
            _ => None,
        }
    }
}

/// Where a household sits, as scope sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Placement {
    /// The county of its village's township (else of its cadre's unit).
    pub county: Option<CountyId>,
    /// The township of its village.
    pub township: Option<UnitId>,
    /// Its linked cadre.
    pub cadre: Option<CadreId>,
    /// The linked cadre's unit.
    pub cadre_unit: Option<UnitId>,
}

/// What a change of the log is about, as scope sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A household, its visits or its concerns.
    Household(Placement),
    /// A unit's profile.
    Unit {
        /// The unit.
        id: UnitId,
        /// Its county.
        county: CountyId,
    },
    /// A village's profile.
    Village {
        /// The village.
        id: VillageId,
        /// Its township.
        township: UnitId,
        /// The township's county.
        county: CountyId,
    },
    /// A cadre's profile.
    Cadre {
        /// The cadre.
        id: CadreId,
        /// Their unit.
        unit: UnitId,
        /// The unit's county.
        county: CountyId,
    },
    /// Addressed to a unit (its monthly reports).
    AddressedTo {
        /// The unit.
        unit: UnitId,
        /// Its county.
        county: CountyId,
    },
}

impl Subject {
    /// The county the subject belongs to.
    pub fn county(&self) -> Option<CountyId> {
        match self {
            Subject::Household(at) => at.county,
            Subject::Unit { county, .. }
            | Subject::Village { county, .. }
            | Subject::Cadre { county, .. }
            | Subject::AddressedTo { county, .. } => Some(*county),
        }
    }
}

/// Whether `scope` sees a household placed so.
pub fn sees_household(scope: Scope, at: &Placement) -> bool {
    match scope {
        Scope::County(county) => at.county == Some(county),
        Scope::Cadre { cadre, .. } => at.cadre == Some(cadre),
        Scope::Unit(unit) => at.township == Some(unit) || at.cadre_unit == Some(unit),
    }
}

/// How an account reaches a concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Its household is in the account's scope.
    Own,
    /// Only as the responsible unit 承办单位 the concern is assigned to.
    Assignee,
}

/// How `scope` reaches a concern of a household placed at `at`, assigned to `assigned_unit`
/// (the decision's 承办单位), if at all.
pub fn concern_access(
    scope: Scope,
    at: &Placement,
    assigned_unit: Option<UnitId>,
) -> Option<Access> {
    if sees_household(scope, at) {
        Some(Access::Own)
    } else if scope.office_unit().is_some() && scope.office_unit() == assigned_unit {
        Some(Access::Assignee)
    } else {
        None
    }
}

/// Whether `scope` sees a change about `subject`; `contact_villages` are the field cadre's own
/// (ignored for other scopes).
pub fn sees(scope: Scope, subject: &Subject, contact_villages: &[VillageId]) -> bool {
    match (scope, subject) {
        (_, Subject::Household(at)) => sees_household(scope, at),
        (Scope::County(county), _) => subject.county() == Some(county),
        (Scope::Cadre { unit, .. } | Scope::Unit(unit), Subject::Unit { id, .. }) => *id == unit,
        (Scope::Cadre { .. }, Subject::Village { id, .. }) => contact_villages.contains(id),
        (Scope::Unit(unit), Subject::Village { township, .. }) => *township == unit,
        (Scope::Cadre { cadre, .. }, Subject::Cadre { id, .. }) => *id == cadre,
        (Scope::Unit(unit), Subject::Cadre { unit: u, .. }) => *u == unit,
        (Scope::Cadre { .. }, Subject::AddressedTo { .. }) => false,
        (Scope::Unit(unit), Subject::AddressedTo { unit: u, .. }) => *u == unit,
    }
}

/// Whether `scope` may link a household to a cadre of `role` in `unit` of `county`: only to a
/// cadre who visits households; the Organization Department to its county's; an office only to
/// its own unit's cadres; a field cadre only to themself.
pub fn may_link(
    scope: Scope,
    target: CadreId,
    role: Role,
    unit: UnitId,
    county: CountyId,
) -> Result<(), Refusal> {
    if !role.visits_households() {
        return Err(Refusal::new(
            "not_field_cadre",
            "联系户只能由包村干部联系，不能联系到办公室或组织部账号（households are linked to field cadres only）",
        ));
    }
    let ok = match scope {
        Scope::County(c) => c == county,
        Scope::Unit(u) => u == unit,
        Scope::Cadre { cadre, .. } => cadre == target,
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::new(
            "out_of_scope",
            "只能联系到本单位的干部（a household is linked to a cadre of your own unit）",
        ))
    }
}

/// Whether a field cadre may place a household in `village`: one of their contact villages.
/// (An office's placement is checked by [`sees_household`] on where the household ends up.)
pub fn cadre_may_place(contact_villages: &[VillageId], village: VillageId) -> bool {
    contact_villages.contains(&village)
}

/// The refusal for a record outside the scope.
pub fn out_of_scope() -> Refusal {
    Refusal::new("out_of_scope", "不在您的联系范围内（not one of yours）")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_sees_its_own_households() {
        let (me, other) = (CadreId::new(), CadreId::new());
        let (town, dept) = (UnitId::new(), UnitId::new());
        let (here, there) = (Some(CountyId::new()), CountyId::new());
        let mine = Placement {
            county: here,
            township: Some(town),
            cadre: Some(me),
            cadre_unit: Some(town),
        };
        let dept_linked = Placement {
            county: here,
            township: Some(town),
            cadre: Some(other),
            cadre_unit: Some(dept),
        };
        let cases = [
            ("cadre, own household", Scope::Cadre { cadre: me, unit: town }, mine, true),
            ("cadre, another's", Scope::Cadre { cadre: me, unit: town }, dept_linked, false),
            ("township office, its village", Scope::Unit(town), dept_linked, true),
            ("department office, its cadre's", Scope::Unit(dept), dept_linked, true),
            ("department office, not its cadre's", Scope::Unit(dept), mine, false),
            ("its county", Scope::County(here.unwrap()), mine, true),
            ("another county", Scope::County(there), mine, false),
        ];
        for (name, scope, at, want) in cases {
            assert_eq!(sees_household(scope, &at), want, "{name}");
        }
    }

    #[test]
    fn the_responsible_unit_reaches_its_assigned_concerns_only() {
        let (town, dept, other) = (UnitId::new(), UnitId::new(), UnitId::new());
        let at = Placement {
            county: Some(CountyId::new()),
            township: Some(town),
            cadre: Some(CadreId::new()),
            cadre_unit: Some(town),
        };
        assert_eq!(concern_access(Scope::Unit(town), &at, Some(dept)), Some(Access::Own));
        assert_eq!(concern_access(Scope::Unit(dept), &at, Some(dept)), Some(Access::Assignee));
        assert_eq!(concern_access(Scope::Unit(other), &at, Some(dept)), None);
        assert_eq!(concern_access(Scope::Unit(dept), &at, None), None);
        let cadre = Scope::Cadre { cadre: CadreId::new(), unit: dept };
        assert_eq!(concern_access(cadre, &at, Some(dept)), None, "a cadre has no desk");
    }

    #[test]
    fn links_go_to_field_cadres_of_ones_own_unit() {
        let (me, other) = (CadreId::new(), CadreId::new());
        let (town, dept) = (UnitId::new(), UnitId::new());
        let c = CountyId::new();
        assert!(may_link(Scope::Unit(town), other, Role::Ordinary, town, c).is_ok());
        assert_eq!(
            may_link(Scope::Unit(town), other, Role::Ordinary, dept, c).unwrap_err().code,
            "out_of_scope"
        );
        assert_eq!(
            may_link(Scope::County(c), other, Role::OrganizationDept, dept, c).unwrap_err().code,
            "not_field_cadre"
        );
        assert!(may_link(Scope::County(c), other, Role::Ordinary, dept, c).is_ok());
        let elsewhere = CountyId::new();
        assert!(may_link(Scope::County(c), other, Role::Ordinary, dept, elsewhere).is_err());
        let mine = Scope::Cadre { cadre: me, unit: town };
        assert!(may_link(mine, me, Role::Ordinary, town, c).is_ok());
        assert!(may_link(mine, other, Role::Ordinary, town, c).is_err());
    }
}
