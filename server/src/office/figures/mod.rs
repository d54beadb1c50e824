//! The figures the pages show and export, computed from the store's scoped rows: the month's
//! (the monthly report, the county's summary) and the evaluation's scores. Pure functions, tested
//! without a database, so a page and its spreadsheet cannot disagree.

pub mod month;
pub mod scores;
