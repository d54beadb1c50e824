//! `POST /office/households/file`: confirms and files 备案 the selected households, all or none.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::HouseholdId;
use minqing_shared::sync::op::{HouseholdPatch, Payload};

use super::{Filter, render};
use crate::office::kit::act::{self, Failed};
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::Post;
use crate::state::AppState;

/// `POST /office/households/file`: files the selected households (all or none).
pub(crate) async fn post(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let mut errors = FieldErrors::default();
    let ids: Vec<HouseholdId> = form.all("id").iter().filter_map(|s| s.parse().ok()).collect();
    if ids.is_empty() || ids.len() != form.all("id").len() {
        errors.form = Some("请先勾选要备案的联系户".into());
        return render(user, state, Filter::default(), errors).await;
    }
    let author = act::author(&user, &state);
    let done = act::write(&state, move |tx, state| {
        for id in &ids {
            let current = tx.household(*id)?.and_then(|h| h.household());
            let Some(h) = current.filter(|h| !h.deleted) else {
                return Err(Failed::Refused("联系户不存在".into()));
            };
            if h.status == HouseholdStatus::Filed {
                continue;
            }
            let patch =
                HouseholdPatch { status: Some(HouseholdStatus::Filed), ..Default::default() };
            act::act(tx, state, &author, id.0, Payload::Household(patch))?;
        }
        Ok(ids.len())
    })
    .await;
    match done {
        Ok(_) => Redirect::to("/office/households?status=filed").into_response(),
        Err(Failed::Refused(msg)) => {
            errors.form = Some(msg);
            render(user, state, Filter::default(), errors).await
        }
        Err(Failed::Error(e)) => e.into_response(),
    }
}
