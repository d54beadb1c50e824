//! The office web 联系户办公室: server-rendered pages under `/office` for the township and
//! county-department offices and the Organization Department 组织部.
//!
//! **Why `maud`.** Pages are rendered on the server with the `maud` HTML macros rather than
//! Dioxus SSR or a runtime template engine: the templates are Rust, type-checked with the
//! handlers' data (a renamed field breaks the build, not a page at run time); every interpolated
//! value is HTML-escaped unless wrapped in `PreEscaped` (used only for the QR code's SVG and the
//! charts, which the server itself draws); there are no template files to ship or find at run
//! time; and it compiles fast, with no virtual DOM, hooks or signals that a page without
//! JavaScript never uses. The pages work without JavaScript: every action is an HTML form.
//!
//! **Security.** A login opens a server-side session (a random id in an `HttpOnly`,
//! `SameSite=Strict` cookie; only its SHA-256 is stored; it expires after an hour unused). Every
//! form carries the session's CSRF token, checked on every POST ([`session::Post`]). Field
//! cadres get 403: the office pages are for the office roles ([`minqing_shared::org::Role::is_office`]).
//!
//! **Scope.** A township office sees its villages and the households of its cadres; a county
//! department's office the households linked to its cadres; the Organization Department and
//! administrators the county ([`scope`]).
//!
//! **Actions are ops.** Filing a household, a meeting decision, a ledger record, completing a
//! concern and the monthly report are recorded with [`crate::sync::ServerDevice::act`], the same
//! checks and merge as a phone's op, so phones receive them by pull and the history has one
//! shape. A refusal from `act` is shown on the form; bad input re-renders the form with field
//! errors and stores nothing.

mod account_actions;
mod accounts;
mod act;
mod audit_log;
mod cards;
mod chart;
mod concerns;
mod county;
mod detail;
mod error;
mod evaluation;
mod export;
mod form;
mod home;
mod households;
mod import;
mod layout;
mod ledger;
mod meeting;
mod notice;
mod overrides;
mod register;
mod report;
mod scope;
mod scores;
mod session;
mod stats;
mod week;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use error::OfficeError;
pub use session::{IDLE_TIMEOUT_MS, SESSION_COOKIE};

/// Every `/office` route, merged into the server's one route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(home::page))
        .route("/office/", get(home::page))
        .route("/office/login", get(session::login_page).post(session::login))
        .route("/office/logout", post(session::logout))
        .route("/office/households", get(households::page))
        .route("/office/households/file", post(households::file))
        .route("/office/households/override", post(overrides::accept))
        .route("/office/households/new", get(register::new_page).post(register::create))
        .route("/office/households/{id}", get(register::form_page))
        .route("/office/week", get(week::page))
        .route("/office/concerns", get(concerns::list))
        .route("/office/concerns/{id}", get(detail::page))
        .route("/office/concerns/{id}/decide", post(meeting::decide))
        .route("/office/concerns/{id}/complete", post(concerns::complete))
        .route("/office/concerns/{id}/ledger", post(ledger::put_on))
        .route("/office/concerns/{id}/supervise", post(ledger::supervise))
        .route("/office/households.csv", get(export::households_csv))
        .route("/office/report", get(report::page))
        .route("/office/report/submit", post(report::submit))
        .route("/office/report/file", post(report::file))
        .route("/office/report/export.xlsx", get(export::report_xlsx))
        .route("/office/report/export.csv", get(export::report_csv))
        .route("/office/meeting", get(meeting::page))
        .route("/office/ledger", get(ledger::page))
        .route("/office/evaluation", get(evaluation::page))
        .route("/office/evaluation/notes", post(evaluation::add_note))
        .route("/office/evaluation/notice", get(notice::page))
        .route("/office/cards", get(cards::page))
        .route("/office/import", get(import::page).post(import::upload))
        .route("/office/import/template.xlsx", get(import::template))
        .route("/office/accounts", get(accounts::page))
        .route("/office/accounts/disable", post(account_actions::disable))
        .route("/office/accounts/enable", post(account_actions::enable))
        .route("/office/accounts/reset-password", post(account_actions::reset_password))
        .route("/office/accounts/revoke-device", post(account_actions::revoke_device))
        .route("/office/audit", get(audit_log::page))
        .route("/office/audit.csv", get(audit_log::csv))
        .layer(axum::middleware::from_fn(session::secure_cookies_behind_https))
}
