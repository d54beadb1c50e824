//! The sync protocol (DESIGN.md, "Sync protocol"): ops, the hybrid logical clock, wire types,
//! the merge rules and the checks every op passes before it is stored.

pub mod hlc;
pub mod merge;
pub mod op;
pub mod validate;
pub mod wire;

pub use hlc::{Hlc, HlcClock, Stamp};
pub use merge::{ConcernEvent, ConcernState, HouseholdState, Lww};
pub use op::{Op, Payload, RecordType, SCHEMA_VERSION};
pub use wire::*;
