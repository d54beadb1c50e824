//! `/api/v1`.

pub mod auth;
pub mod device;
pub mod photos;
pub mod sync;
