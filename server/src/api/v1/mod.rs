//! `/api/v1`.

pub mod auth;
pub mod sync;
