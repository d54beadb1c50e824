//! `POST /office/concerns/{id}/progress`: the responsible unit's progress report 进展 on an
//! assigned concern, with what was done (required); it reaches the cadre's phone.

use axum::extract::{Path, State};
use axum::response::Response;
use minqing_shared::concern::ConcernAction;
use minqing_shared::sync::validate::MAX_TEXT_CHARS;

use super::detail::finish;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;

/// `POST /office/concerns/{id}/progress`.
pub(crate) async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let mut errors = FieldErrors::default();
    errors.text("note", form.get("note"), MAX_TEXT_CHARS, true);
    let action = ConcernAction::Progress { note: form.get("note").trim().to_owned() };
    finish(state, user, &id, "progress", form, errors, Some(action)).await
}
