//! `POST /office/accounts/…`: the forms of 账号管理 ([`crate::office::accounts`]): the same operations as `minqing-server
//! account|device` (disable, enable, reset a password, revoke a lost phone), each written to
//! the audit log in the same transaction.
//!
//! Disable, enable and revoke redirect back to the list with a message; a password reset shows
//! the new initial password once, on a page that is not cached. A reset and a revocation are
//! confirmed on a page of their own first (the pages have no JavaScript for a dialog).

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::ids::{CadreId, CountyId};
use minqing_shared::permit::{self, Action, Class, Phase};
use minqing_shared::sync::wire::EraseOrder;

use crate::admin::accounts::fresh_password;
use crate::audit;
use crate::office::accounts::{COUNTY_ONLY, Filter, at, refused, who};
use crate::office::kit::act::{self, Failed};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FormData;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::{OfficeUser, Post};
use crate::state::AppState;
use crate::store::{AccountRow, DeviceRow, StoreResult, Tx};

/// Who is acting, as the permission table and the county see it.
#[derive(Clone, Copy, Debug)]
struct Actor {
    class: Class,
    county: CountyId,
}

impl Actor {
    fn of(user: &OfficeUser) -> Self {
        Actor { class: Class::of(user.cadre.role), county: user.unit.county_id }
    }
}

/// The account a form names, as stored now, if it is in the actor's county and the permission
/// table lets the actor take `action` on it; else why not, for a person.
fn account_by_id(
    tx: &mut Tx<'_>,
    id: &str,
    actor: Actor,
    action: Action,
) -> StoreResult<Result<AccountRow, String>> {
    let Ok(id) = id.parse::<CadreId>() else { return Ok(Err(NO_ACCOUNT.into())) };
    let Some(cadre) = tx.cadre(id)? else { return Ok(Err(NO_ACCOUNT.into())) };
    if tx.unit(cadre.unit_id)?.is_none_or(|u| u.county_id != actor.county) {
        return Ok(Err(NO_ACCOUNT.into()));
    }
    if let Err(r) = permit::permit(actor.class, action, Phase::of_account(cadre.role), false) {
        return Ok(Err(r.message));
    }
    let Some(account) = tx.account_by_username(&cadre.username)? else {
        return Ok(Err(NO_ACCOUNT.into()));
    };
    let must_change_password = tx.must_change_password(id)?;
    Ok(Ok(AccountRow { cadre, disabled: account.disabled, must_change_password }))
}

/// The phone a form names, with its account, as stored now (see [`account_by_id`]).
fn device_by_id(
    tx: &mut Tx<'_>,
    account: &str,
    device: &str,
    actor: Actor,
) -> StoreResult<Result<(AccountRow, DeviceRow), String>> {
    let owner = match account_by_id(tx, account, actor, Action::RevokeDevice)? {
        Ok(owner) => owner,
        Err(why) => return Ok(Err(why)),
    };
    let found = tx.devices(Some(owner.cadre.id))?.into_iter().find(|d| d.id.to_string() == device);
    Ok(found.map(|d| (owner, d)).ok_or_else(|| NO_DEVICE.to_owned()))
}

const NO_ACCOUNT: &str = "账号不存在";
const NO_DEVICE: &str = "该手机不存在";

async fn set_disabled(
    state: AppState,
    user: OfficeUser,
    form: FormData,
    disabled: bool,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    let f = Filter::from_form(&form);
    let (me, actor) = (user.cadre.id, Actor::of(&user));
    let action = if disabled { Action::DisableAccount } else { Action::EnableAccount };
    let target = form.get("account").to_owned();
    let done = act::write(&state, move |tx, state| {
        if disabled && target == me.to_string() {
            return Err(Failed::Refused("不能停用自己正在使用的账号".into()));
        }
        let account = account_by_id(tx, &target, actor, action)?.map_err(Failed::Refused)?;
        let id = account.cadre.id;
        if account.disabled != disabled {
            tx.set_disabled(id, disabled)?;
            let kind = if disabled { audit::ACCOUNT_DISABLED } else { audit::ACCOUNT_ENABLED };
            audit::office_change(tx, me, kind, id.to_string(), state.now_ms())?;
        }
        Ok(id)
    })
    .await;
    match done {
        Ok(id) => {
            let done = if disabled { "disabled" } else { "enabled" };
            let to = f.url(f.page, &[("done", done), ("id", &id.to_string())]);
            Redirect::to(&to).into_response()
        }
        Err(Failed::Refused(msg)) => refused(&user, &state, &f, &msg).await,
        Err(Failed::Error(e)) => e.into_response(),
    }
}

/// `POST /office/accounts/disable` (`account`): its phones are refused at their next request.
pub(crate) async fn disable(State(state): State<AppState>, Post(user, form): Post) -> Response {
    set_disabled(state, user, form, true).await
}

/// `POST /office/accounts/enable` (`account`).
pub(crate) async fn enable(State(state): State<AppState>, Post(user, form): Post) -> Response {
    set_disabled(state, user, form, false).await
}

/// A page asking to confirm an action, or showing its result, under 账号管理.
fn confirm_page(user: &OfficeUser, title: &str, body: Markup) -> Response {
    let mut resp = shell(user, title, Nav::Accounts, html! { h1 { (title) } (body) });
    resp.headers_mut().insert(CACHE_CONTROL, "no-store".parse().expect("a header value"));
    resp
}

/// `POST /office/accounts/reset-password` (`account`, `confirm=1` once confirmed): a new
/// random initial password, shown once, to be changed at the next login.
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    Post(user, form): Post,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    let f = Filter::from_form(&form);
    let target = form.get("account").to_owned();
    let actor = Actor::of(&user);
    if form.get("confirm") != "1" {
        let t = target.clone();
        let found =
            act::read(&state, move |tx| Ok(account_by_id(tx, &t, actor, Action::ResetPassword)?))
                .await;
        return match found {
            Ok(Ok(a)) => confirm_page(
                &user,
                "重置密码",
                html! {
                    p { "确定为" b { (who(&a)) } "重置密码吗？" }
                    p { "原密码立即失效。新的初始密码只在下一页显示一次，请当面或电话告知本人；本人下次登录手机App时须先修改密码。" }
                    form method="post" action="/office/accounts/reset-password" {
                        (user.csrf_field()) (f.hidden())
                        input type="hidden" name="account" value=(a.cadre.id);
                        input type="hidden" name="confirm" value="1";
                        button.primary type="submit" { "确认重置" }
                        " " a href=(f.url(f.page, &[])) { "取消" }
                    }
                },
            ),
            Ok(Err(why)) => refused(&user, &state, &f, &why).await,
            Err(e) => e.into_response(),
        };
    }
    let (password, hash) = match tokio::task::spawn_blocking(fresh_password).await {
        Ok(p) => p,
        Err(e) => return OfficeError::from(e).into_response(),
    };
    let me = user.cadre.id;
    let done = act::write(&state, move |tx, state| {
        let account =
            account_by_id(tx, &target, actor, Action::ResetPassword)?.map_err(Failed::Refused)?;
        let id = account.cadre.id;
        tx.set_password(id, &hash, true, state.now_ms())?;
        audit::office_change(tx, me, audit::PASSWORD_RESET, id.to_string(), state.now_ms())?;
        Ok(account)
    })
    .await;
    match done {
        Ok(a) => confirm_page(
            &user,
            "重置密码",
            html! {
                div.alert.info role="status" { "已为" (who(&a)) "重置密码。" }
                table style="max-width:520px" {
                    tr { th { "用户名" } td { (a.cadre.username) } }
                    tr { th { "姓名" } td { (a.cadre.name) } }
                    tr { th { "新的初始密码" } td { code.password style="font-size:18px;letter-spacing:1px" { (password) } } }
                }
                p { b { "此密码只显示这一次" } "，离开本页后无法再查看。请当面或电话告知本人；本人下次登录手机App时须先修改密码。" }
                p { a href=(f.url(f.page, &[])) { "返回账号管理" } }
            },
        ),
        Err(Failed::Refused(msg)) => refused(&user, &state, &f, &msg).await,
        Err(Failed::Error(e)) => e.into_response(),
    }
}

/// `POST /office/accounts/revoke-device` (`account`, `device`, `confirm=1` once confirmed): a
/// lost phone's token stops working at its next request.
pub(crate) async fn revoke_device(
    State(state): State<AppState>,
    Post(user, form): Post,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    let f = Filter::from_form(&form);
    let (account, device) = (form.get("account").to_owned(), form.get("device").to_owned());
    let actor = Actor::of(&user);
    if form.get("confirm") != "1" {
        let found =
            act::read(&state, move |tx| Ok(device_by_id(tx, &account, &device, actor)?)).await;
        return match found {
            Ok(Ok((owner, d))) if d.revoked_ms.is_none() => revoke_confirm(&user, &f, &owner, &d),
            Ok(Ok((owner, d))) => {
                let msg = format!("{}的手机「{}」已经注销", who(&owner), d.name);
                refused(&user, &state, &f, &msg).await
            }
            Ok(Err(why)) => refused(&user, &state, &f, &why).await,
            Err(e) => e.into_response(),
        };
    }
    let me = user.cadre.id;
    let done = act::write(&state, move |tx, state| {
        let (owner, d) = device_by_id(tx, &account, &device, actor)?.map_err(Failed::Refused)?;
        let now = state.now_ms();
        if d.revoked_ms.is_some() || !tx.revoke_device(d.id, now)? {
            return Err(Failed::Refused(format!("{}的手机「{}」已经注销", who(&owner), d.name)));
        }
        audit::office_change(tx, me, audit::DEVICE_REVOKED, d.id.to_string(), now)?;
        Ok(d.id)
    })
    .await;
    match done {
        Ok(id) => {
            let to = f.url(f.page, &[("done", "revoked"), ("id", &id.to_string())]);
            Redirect::to(&to).into_response()
        }
        Err(Failed::Refused(msg)) => refused(&user, &state, &f, &msg).await,
        Err(Failed::Error(e)) => e.into_response(),
    }
}

fn revoke_confirm(user: &OfficeUser, f: &Filter, owner: &AccountRow, d: &DeviceRow) -> Response {
    confirm_page(
        user,
        "注销手机",
        html! {
            p { "确定注销" b { (who(owner)) } "的手机「" b { (d.name) } "」吗？" }
            p.muted {
                (d.app_version.as_deref().unwrap_or("版本未知"))
                " · 登录 " (at(d.created_ms))
                " · 最后同步 " (d.last_seen_ms.map_or("未同步".to_owned(), at))
            }
            p { "注销后这部手机的登录立即作废，下次联网同步时即被拒绝，不能再下载本账号的联系户资料。手机丢失或更换时使用；如手机仍在本人手中，本人须重新登录。" }
            form method="post" action="/office/accounts/revoke-device" {
                (user.csrf_field()) (f.hidden())
                input type="hidden" name="account" value=(owner.cadre.id);
                input type="hidden" name="device" value=(d.id);
                input type="hidden" name="confirm" value="1";
                button.primary type="submit" { "确认注销" }
                " " a href=(f.url(f.page, &[])) { "取消" }
            }
        },
    )
}

/// `POST /office/accounts/erase-device` (`account`, `device`, `order` = `wipe` or `retire`,
/// `confirm=1` once confirmed): a lost phone is wiped at its next contact (擦除); one handed
/// over sends what it holds, then erases itself (交回). The phone reports it; the list then says
/// 已擦除 and when.
pub(crate) async fn erase_device(
    State(state): State<AppState>,
    Post(user, form): Post,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden(COUNTY_ONLY).into_response();
    }
    let f = Filter::from_form(&form);
    let Some(order) = EraseOrder::from_code(form.get("order")) else {
        return OfficeError::bad_request("请选择擦除或交回").into_response();
    };
    let (account, device) = (form.get("account").to_owned(), form.get("device").to_owned());
    let actor = Actor::of(&user);
    if form.get("confirm") != "1" {
        let found =
            act::read(&state, move |tx| Ok(device_by_id(tx, &account, &device, actor)?)).await;
        return match found {
            Ok(Ok((owner, d))) if d.revoked_ms.is_none() && d.erased_ms.is_none() => {
                erase_confirm(&user, &f, &owner, &d, order)
            }
            Ok(Ok((owner, d))) => {
                let msg = format!("{}的手机「{}」已经注销或擦除", who(&owner), d.name);
                refused(&user, &state, &f, &msg).await
            }
            Ok(Err(why)) => refused(&user, &state, &f, &why).await,
            Err(e) => e.into_response(),
        };
    }
    let me = user.cadre.id;
    let done = act::write(&state, move |tx, state| {
        let (owner, d) = device_by_id(tx, &account, &device, actor)?.map_err(Failed::Refused)?;
        let now = state.now_ms();
        if !tx.order_erase(d.id, order, now)? {
            return Err(Failed::Refused(format!(
                "{}的手机「{}」已经注销、擦除或已要求擦除",
                who(&owner),
                d.name
            )));
        }
        let record_type = match order {
            EraseOrder::Wipe => audit::DEVICE_WIPE_ORDERED,
            EraseOrder::Retire => audit::DEVICE_RETIRE_ORDERED,
        };
        audit::office_change(tx, me, record_type, d.id.to_string(), now)?;
        Ok(d.id)
    })
    .await;
    match done {
        Ok(id) => {
            let to = f.url(f.page, &[("done", order.code()), ("id", &id.to_string())]);
            Redirect::to(&to).into_response()
        }
        Err(Failed::Refused(msg)) => refused(&user, &state, &f, &msg).await,
        Err(Failed::Error(e)) => e.into_response(),
    }
}

fn erase_confirm(
    user: &OfficeUser,
    f: &Filter,
    owner: &AccountRow,
    d: &DeviceRow,
    order: EraseOrder,
) -> Response {
    let (title, explain) = match order {
        EraseOrder::Wipe => (
            "擦除手机",
            "手机丢失时使用：这部手机下次联网时立即删除本机的全部联系户资料、走访记录、照片和密钥，不再上传尚未同步的记录，随后报告已擦除，登录作废。",
        ),
        EraseOrder::Retire => (
            "交回手机",
            "手机交回或更换时使用：这部手机下次联网时先上传尚未同步的记录和照片，再删除本机的全部资料和密钥，随后报告已擦除，登录作废。",
        ),
    };
    confirm_page(
        user,
        title,
        html! {
            p { "确定" (title) "：" b { (who(owner)) } "的手机「" b { (d.name) } "」吗？" }
            p.muted {
                (d.app_version.as_deref().unwrap_or("版本未知"))
                " · 登录 " (at(d.created_ms))
                " · 最后同步 " (d.last_seen_ms.map_or("未同步".to_owned(), at))
            }
            p { (explain) }
            form method="post" action="/office/accounts/erase-device" {
                (user.csrf_field()) (f.hidden())
                input type="hidden" name="account" value=(owner.cadre.id);
                input type="hidden" name="device" value=(d.id);
                input type="hidden" name="order" value=(order.code());
                input type="hidden" name="confirm" value="1";
                button.primary type="submit" { "确认" (title) }
                " " a href=(f.url(f.page, &[])) { "取消" }
            }
        },
    )
}
