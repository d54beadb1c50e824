//! `/office/households/new`: a household proposed by the village branch, entered by the office
//! (联系户登记表, 村两委拟定); the cadre confirms it at the doorstep, the office files it.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::ids::{CadreId, HouseholdId, VillageId};
use minqing_shared::org::{Cadre, Village};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::sync::validate::{MAX_NAME_CHARS, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

use crate::office::kit::act::{self, Failed};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::{FieldErrors, FormData, phone_ok};
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::{OfficeUser, Post};
use crate::state::AppState;

/// What the form offers: the office's villages (with their township) and field cadres.
struct Choices {
    villages: Vec<(Village, String)>,
    field: Vec<Cadre>,
}

async fn choices(state: &AppState, user: &OfficeUser) -> Result<Choices, OfficeError> {
    let scope = user.scope();
    act::read(state, move |tx| {
        Ok(Choices { villages: tx.scope_villages(scope)?, field: tx.field_cadres(scope)? })
    })
    .await
}

/// `GET /office/households/new`.
pub(crate) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    render_new(user, state, FormData::default(), FieldErrors::default()).await
}

async fn render_new(user: OfficeUser, state: AppState, f: FormData, e: FieldErrors) -> Response {
    let scoped = match choices(&state, &user).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let status = if e.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = new_form(&user, &scoped, &f, &e);
    (status, shell(&user, "登记新联系户", Nav::Households, body)).into_response()
}

fn new_form(user: &OfficeUser, s: &Choices, f: &FormData, e: &FieldErrors) -> Markup {
    let kinds = f.all("kind");
    html! {
        h1 { "登记新联系户（村两委拟定）" }
        p.muted { "村党支部、村委会提出的联系户名单，由办公室录入；包村干部入户核实后确认，再由办公室备案。" }
        (e.banner())
        form method="post" action="/office/households/new" {
            (user.csrf_field())
            div.form-grid {
                label for="village" { "所在村" }
                div {
                    select id="village" name="village" {
                        option value="" { "— 请选择 —" }
                        @for (v, township) in &s.villages {
                            option value=(v.id) selected[f.get("village") == v.id.to_string()] {
                                (township) " · " (v.name)
                            }
                        }
                    }
                    (e.show("village"))
                }
                label for="head" { "户主姓名" }
                div { input id="head" name="head_name" value=(f.get("head_name")); (e.show("head_name")) }
                label for="address" { "组别/住址" }
                div { input id="address" name="address" size="40" value=(f.get("address")); (e.show("address")) }
                label for="phone" { "联系电话" }
                div { input id="phone" name="phone" value=(f.get("phone")); (e.show("phone")) }
                label { "户别" }
                div {
                    @for k in HouseholdKind::ALL {
                        label { input type="checkbox" name="kind" value=(k.code()) checked[kinds.contains(&k.code())]; (k.zh()) } " "
                    }
                    (e.show("kind"))
                }
                label for="cadre" { "联系干部" }
                div {
                    select id="cadre" name="cadre" {
                        option value="" { "— 暂不指定 —" }
                        @for c in &s.field {
                            option value=(c.id) selected[f.get("cadre") == c.id.to_string()] {
                                (c.name) "（" (c.role.zh()) "）"
                            }
                        }
                    }
                    (e.show("cadre"))
                }
                label for="notes" { "备注" }
                div { textarea id="notes" name="notes" { (f.get("notes")) } (e.show("notes")) }
                span {}
                div { button.primary type="submit" { "保存" } " " a href="/office/households" { "取消" } }
            }
        }
    }
}

/// `POST /office/households/new`: validates, then records the household as an op.
pub(crate) async fn post(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let scoped = match choices(&state, &user).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let mut e = FieldErrors::default();
    let village = form
        .get("village")
        .parse::<VillageId>()
        .ok()
        .filter(|v| scoped.villages.iter().any(|(x, _)| x.id == *v));
    if village.is_none() {
        e.add("village", "请选择本单位范围内的村");
    }
    e.text("head_name", form.get("head_name"), MAX_NAME_CHARS, true);
    e.text("address", form.get("address"), MAX_SHORT_CHARS, false);
    if !phone_ok(form.get("phone")) {
        e.add("phone", "只能填写数字、空格和 + - ( )");
    }
    let kinds: Vec<HouseholdKind> =
        form.all("kind").iter().filter_map(|k| HouseholdKind::from_code(k)).collect();
    if kinds.len() != form.all("kind").len() {
        e.add("kind", "户别无效");
    }
    let cadre = match form.get("cadre") {
        "" => None,
        c => {
            let found =
                c.parse::<CadreId>().ok().filter(|c| scoped.field.iter().any(|f| f.id == *c));
            if found.is_none() {
                e.add("cadre", "请选择本单位的包村干部");
            }
            found
        }
    };
    e.text("notes", form.get("notes"), MAX_TEXT_CHARS, false);
    let Some(village) = village.filter(|_| e.is_empty()) else {
        return render_new(user, state, form, e).await;
    };
    let id = HouseholdId::new();
    let patch = HouseholdPatch {
        village_id: Some(village),
        head_name: Some(form.get("head_name").to_owned()),
        address: Some(form.get("address").to_owned()),
        phone: Some(form.get("phone").to_owned()),
        kinds: Some(kinds),
        cadre_id: Some(cadre),
        notes: Some(form.get("notes").to_owned()),
        status: Some(HouseholdStatus::Proposed),
        deleted: None,
    };
    let author = act::author(&user, &state);
    let done = act::write(&state, move |tx, state| {
        act::act(tx, state, &author, id.0, Payload::Household(patch.clone()))
    })
    .await;
    match done {
        Ok(_) => Redirect::to(&format!("/office/households/{id}")).into_response(),
        Err(Failed::Refused(msg)) => {
            e.form = Some(msg);
            render_new(user, state, form, e).await
        }
        Err(Failed::Error(err)) => err.into_response(),
    }
}
