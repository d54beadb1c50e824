//! The JSON API; module paths mirror URLs.

pub mod v1;
