//! `POST /office/concerns/{id}/supervise`: a supervision record on the ledger — an inquiry, a
//! check or a dispatch (每周一询问，半月一检查，每月一调度).

use axum::extract::{Path, State};
use axum::response::Response;
use minqing_shared::concern::{ConcernAction, LedgerKind};
use minqing_shared::sync::validate::MAX_TEXT_CHARS;

use super::detail::finish;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;

/// `POST /office/concerns/{id}/supervise`.
pub(crate) async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let mut errors = FieldErrors::default();
    let kind = LedgerKind::from_code(form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "请选择询问、检查或调度");
    }
    errors.text("note", form.get("note"), MAX_TEXT_CHARS, true);
    let action =
        kind.map(|kind| ConcernAction::Supervise { kind, note: form.get("note").to_owned() });
    finish(state, user, &id, "supervise", form, errors, action).await
}
