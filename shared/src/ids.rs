//! Record identifiers: newtypes over UUIDv7, created on the device that makes the record, so a
//! record made offline already has its final id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(
    /// A township, county department or the Organization Department.
    UnitId
);
id_type!(
    /// A village.
    VillageId
);
id_type!(
    /// A cadre's account.
    CadreId
);
id_type!(
    /// A contact household.
    HouseholdId
);
id_type!(
    /// A visit (a contact-card entry).
    VisitId
);
id_type!(
    /// A concern raised by a household.
    ConcernId
);
id_type!(
    /// A phone, or a server acting as a device for office actions.
    DeviceId
);
id_type!(
    /// One sync operation.
    OpId
);
id_type!(
    /// A monthly report of a unit.
    ReportId
);
id_type!(
    /// A county 县: one Organization Department and its townships and departments (a city's
    /// server holds several).
    CountyId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_round_trip_as_plain_strings() {
        let id = HouseholdId::new();
        assert_eq!(id.uuid().get_version_num(), 7);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        let back: HouseholdId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string().parse::<HouseholdId>().unwrap(), id);
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = VisitId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = VisitId::new();
        assert!(a < b);
    }
}
