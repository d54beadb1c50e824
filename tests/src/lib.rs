//! Helpers for the end-to-end stories in `tests/tests/`: a real server on 127.0.0.1:0 over its
//! own temporary SQLite file, a small seeded county, and an API client that behaves like a phone.

pub mod admin;
pub mod bench;
pub mod browser;
pub mod clock;
pub mod county;
pub mod faults;
pub mod office;
pub mod phone;
pub mod proxy;
pub mod server;
pub mod sql;

pub use county::County;
pub use phone::ApiPhone;
pub use server::{ServerProcess, TestServer};

/// The password of every account the test county seeds.
pub const PASSWORD: &str = "test-password";
