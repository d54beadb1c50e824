//! `POST /office/concerns/{id}/decide`: the joint meeting's decision 交办 — the solution, the
//! responsible unit 承办单位 (whose desk then lists it) and person 承办人, and the deadline
//! 完成时限 — recorded as an `Assign` op that reaches the cadre's phone. The meeting is this month's (on the 5th) unless the form names its month.

use axum::extract::{Path, State};
use axum::response::Response;
use minqing_shared::calendar::{YearMonth, meeting_date, meeting_month};
use minqing_shared::concern::{ConcernAction, Decision};
use minqing_shared::ids::UnitId;
use minqing_shared::permit::time::check_deadline;
use minqing_shared::sync::validate::{MAX_NAME_CHARS, MAX_TEXT_CHARS};

use super::detail::finish;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;

/// `POST /office/concerns/{id}/decide`.
pub(crate) async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let mut errors = FieldErrors::default();
    errors.text("solution", form.get("solution"), MAX_TEXT_CHARS, true);
    errors.text("handler", form.get("handler"), MAX_NAME_CHARS, true);
    let deadline = errors.date("deadline", form.get("deadline"));
    let unit = match form.get("unit") {
        "" => Some(user.unit.id),
        u => u.parse::<UnitId>().ok(),
    };
    if unit.is_none() {
        errors.add("unit", "请选择承办单位");
    }
    let month =
        form.get("month").parse::<YearMonth>().unwrap_or_else(|_| meeting_month(user.today));
    let meeting = meeting_date(month);
    if let Some(Err(r)) = deadline.map(|d| check_deadline(meeting, d)) {
        errors.add("deadline", r.message);
    }
    let action = deadline.filter(|_| errors.is_empty()).map(|deadline| ConcernAction::Assign {
        decision: Decision {
            solution: form.get("solution").to_owned(),
            handler: form.get("handler").to_owned(),
            unit,
            deadline,
            meeting_date: meeting,
        },
    });
    finish(state, user, &id, "decide", form, errors, action).await
}
