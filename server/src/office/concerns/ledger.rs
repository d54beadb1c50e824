//! `POST /office/concerns/{id}/ledger`: the Organization Department puts a concern on its
//! supervision ledger 挂账督办, with why.

use axum::extract::{Path, State};
use axum::response::Response;
use minqing_shared::concern::ConcernAction;
use minqing_shared::sync::validate::MAX_TEXT_CHARS;

use super::detail::finish;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;

/// `POST /office/concerns/{id}/ledger`.
pub(crate) async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let mut errors = FieldErrors::default();
    errors.text("reason", form.get("reason"), MAX_TEXT_CHARS, true);
    let action = ConcernAction::PutOnLedger { reason: form.get("reason").to_owned(), item: None };
    finish(state, user, &id, "ledger", form, errors, Some(action)).await
}
