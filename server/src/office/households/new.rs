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
pub(super) struct Choices {
    villages: Vec<(Village, String)>,
    field: Vec<Cadre>,
}

pub(super) async fn choices(state: &AppState, user: &OfficeUser) -> Result<Choices, OfficeError> {
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
    let status = e.status();
    let intro = html! {
        h1 { "登记新联系户（村两委拟定）" }
        p.muted { "村党支部、村委会提出的联系户名单，由办公室录入；包村干部入户核实后确认，再由办公室备案。" }
    };
    let body = household_form(
        &user,
        &scoped,
        &f,
        &e,
        intro,
        "/office/households/new",
        "/office/households",
    );
    (status, shell(&user, "登记新联系户", Nav::Households, body)).into_response()
}

/// The household's fields as a form posting to `action`, after `intro`.
pub(super) fn household_form(
    user: &OfficeUser,
    s: &Choices,
    f: &FormData,
    e: &FieldErrors,
    intro: Markup,
    action: &str,
    cancel: &str,
) -> Markup {
    let kinds = f.all("kind");
    html! {
        (intro)
        (e.banner())
        form method="post" action=(action) {
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
                div { button.primary type="submit" { "保存" } " " a href=(cancel) { "取消" } }
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
    let fields = match read_fields(&scoped, &form) {
        Ok(fields) => fields,
        Err(e) => return render_new(user, state, form, e).await,
    };
    let mut e = FieldErrors::default();
    let id = HouseholdId::new();
    let patch = HouseholdPatch { status: Some(HouseholdStatus::Proposed), ..fields.patch() };
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

/// The household's fields as the form gives them, checked.
pub(super) struct Fields {
    village: VillageId,
    head_name: String,
    address: String,
    phone: String,
    kinds: Vec<HouseholdKind>,
    cadre: Option<CadreId>,
    notes: String,
}

impl Fields {
    /// Every field, as a patch.
    pub(super) fn patch(&self) -> HouseholdPatch {
        HouseholdPatch {
            village_id: Some(self.village),
            head_name: Some(self.head_name.clone()),
            address: Some(self.address.clone()),
            phone: Some(self.phone.clone()),
            kinds: Some(self.kinds.clone()),
            cadre_id: Some(self.cadre),
            notes: Some(self.notes.clone()),
            ..HouseholdPatch::default()
        }
    }
}

/// Reads and checks the form's fields against what the office may choose.
pub(super) fn read_fields(scoped: &Choices, form: &FormData) -> Result<Fields, FieldErrors> {
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
    match village {
        Some(village) if e.is_empty() => Ok(Fields {
            village,
            head_name: form.get("head_name").trim().to_owned(),
            address: form.get("address").trim().to_owned(),
            phone: form.get("phone").trim().to_owned(),
            kinds,
            cadre,
            notes: form.get("notes").trim().to_owned(),
        }),
        _ => Err(e),
    }
}
