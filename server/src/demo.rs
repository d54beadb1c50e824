//! The demo county (placeholder until the generator lands).

use crate::state::AppState;

/// The demo logins' password.
pub const DEMO_PASSWORD: &str = "minqing-demo";

/// Fills an empty database with the demo county; returns a summary.
pub fn ensure_demo(_state: &AppState) -> Result<String, crate::store::StoreError> {
    Ok(String::from("demo county: not generated yet"))
}
