//! # minqing-mobile
//!
//! The phone app of 民情通 Minqing, for cadres at doorsteps with no signal: a local SQLite
//! [`store`] with an outbox, a [`sync`] engine that pushes and pulls in the background, the
//! contact card, [`i18n`] (Chinese first) and the [`ui`] screens (Dioxus 0.7), the same on a
//! phone, a desktop and a browser but for the [`platform`] seams. The UI reaches
//! data only through the [`services::Services`] in its context.

pub mod i18n;
pub mod keys;
pub mod location;
pub mod notify;
pub mod photo;
pub mod platform;
pub mod services;
pub mod store;
pub mod sync;
pub mod ui;
pub mod vault;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use store::Store;
