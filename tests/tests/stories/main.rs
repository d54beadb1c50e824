//! The end-to-end stories, one test binary (one link, one process) for all but the few that
//! need a process of their own: those that set the process's clock (`calendar_turns`,
//! `notifier`) and the browser stories (`office_browser`, `web_app_browser`). Each module is
//! one story file; run one with `cargo test -p minqing-tests --test stories MODULE::`.

mod admin_accounts;
mod admin_import;
mod api_walkthrough;
mod bad_input;
mod chaos;
mod concurrent_writes;
mod derived_data;
mod field_corrections;
mod field_photos;
mod field_place;
mod field_time;
mod fuzz_push;
mod hardening_audit;
mod hardening_bounds;
mod hardening_logins;
mod hardening_metrics_headers;
mod hardening_spreadsheets;
mod hardening_workflow;
mod office_admin;
mod office_concerns;
mod office_demo;
mod office_desk;
mod office_evaluation;
mod office_exports;
mod office_households;
mod office_report;
mod office_roster;
mod office_week;
mod phone_erase;
mod phone_sync;
mod postgres_numbering;
mod postgres_statements;
mod role_matrix;
mod role_matrix_generated;
mod role_matrix_office;
mod scope_property;
mod server_logs;
mod server_restart;
mod sync_server;
mod two_servers;
mod web_app_files;
