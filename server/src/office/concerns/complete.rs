//! `POST /office/concerns/{id}/complete`: 办结, with how it was finished.

use axum::extract::{Path, State};
use axum::response::Response;
use minqing_shared::concern::ConcernAction;
use minqing_shared::sync::validate::MAX_TEXT_CHARS;

use super::detail::finish;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;

/// `POST /office/concerns/{id}/complete`.
pub(crate) async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let mut errors = FieldErrors::default();
    errors.text("note", form.get("note"), MAX_TEXT_CHARS, true);
    let action = ConcernAction::Complete { note: form.get("note").to_owned() };
    finish(state, user, &id, "complete", form, errors, Some(action)).await
}
