//! `POST /office/report/submit`: saves the draft's notes, or submits the month's report to the
//! Organization Department (marked late after the 3rd). A submitted report is not rewritten.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minqing_shared::calendar::{YearMonth, china_date, is_report_late};
use minqing_shared::ids::ReportId;
use minqing_shared::sync::op::{Payload, ReportBody, ReportStatus};
use minqing_shared::sync::validate::MAX_TEXT_CHARS;

use super::render;
use crate::office::kit::act::{self, Failed};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;
use crate::store::ReportsOf;
use crate::store::Section;

/// `POST /office/report/submit`: saves the draft's notes, or submits the report.
pub(crate) async fn post(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let Ok(month) = form.get("month").parse::<YearMonth>() else {
        return OfficeError::bad_request("月份无效").into_response();
    };
    let now = state.now();
    let today = china_date(now);
    let mut e = FieldErrors::default();
    e.text("notes", form.get("notes"), MAX_TEXT_CHARS, false);
    let submitting = form.get("action") == "submit";
    if submitting && month > YearMonth::of(today) {
        e.form = Some("该月尚未开始，不能报送".into());
    }
    if e.is_empty() {
        let unit = user.unit.id;
        let body = ReportBody {
            unit_id: unit,
            month,
            status: if submitting { ReportStatus::Submitted } else { ReportStatus::Draft },
            notes: form.get("notes").to_owned(),
            submitted_at: submitting.then_some(now),
            late: submitting && is_report_late(month, today),
        };
        let author = act::author(&user, &state);
        let done = act::write(&state, move |tx, state| {
            tx.exclusive(Section::MonthlyReports)?;
            let existing = tx.monthly_reports(ReportsOf::Unit(unit))?.remove(&(unit, month));
            if existing.as_ref().is_some_and(|r| r.body.status != ReportStatus::Draft) {
                return Err(Failed::Refused("本月月报已报送，不能再修改".into()));
            }
            let id = existing.map_or(ReportId::new().0, |r| r.id);
            act::act(tx, state, &author, id, Payload::MonthlyReport(body.clone()))
        })
        .await;
        match done {
            Ok(_) => return Redirect::to(&format!("/office/report?month={month}")).into_response(),
            Err(Failed::Refused(msg)) => e.form = Some(msg),
            Err(Failed::Error(err)) => return err.into_response(),
        }
    }
    let unit = user.unit.id;
    render(user, state, month, unit, form, e).await
}
