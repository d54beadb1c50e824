//! `POST /office/evaluation/notes`: a reward 表彰奖励 or criticism 通报批评 of a unit or one of
//! its cadres, recorded by the Organization Department for an evaluation period.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minqing_shared::calendar::Period;
use minqing_shared::ids::{CadreId, UnitId};

use super::render;
use crate::office::kit::act::{self, Failed};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;
use crate::store::{EvaluationNote, NoteKind};

/// `POST /office/evaluation/notes`: a reward or criticism (Organization Department only).
pub(crate) async fn post(State(state): State<AppState>, Post(user, form): Post) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden("奖惩由县委组织部记录").into_response();
    }
    let Ok(period) = form.get("period").parse::<Period>() else {
        return OfficeError::bad_request("考核周期无效").into_response();
    };
    let mut errors = FieldErrors::default();
    let unit = form.get("unit").parse::<UnitId>().ok();
    let cadre = form.get("cadre").parse::<CadreId>().ok();
    let kind = NoteKind::from_code(form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "请选择表彰奖励或通报批评");
    }
    errors.text("text", form.get("text"), 500, true);
    let (author, user_county) = (user.cadre.id, user.unit.county_id);
    let text = form.get("text").to_owned();
    let cadre_given = !form.get("cadre").is_empty();
    let stored = act::write(&state, move |tx, state| {
        let mut errors = errors.clone();
        let county = user_county;
        let unit_row =
            unit.map(|u| tx.unit(u)).transpose()?.flatten().filter(|u| u.county_id == county);
        if unit_row.is_none() {
            errors.add("unit", "请选择单位");
        }
        let cadre_row = cadre.map(|c| tx.cadre(c)).transpose()?.flatten();
        if cadre_given && cadre_row.as_ref().is_none_or(|c| Some(c.unit_id) != unit) {
            errors.add("cadre", "干部须属于所选单位");
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let (Some(unit), Some(kind)) = (unit, kind) else { return Ok(Err(errors)) };
        let note = EvaluationNote {
            id: uuid::Uuid::now_v7(),
            period: period.code(),
            unit_id: unit,
            cadre_id: cadre_row.map(|c| c.id),
            kind,
            text: text.clone(),
            author,
            created_ms: state.now_ms(),
        };
        tx.insert_evaluation_note(&note)?;
        let id = note.id.to_string();
        crate::audit::office_change(tx, author, "evaluation_note", id, state.now_ms())?;
        Ok::<_, Failed>(Ok(()))
    })
    .await;
    match stored {
        Ok(Ok(())) => {
            Redirect::to(&format!("/office/evaluation?period={}", period.code())).into_response()
        }
        Ok(Err(errors)) => render(user, state, period, form, errors).await,
        Err(Failed::Refused(msg)) => {
            let mut errors = FieldErrors::default();
            errors.form = Some(msg);
            render(user, state, period, form, errors).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}
