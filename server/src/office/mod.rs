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
//! administrators the county ([`minqing_shared::scope`]).
//!
//! **Actions are ops.** Filing a household, a meeting decision, a ledger record, completing a
//! concern and the monthly report are recorded with [`crate::sync::ServerDevice::act`], the same
//! checks and merge as a phone's op, so phones receive them by pull and the history has one
//! shape. A refusal from `act` is shown on the form; bad input re-renders the form with field
//! errors and stores nothing.

mod accounts;
mod audit;
mod cards;
mod concerns;
mod desk;
mod evaluation;
mod figures;
mod home;
mod households;
mod import;
pub mod kit;
mod ledger;
mod login;
mod meeting;
mod notifications;
mod photos;
mod report;
mod week;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use kit::error::OfficeError;
pub use kit::session::{IDLE_TIMEOUT_MS, SESSION_COOKIE};

/// Every `/office` route, merged into the server's one route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(home::page))
        .route("/office/", get(home::page))
        .route("/office/login", get(login::page).post(login::submit))
        .route("/office/logout", post(login::logout))
        .route("/office/households", get(households::page))
        .route("/office/households/file", post(households::file::post))
        .route("/office/households/override", post(households::overrides::post))
        .route("/office/households/new", get(households::new::page).post(households::new::post))
        .route("/office/households/{id}", get(households::detail::page))
        .route(
            "/office/households/{id}/edit",
            get(households::edit::page).post(households::edit::post),
        )
        .route("/office/households/{id}/retire", post(households::edit::retire))
        .route("/office/households/{id}/restore", post(households::edit::restore))
        .route("/office/households.csv", get(households::export::csv))
        .route("/office/households.xlsx", get(households::export::xlsx))
        .route("/office/photos/{id}", get(photos::whole))
        .route("/office/photos/{id}/thumb", get(photos::thumb))
        .route("/office/week", get(week::page))
        .route("/office/week.xlsx", get(week::xlsx))
        .route("/office/concerns", get(concerns::page))
        .route("/office/concerns.xlsx", get(concerns::export::xlsx))
        .route("/office/concerns/{id}", get(concerns::detail::page))
        .route("/office/concerns/{id}/decide", post(concerns::decide::post))
        .route("/office/concerns/{id}/complete", post(concerns::complete::post))
        .route("/office/concerns/{id}/progress", post(concerns::progress::post))
        .route("/office/desk", get(desk::page))
        .route("/office/concerns/{id}/ledger", post(concerns::ledger::post))
        .route("/office/concerns/{id}/supervise", post(concerns::supervise::post))
        .route("/office/report", get(report::page))
        .route("/office/report/submit", post(report::submit::post))
        .route("/office/report/file", post(report::file::post))
        .route("/office/report/export.xlsx", get(report::export::xlsx))
        .route("/office/report/export.csv", get(report::export::csv))
        .route("/office/report/county.xlsx", get(report::county::xlsx))
        .route("/office/meeting", get(meeting::page))
        .route("/office/ledger", get(ledger::page))
        .route("/office/ledger.xlsx", get(ledger::xlsx))
        .route("/office/ledger/merge", post(ledger::merge))
        .route("/office/evaluation", get(evaluation::page))
        .route("/office/evaluation/notes", post(evaluation::notes::post))
        .route("/office/evaluation/notice", get(evaluation::notice::page))
        .route("/office/evaluation/export.xlsx", get(evaluation::export::xlsx))
        .route("/office/cards", get(cards::page))
        .route("/office/notifications", get(notifications::page))
        .route(
            "/office/import",
            get(import::page)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import::MAX_UPLOAD + 64 * 1024)),
        )
        .route("/office/import/template.xlsx", get(import::template))
        .route("/office/accounts", get(accounts::page))
        .route("/office/accounts/disable", post(accounts::actions::disable))
        .route("/office/accounts/enable", post(accounts::actions::enable))
        .route("/office/accounts/reset-password", post(accounts::actions::reset_password))
        .route("/office/accounts/revoke-device", post(accounts::actions::revoke_device))
        .route("/office/accounts/erase-device", post(accounts::actions::erase_device))
        .route("/office/audit", get(audit::page))
        .route("/office/audit.csv", get(audit::csv))
        .route(kit::headers::PRINT_JS_PATH, get(kit::headers::print_js))
        .layer(axum::middleware::from_fn(kit::session::secure_cookies_behind_https))
}
