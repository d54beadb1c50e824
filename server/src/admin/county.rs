//! Which county an administration command works on. A server usually holds one county; a city's
//! holds several, and then the command names one (`--county 清河县`). The office pages act on
//! the signed-in account's county.

use minqing_shared::ids::CountyId;
use minqing_shared::org::County;

use crate::store::{StoreResult, Tx};

/// The name a county gets when the first roster is imported without naming one.
pub const DEFAULT_COUNTY_NAME: &str = "本县";

/// The county a command names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The database's only county (created, as [`DEFAULT_COUNTY_NAME`], if there is none).
    Only,
    /// The county of this name (created if there is none).
    Named(String),
    /// This county (the signed-in account's).
    Id(CountyId),
}

/// The county `target` names, and whether it is new (to be created by a write); or why it
/// cannot be told.
pub fn resolve(tx: &mut Tx<'_>, target: &Target) -> StoreResult<Result<(County, bool), String>> {
    let counties = tx.counties()?;
    let new = |name: &str| Ok(Ok((County { id: CountyId::new(), name: name.to_owned() }, true)));
    match target {
        Target::Id(id) => Ok(counties
            .into_iter()
            .find(|c| c.id == *id)
            .map(|c| (c, false))
            .ok_or_else(|| "该县不存在 (no such county)".to_owned())),
        Target::Named(name) => match counties.into_iter().find(|c| c.name == *name) {
            Some(c) => Ok(Ok((c, false))),
            None => new(name),
        },
        Target::Only => match counties.len() {
            0 => new(DEFAULT_COUNTY_NAME),
            1 => Ok(Ok((counties.into_iter().next().expect("one county"), false))),
            _ => {
                let names: Vec<String> = counties.into_iter().map(|c| c.name).collect();
                Ok(Err(format!(
                    "数据库中有{}个县（{}），请用 --county 指明 (several counties: name one with --county)",
                    names.len(),
                    names.join("、")
                )))
            }
        },
    }
}
