//! 名片 — the printable A4 card sheet of a unit: every field cadre's contact card 包村人员名片
//! with its QR code (the vCard of `minqing_shared::card`), ten to a page, to cut out and hand
//! to every contact household.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{PreEscaped, html};
use minqing_shared::card::ContactCard;
use minqing_shared::ids::UnitId;
use serde::Deserialize;

use super::act;
use super::layout::{Nav, shell};
use super::scope::Scoped;
use super::session::OfficeUser;
use crate::state::AppState;

/// The page's unit.
#[derive(Debug, Default, Deserialize)]
pub(super) struct UnitQuery {
    #[serde(default)]
    unit: String,
}

/// `GET /office/cards`.
pub(super) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    Query(q): Query<UnitQuery>,
) -> Response {
    let u = user.clone();
    let s = match act::read(&state, move |tx| Ok(Scoped::load(tx, &u)?)).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let units = s.working_units();
    let unit: Option<UnitId> = if user.county_wide() {
        q.unit.parse().ok().or_else(|| units.first().map(|u| u.id))
    } else {
        Some(user.unit.id)
    };
    let cards: Vec<ContactCard> = s
        .field
        .iter()
        .filter(|c| Some(c.unit_id) == unit)
        .map(|c| ContactCard {
            name: c.name.clone(),
            unit: s.unit_name(c.unit_id).to_owned(),
            title: c.title.clone(),
            phone: c.phone.clone(),
            villages: c.villages.iter().map(|v| s.village_name(*v).to_owned()).collect(),
        })
        .collect();
    let body = html! {
        div.noprint {
            h1 { "包村人员名片" }
            @if user.county_wide() {
                form.filters method="get" action="/office/cards" {
                    label { "单位 " select name="unit" {
                        @for u in &units { option value=(u.id) selected[Some(u.id) == unit] { (u.name) } }
                    } }
                    button type="submit" { "显示" }
                }
            }
            p.muted { "共" (cards.len()) "张，A4纸每页10张，打印后沿虚线裁开，发到每户联系户。群众用手机相机扫描二维码即可保存联系人。" }
        }
        div.cards {
            @for c in &cards {
                div.card {
                    div.qr { (PreEscaped(c.qr_svg_sized(160))) }
                    div.info {
                        div.unit { (c.unit) }
                        div.name { (c.name) }
                        div.small { (c.title) }
                        div.phone { "☎ " (c.phone) }
                        @if !c.villages.is_empty() { div.small { "联系村：" (c.villages.join("、")) } }
                        div.small.muted { "有事请随时打电话" }
                    }
                }
            }
        }
        @if cards.is_empty() { p.muted { "该单位没有包村干部。" } }
    };
    shell(&user, "名片", Nav::Cards, body)
}
