//! `/api/v1`.

pub mod auth;
pub mod photos;
pub mod sync;
