//! `/office/login` and `/office/logout`: the login form (with the forced change of a password the
//! Organization Department set), the session it opens, and its end.

use axum::extract::{FromRequest, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use minqing_shared::sync::{MIN_PASSWORD_CHARS, PasswordProblem, check_new_password};

use crate::auth::{new_token, token_hash};
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FormData;
use crate::office::kit::layout::CSS;
use crate::office::kit::session::{
    IDLE_TIMEOUT_MS, LOGIN_COOKIE, MAX_FORM_BYTES, Post, SESSION_COOKIE, cookie, same,
    session_cookie,
};
use crate::password::{hash_password_queued, verify_password_queued};
use crate::state::AppState;
use crate::store::OfficeSession;

/// The login page; with `change`, it asks for the current password and a new one twice (a
/// password set by the Organization Department must be changed before the first login).
fn login_form(
    next: &str,
    token: &str,
    username: &str,
    error: Option<&str>,
    change: bool,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "登录 · 民情通" }
                style { (PreEscaped(CSS)) }
            }
            body.login {
                main.login-box {
                    h1 { "民情通" }
                    p.muted { "民情联系户制度 · 办公室登录" }
                    @if let Some(e) = error { div.alert.error role="alert" { (e) } }
                    form method="post" action="/office/login" {
                        input type="hidden" name="_login" value=(token);
                        input type="hidden" name="next" value=(next);
                        @if change {
                            p.muted { "此账号的密码由组织部设置或重置，须先修改才能登录。新密码至少" (MIN_PASSWORD_CHARS) "位，不能与原密码相同。" }
                        }
                        label { "用户名" input name="username" value=(username) autofocus[!change] required; }
                        label {
                            @if change { "原密码" } @else { "密码" }
                            input name="password" type="password" autofocus[change] required;
                        }
                        @if change {
                            label { "新密码" input name="new_password" type="password" autocomplete="new-password" required; }
                            label { "再次输入新密码" input name="new_password_again" type="password" autocomplete="new-password" required; }
                            button.primary type="submit" { "修改密码并登录" }
                        } @else {
                            button.primary type="submit" { "登录" }
                        }
                    }
                }
            }
        }
    }
}

fn login_response(status: StatusCode, next: &str, username: &str, error: Option<&str>) -> Response {
    login_page_with(status, next, username, error, false)
}

fn login_page_with(
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
    change: bool,
) -> Response {
    let token = new_token();
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; Path=/office/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    );
    let page = login_form(next, &token, username, error, change).into_string();
    let mut resp = (status, Html(page)).into_response();
    resp.headers_mut().append(SET_COOKIE, HeaderValue::from_str(&cookie).expect("header"));
    resp
}

/// Where to go after login: only a path of the office pages.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with("/office") && !next.starts_with("//") && !next.contains('\\');
    if ok { next } else { "/office" }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /office/login`.
pub(super) async fn page(axum::extract::Query(q): axum::extract::Query<NextQuery>) -> Response {
    login_response(StatusCode::OK, safe_next(&q.next), "", None)
}

/// `POST /office/login`: checks the password, opens a session, redirects.
pub(super) async fn submit(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return OfficeError::bad_request("表单过大").into_response();
    };
    let form = FormData::parse(&bytes);
    let next = safe_next(form.get("next")).to_owned();
    let username = form.get("username").to_owned();
    let expected = cookie(&parts, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(form.get("_login"), expected) {
        let msg = "登录表单已过期，请重新输入";
        return login_response(StatusCode::FORBIDDEN, &next, &username, Some(msg));
    }
    // The same throttle as the phones' login, by the client's real address.
    let address = crate::auth::client_address(&parts, &state);
    let attempt = match state.login_throttle().begin(&username, &address) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let msg = crate::throttle::wait_message(wait);
            return login_response(StatusCode::TOO_MANY_REQUESTS, &next, &username, Some(&msg));
        }
    };
    let password = form.get("password").to_owned();
    let name = username.clone();
    let found = state
        .read("office_login", move |tx| {
            let Some(account) = tx.account_by_username(&name)? else { return Ok(None) };
            let must_change = tx.must_change_password(account.cadre.id)?;
            Ok(Some((account, must_change)))
        })
        .await;
    let found = match found {
        Ok(found) => found,
        Err(e) => return OfficeError::from(e).into_response(),
    };
    // The password is checked outside the read: Argon2 must not hold a reader connection.
    let stored = found.as_ref().map(|(a, _)| a.password_hash.clone());
    let ok = verify_password_queued(password.clone(), stored).await;
    let Some((account, must_change)) =
        found.filter(|(a, _)| ok && !a.disabled && !a.password_hash.is_empty())
    else {
        drop(attempt);
        let msg = "用户名或密码错误";
        return login_response(StatusCode::UNAUTHORIZED, &next, &username, Some(msg));
    };
    attempt.succeeded();
    if !account.cadre.role.is_office() {
        let msg = "此账号为包村干部账号，请使用手机App；办公室页面仅供联系户办公室和组织部使用";
        return login_response(StatusCode::FORBIDDEN, &next, &username, Some(msg));
    }
    // A password set by the Organization Department is changed here before the session opens.
    let new_password = form.get("new_password").to_owned();
    let changing = !new_password.is_empty() || !form.get("new_password_again").is_empty();
    if must_change || changing {
        let problem = if !changing {
            Some("请先修改初始密码".to_owned())
        } else {
            match check_new_password(&password, &new_password) {
                Err(PasswordProblem::TooShort) => Some(format!("新密码至少{MIN_PASSWORD_CHARS}位")),
                Err(PasswordProblem::SameAsOld) => Some("新密码不能与原密码相同".to_owned()),
                Ok(()) if new_password != form.get("new_password_again") => {
                    Some("两次输入的新密码不一致".to_owned())
                }
                Ok(()) => None,
            }
        };
        if let Some(msg) = problem {
            return login_page_with(StatusCode::OK, &next, &username, Some(&msg), true);
        }
        let cadre = account.cadre.id;
        let who = crate::audit::Who { cadre: Some(cadre), device: None, address: Some(address) };
        let verified = account.password_hash.clone();
        // Hashed before the write: Argon2 must not hold the writer.
        let hash = hash_password_queued(new_password).await;
        let changed = state
            .write("office_change_password", move |tx, state| {
                if !tx.replace_password(cadre, &verified, &hash, state.now_ms(), None)? {
                    return Ok(false);
                }
                let change = crate::store::AuditAction::Change;
                let id = Some(cadre.to_string());
                crate::audit::record(tx, &who, change, "password", id, 1, state.now_ms())?;
                Ok(true)
            })
            .await;
        match changed {
            Ok(true) => {}
            Ok(false) => {
                let msg = "密码刚被修改或重置，请用新密码重试";
                return login_response(StatusCode::CONFLICT, &next, &username, Some(msg));
            }
            Err(e) => return OfficeError::from(e).into_response(),
        }
    }
    let id = new_token();
    let now = state.now_ms();
    let session = OfficeSession {
        id_hash: token_hash(&id),
        cadre_id: account.cadre.id,
        csrf: new_token(),
        created_ms: now,
        last_ms: now,
    };
    let stored = state
        .write("office_login", move |tx, _state| {
            tx.delete_office_session("", now - IDLE_TIMEOUT_MS)?;
            Ok(tx.insert_office_session(&session)?)
        })
        .await;
    if let Err(e) = stored {
        return OfficeError::from(e).into_response();
    }
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(SET_COOKIE, session_cookie(&id, IDLE_TIMEOUT_MS / 1000 * 12));
    let clear =
        format!("{LOGIN_COOKIE}=; Path=/office/login; HttpOnly; SameSite=Strict; Max-Age=0");
    resp.headers_mut().append(SET_COOKIE, HeaderValue::from_str(&clear).expect("header"));
    resp
}

/// `POST /office/logout`: ends the session.
pub(super) async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let id = cookie(&parts, SESSION_COOKIE).unwrap_or("").to_owned();
    let req = Request::from_parts(parts, body);
    let Post(user, _) = match Post::from_request(req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let hash = token_hash(&id);
    let now = state.now_ms();
    let done = state
        .write("office_logout", move |tx, _state| {
            Ok(tx.delete_office_session(&hash, now - IDLE_TIMEOUT_MS)?)
        })
        .await;
    if let Err(e) = done {
        return OfficeError::from(e).into_response();
    }
    tracing::info!(cadre = %user.cadre.id, "office logout");
    let mut resp = Redirect::to("/office/login").into_response();
    resp.headers_mut().append(SET_COOKIE, session_cookie("", 0));
    resp
}
