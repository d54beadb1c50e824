//! The registration form 联系户登记表: a new household proposed by the village branch entered
//! by the office, and the printable form of one household with its visits and concerns.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::ids::{CadreId, HouseholdId, VillageId};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::sync::validate::{MAX_NAME_CHARS, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

use super::act::{self, Failed};
use super::error::OfficeError;
use super::form::{FieldErrors, FormData, phone_ok};
use super::households::in_scope;
use super::layout::{Nav, date, shell, time};
use super::scope::Scoped;
use super::session::{OfficeUser, Post};
use crate::state::AppState;

/// `GET /office/households/new`.
pub(super) async fn new_page(user: OfficeUser, State(state): State<AppState>) -> Response {
    render_new(user, state, FormData::default(), FieldErrors::default()).await
}

async fn render_new(user: OfficeUser, state: AppState, f: FormData, e: FieldErrors) -> Response {
    let u = user.clone();
    let scoped = match act::read(&state, move |tx| Ok(Scoped::load(tx, &u)?)).await {
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

fn new_form(user: &OfficeUser, s: &Scoped, f: &FormData, e: &FieldErrors) -> Markup {
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
                        @for v in &s.villages {
                            option value=(v.id) selected[f.get("village") == v.id.to_string()] {
                                (s.unit_name(v.township_id)) " · " (v.name)
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
pub(super) async fn create(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let u = user.clone();
    let scoped = match act::read(&state, move |tx| Ok(Scoped::load(tx, &u)?)).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let mut e = FieldErrors::default();
    let village =
        form.get("village").parse::<VillageId>().ok().filter(|v| scoped.village(*v).is_some());
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

/// `GET /office/households/{id}`: the printable registration form.
pub(super) async fn form_page(
    user: OfficeUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<HouseholdId>() else {
        return OfficeError::not_found("联系户不存在").into_response();
    };
    let u = user.clone();
    let loaded = act::read(&state, move |tx| {
        let s = Scoped::load(tx, &u)?;
        in_scope(&s, id)?;
        let visits = tx.household_visits(id)?;
        let concerns: Vec<_> =
            s.concerns(tx)?.into_iter().filter(|c| c.household_id == Some(id)).collect();
        Ok((s, visits, concerns))
    })
    .await;
    let (s, visits, concerns) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let Some(h) = s.household(id) else {
        return OfficeError::not_found("联系户不存在").into_response();
    };
    if let Err(e) =
        crate::audit::office_view(&state, user.cadre.id, "household", id.to_string()).await
    {
        return e.into_response();
    }
    let village = s.village(h.village_id);
    let cadre = h.cadre_id.and_then(|c| s.cadres.get(&c));
    let body = html! {
        div.noprint {
            a href="/office/households" { "← 返回名册" } " "
            button type="button" onclick="window.print()" { "打印" }
            @if h.status != HouseholdStatus::Filed {
                form.inline method="post" action="/office/households/file" {
                    (user.csrf_field())
                    input type="hidden" name="id" value=(h.id);
                    " " button.primary type="submit" { "确认并备案" }
                }
            }
        }
        div.doc {
            h1 { "联系户登记表" }
            p.small { "所属乡镇：" (village.map_or("—", |v| s.unit_name(v.township_id)))
                "　　状态：" (h.status.zh()) "　　登记编号：" (h.id.to_string()[..8]) }
            table {
                tr { th { "户主姓名" } td { (h.head_name) } th { "联系电话" } td { (h.phone) } }
                tr { th { "所在村" } td { (s.village_name(h.village_id)) } th { "组别/住址" } td { (h.address) } }
                tr { th { "村情类别" } td { (village.map_or("—", |v| v.standing.zh())) }
                     th { "人口/定额" } td { @if let Some(v) = village { (v.population) "人 / " (minqing_shared::org::contact_quota(v.population)) "户" } } }
                tr { th { "户别" } td colspan="3" {
                    @for k in HouseholdKind::ALL {
                        (if h.kinds.contains(k) { "☑" } else { "☐" }) (k.zh()) "　"
                    }
                } }
                tr { th { "联系干部" } td { (cadre.map_or("—", |c| c.name.as_str())) }
                     th { "职务/电话" } td { @if let Some(c) = cadre { (c.title) " " (c.phone) } } }
                tr { th { "备注" } td colspan="3" { (h.notes) } }
            }
            h2 { "走访记录（民情联系卡）" }
            table.small {
                tr { th { "时间" } th { "方式" } th { "恳谈内容" } th { "情况摘要" } }
                @for v in visits.iter().take(12) {
                    tr {
                        td { (time(v.visited_at)) } td { (v.mode.zh()) }
                        td { @for t in &v.topics { (t.zh()) " " } }
                        td { (v.summary) }
                    }
                }
                @if visits.is_empty() { tr { td colspan="4" .muted { "尚无走访记录" } } }
            }
            h2 { "反映的民情诉求" }
            table.small {
                tr { th { "反映时间" } th { "类别" } th { "内容" } th { "状态" } }
                @for c in &concerns {
                    tr {
                        td { (c.raised_at.map(time).unwrap_or_default()) }
                        td { (c.category.map_or("—", |k| k.zh())) }
                        td { a href=(format!("/office/concerns/{}", c.id)) { (c.description) } }
                        td { (c.effective_status(s.today).map_or("—", |st| st.zh())) }
                    }
                }
                @if concerns.is_empty() { tr { td colspan="4" .muted { "无" } } }
            }
            div.sign {
                div { "村党支部、村委会意见（盖章）" br; br; "　　年　　月　　日" }
                div { "包村干部确认（签字）" br; br; "　　年　　月　　日" }
                div { "乡镇党委备案（盖章）" br; br; "　　年　　月　　日" }
            }
            p.small.muted { "打印日期：" (date(s.today)) }
        }
    };
    shell(&user, &format!("联系户登记表 · {}", h.head_name), Nav::Households, body)
}
