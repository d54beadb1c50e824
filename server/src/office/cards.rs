//! `/office/cards` 名片 — the printable A4 card sheet of a unit: every field cadre's contact card 包村人员名片
//! with its QR code (the vCard of `minqing_shared::card`), ten to a page, to cut out and hand
//! to every contact household. With `kind=setup`, the unit's setup sheet instead: per cadre the
//! QR code of the link that opens the phone app in the browser with the username filled in
//! (`minqing_shared::setup_link`), to hand to the cadres.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{PreEscaped, html};
use minqing_shared::card::ContactCard;
use minqing_shared::ids::UnitId;
use serde::Deserialize;

use minqing_shared::ids::VillageId;
use minqing_shared::org::UnitKind;
use minqing_shared::scope::Scope;

use crate::office::kit::act;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// The page's unit, and which sheet (`setup`: the cadres' setup links).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UnitQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    kind: String,
}

/// `GET /office/cards`.
pub(crate) async fn page(
    user: OfficeUser,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<UnitQuery>,
) -> Response {
    let setup = q.kind == "setup";
    let origin = crate::office::kit::origin::public_origin(&headers);
    let (scope, asked) = (user.scope(), q.unit.parse::<UnitId>().ok());
    let loaded = act::read(&state, move |tx| {
        let units: Vec<_> = tx
            .scope_units(scope)?
            .into_iter()
            .filter(|u| u.kind != UnitKind::OrganizationDepartment)
            .collect();
        let unit = match scope {
            Scope::County(_) => asked.filter(|a| units.iter().any(|u| u.id == *a)),
            _ => None,
        }
        .or_else(|| units.first().map(|u| u.id));
        let Some(chosen) = unit.and_then(|id| units.iter().find(|u| u.id == id)).cloned() else {
            return Ok((units, None, Vec::new()));
        };
        let cadres = tx.field_cadres(Scope::Unit(chosen.id))?;
        let ids: Vec<VillageId> = cadres.iter().flat_map(|c| c.villages.iter().copied()).collect();
        let villages = tx.villages(&ids)?;
        let village_name = |v: &VillageId| {
            villages.iter().find(|x| x.id == *v).map_or(String::new(), |x| x.name.clone())
        };
        let cards: Vec<(String, ContactCard)> = cadres
            .iter()
            .map(|c| {
                let card = ContactCard {
                    name: c.name.clone(),
                    unit: chosen.name.clone(),
                    title: c.title.clone(),
                    phone: c.phone.clone(),
                    villages: c.villages.iter().map(village_name).collect(),
                };
                (c.username.clone(), card)
            })
            .collect();
        Ok((units, Some(chosen.id), cards))
    })
    .await;
    let (units, unit, cards) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let unit_param = unit.map(|u| u.to_string()).unwrap_or_default();
    let body = html! {
        div.noprint {
            h1 { @if setup { "包村干部安装二维码" } @else { "包村人员名片" } }
            @if user.county_wide() {
                form.filters method="get" action="/office/cards" {
                    label { "单位 " select name="unit" {
                        @for u in &units { option value=(u.id) selected[Some(u.id) == unit] { (u.name) } }
                    } }
                    @if setup { input type="hidden" name="kind" value="setup"; }
                    button type="submit" { "显示" }
                }
            }
            @if setup {
                p.muted { "共" (cards.len()) "张。发给各包村干部：用手机扫码，在浏览器中打开民情通（用户名已填好），登录后可“添加到主屏幕”，无信号也能记录走访。 "
                    a href=(format!("/office/cards?unit={unit_param}")) { "返回名片" } }
            } @else {
                p.muted { "共" (cards.len()) "张，A4纸每页10张，打印后沿虚线裁开，发到每户联系户。群众用手机相机扫描二维码即可保存联系人。 "
                    a href=(format!("/office/cards?unit={unit_param}&kind=setup")) { "打印干部安装二维码" } }
            }
        }
        @if setup {
            div.cards {
                @for (username, c) in &cards {
                    @let link = minqing_shared::setup_link::setup_link(&origin, username);
                    div.card id=(format!("setup-{username}")) {
                        div.qr { (PreEscaped(minqing_shared::setup_link::setup_qr_svg(&link, 160))) }
                        div.info {
                            div.unit { (c.unit) }
                            div.name { (c.name) }
                            div.small { "用户名：" (username) }
                            div.small { "扫码打开民情通手机版" }
                            div.small.muted.link { (link) }
                        }
                    }
                }
            }
        } @else {
        div.cards {
            @for (_, c) in &cards {
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
        }
        @if cards.is_empty() { p.muted { "该单位没有包村干部。" } }
    };
    shell(&user, "名片", Nav::Cards, body)
}
