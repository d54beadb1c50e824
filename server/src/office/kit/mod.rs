//! The pages' kit: what every office page is built from — the layout and its navigation, forms
//! and their errors, charts, downloads, the signed-in account and its session, the xlsx sheet every list exports to, the actions a form
//! records, the security headers, and the concern forms several pages show. No page imports another page; pages
//! import the kit and the figures.

pub mod act;
pub mod chart;
pub mod concern;
pub mod download;
pub mod error;
pub mod form;
pub mod headers;
pub mod layout;
pub mod origin;
pub mod session;
pub mod xlsx;
