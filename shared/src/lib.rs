//! # minqing-shared
//!
//! The domain of 民情通 Minqing — the county's contact-household system 民情联系户制度 — its
//! rules, and the sync protocol, shared by the server and the phone app. Pure Rust without I/O,
//! so it builds for servers, phones and wasm alike, and server and phone cannot disagree.
//!
//! - [`org`], [`household`], [`visit`], [`concern`]: the domain, with Chinese and English labels;
//! - [`calendar`]: every date the system runs on (UTC+8);
//! - [`rules`]: the seed's assignment rules, as warnings;
//! - [`permit`]: who may do what to which record in which state, one table;
//! - [`photo`]: photos on visits and concerns: their names, limits and checks;
//! - [`place`]: where a visit happened against its household's place (位置存疑);
//! - [`reminders`]: what cadres and offices are reminded of, and when;
//! - [`scope`]: whose records an account sees;
//! - [`sync`]: ops, the hybrid logical clock, wire types and merge;
//! - [`card`]: the cadre's contact card as a vCard and QR code.

#![warn(missing_docs)]

pub mod calendar;
pub mod card;
pub mod clock;
pub mod concern;
pub mod desk;
pub mod household;
pub mod ids;
pub mod label;
pub mod org;
pub mod permit;
pub mod photo;
pub mod place;
pub mod reminders;
pub mod rules;
pub mod scope;
pub mod setup_link;
pub mod sync;
pub mod visit;

pub use label::{Label, Lang};
