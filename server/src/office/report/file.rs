//! `POST /office/report/file`: the Organization Department files 备案 a submitted report.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minqing_shared::calendar::YearMonth;
use minqing_shared::ids::UnitId;
use minqing_shared::sync::op::{Payload, ReportBody, ReportStatus};

use super::county;
use crate::office::kit::act::{self, Failed};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;
use crate::store::ReportsOf;
use crate::store::Section;

/// `POST /office/report/file`: the Organization Department files a submitted report.
pub(crate) async fn post(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let (Ok(month), Ok(unit)) =
        (form.get("month").parse::<YearMonth>(), form.get("unit").parse::<UnitId>())
    else {
        return OfficeError::bad_request("月份或单位无效").into_response();
    };
    let author = act::author(&user, &state);
    let done = act::write(&state, move |tx, state| {
        tx.exclusive(Section::MonthlyReports)?;
        let Some(r) = tx
            .monthly_reports(ReportsOf::Unit(unit))?
            .remove(&(unit, month))
            .filter(|r| r.body.status == ReportStatus::Submitted)
        else {
            return Err(Failed::Refused("该月报尚未报送，或已备案".into()));
        };
        let body = ReportBody { status: ReportStatus::Filed, ..r.body };
        act::act(tx, state, &author, r.id, Payload::MonthlyReport(body))
    })
    .await;
    match done {
        Ok(_) => Redirect::to(&format!("/office/report?month={month}")).into_response(),
        Err(Failed::Refused(msg)) => {
            let mut e = FieldErrors::default();
            e.form = Some(msg);
            county::page(user, state, month, e).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}
