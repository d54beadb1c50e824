//! `/office/households/{id}/edit`: the township office keeps its roster current — a new phone
//! number, a corrected address, the household moved to another of its cadres or villages —
//! and `/office/households/{id}/retire` and `/restore`: 停止联系 (迁出, 去世, 不再联系) from a
//! date, and back. Each change is a household op of the server's device (audited in
//! `kit::act::act`), reaching the phones of the cadres concerned with their next pull; the
//! permission table decides who may do which (`shared::permit`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use minqing_shared::household::{Household, HouseholdKind, RetireReason, Retirement};
use minqing_shared::ids::HouseholdId;
use minqing_shared::permit::time::EARLIEST_DATE;
use minqing_shared::sync::op::{HouseholdPatch, Payload};

use super::new::{Choices, choices, household_form, read_fields};
use crate::office::kit::act::{self, Failed};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::{FieldErrors, FormData};
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::{OfficeUser, Post};
use crate::state::AppState;

/// The household in the office's scope, or why not.
async fn load(state: &AppState, user: &OfficeUser, id: &str) -> Result<Household, OfficeError> {
    let Ok(id) = id.parse::<HouseholdId>() else {
        return Err(OfficeError::not_found("联系户不存在"));
    };
    let scope = user.scope();
    act::read(state, move |tx| {
        tx.household_row(scope, id)?
            .map(|row| row.household)
            .ok_or_else(|| OfficeError::not_found("联系户不存在或不在本单位范围内"))
    })
    .await
}

/// The form as the household stands.
fn filled(h: &Household) -> FormData {
    let mut fields = vec![
        ("village".to_owned(), h.village_id.to_string()),
        ("head_name".to_owned(), h.head_name.clone()),
        ("address".to_owned(), h.address.clone()),
        ("phone".to_owned(), h.phone.clone()),
        ("cadre".to_owned(), h.cadre_id.map(|c| c.to_string()).unwrap_or_default()),
        ("notes".to_owned(), h.notes.clone()),
    ];
    fields.extend(h.kinds.iter().map(|k| ("kind".to_owned(), k.code().to_owned())));
    FormData::from_pairs(fields)
}

async fn render(
    user: OfficeUser,
    state: AppState,
    h: Household,
    f: FormData,
    e: FieldErrors,
) -> Response {
    let scoped: Choices = match choices(&state, &user).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let status = e.status();
    let back = format!("/office/households/{}", h.id);
    let intro = html! {
        h1 { "修改联系户信息 · " (h.head_name) }
        p.muted { "户主、电话、住址、户别的变化，或调整联系干部、所属村，保存后随包村干部下次同步到手机。"
            "调整后如不符合联系安排规定（联系户数、类别搭配），名册页「联系安排提示」会列出，可填写理由后接受。" }
    };
    let action = format!("{back}/edit");
    let body = household_form(&user, &scoped, &f, &e, intro, &action, &back);
    (status, shell(&user, "修改联系户信息", Nav::Households, body)).into_response()
}

/// `GET /office/households/{id}/edit`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &user, &id).await {
        Ok(h) => {
            let f = filled(&h);
            render(user, state, h, f, FieldErrors::default()).await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /office/households/{id}/edit`: the fields that changed, as one op.
pub(crate) async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let h = match load(&state, &user, &id).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let scoped = match choices(&state, &user).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let fields = match read_fields(&scoped, &form) {
        Ok(fields) => fields,
        Err(e) => return render(user, state, h, form, e).await,
    };
    let all = fields.patch();
    let kinds: std::collections::BTreeSet<HouseholdKind> =
        all.kinds.iter().flatten().copied().collect();
    let patch = HouseholdPatch {
        village_id: all.village_id.filter(|v| *v != h.village_id),
        head_name: all.head_name.filter(|v| *v != h.head_name),
        address: all.address.filter(|v| *v != h.address),
        phone: all.phone.filter(|v| *v != h.phone),
        kinds: all.kinds.filter(|_| kinds != h.kinds),
        cadre_id: all.cadre_id.filter(|c| *c != h.cadre_id),
        notes: all.notes.filter(|v| *v != h.notes),
        ..HouseholdPatch::default()
    };
    let back = format!("/office/households/{}", h.id);
    if patch == HouseholdPatch::default() {
        return Redirect::to(&back).into_response();
    }
    let (author, record) = (act::author(&user, &state), h.id.0);
    let done = act::write(&state, move |tx, state| {
        act::act(tx, state, &author, record, Payload::Household(patch.clone()))
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(Failed::Refused(msg)) => {
            let mut e = FieldErrors::default();
            e.form = Some(msg);
            render(user, state, h, form, e).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}

/// `POST /office/households/{id}/retire`: 停止联系, with the reason and the day.
pub(crate) async fn retire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, form): Post,
) -> Response {
    let h = match load(&state, &user, &id).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let mut e = FieldErrors::default();
    let reason = RetireReason::from_code(form.get("reason"));
    if reason.is_none() {
        e.add("reason", "请选择停止联系的原因");
    }
    let on = e.date("on", form.get("on"));
    if let Some(day) = on.filter(|d| *d > user.today || *d < EARLIEST_DATE) {
        e.add("on", format!("日期{day}不能晚于今天"));
    }
    let (Some(reason), Some(on)) = (reason, on.filter(|_| e.is_empty())) else {
        return super::detail::render(user, state, h.id, e).await;
    };
    let patch = HouseholdPatch {
        deleted: Some(true),
        retirement: Some(Some(Retirement { reason, on })),
        ..HouseholdPatch::default()
    };
    change(user, state, h.id, patch).await
}

/// `POST /office/households/{id}/restore`: 恢复联系.
pub(crate) async fn restore(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Post(user, _form): Post,
) -> Response {
    let h = match load(&state, &user, &id).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let patch = HouseholdPatch {
        deleted: Some(false),
        retirement: Some(None),
        ..HouseholdPatch::default()
    };
    change(user, state, h.id, patch).await
}

async fn change(
    user: OfficeUser,
    state: AppState,
    id: HouseholdId,
    patch: HouseholdPatch,
) -> Response {
    let author = act::author(&user, &state);
    let done = act::write(&state, move |tx, state| {
        act::act(tx, state, &author, id.0, Payload::Household(patch.clone()))
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/office/households/{id}")).into_response(),
        Err(Failed::Refused(msg)) => {
            let mut e = FieldErrors::default();
            e.form = Some(msg);
            super::detail::render(user, state, id, e).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}
