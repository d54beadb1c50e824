//! Helpers for the end-to-end stories in `tests/tests/`.
