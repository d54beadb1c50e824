//! The session cookie and CSRF (the login and logout pages are `office::login`).
//!
//! - The session id is 256 random bits in the `minqing_office` cookie (`HttpOnly`,
//!   `SameSite=Strict`, `Path=/office`, and `Secure` behind HTTPS); the database keeps only its
//!   SHA-256, the account and the session's CSRF token. A session unused for [`IDLE_TIMEOUT_MS`] is gone.
//! - [`OfficeUser`] is the extractor every page takes: no session → a redirect to the login
//!   page; an account without an office role → 403.
//! - [`Post`] is the extractor every form handler takes: the user plus the form, whose `_csrf`
//!   must equal the session's token (else 403). The login form itself, before any session, is
//!   protected by a double-submit token in a short-lived cookie of its own.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::org::{Cadre, Unit};

use crate::auth::token_hash;
use crate::office::kit::error::OfficeError;
use crate::office::kit::form::FormData;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "minqing_office";
/// The login form's double-submit cookie.
pub(crate) const LOGIN_COOKIE: &str = "minqing_login";
/// A session unused this long has expired (one hour).
pub const IDLE_TIMEOUT_MS: i64 = 60 * 60 * 1000;
/// Sessions are marked as used at most this often (one write a minute, not one per page).
const TOUCH_EVERY_MS: i64 = 60 * 1000;
/// The largest form body read.
pub(crate) const MAX_FORM_BYTES: usize = 256 * 1024;

/// The office account behind a request.
#[derive(Clone, Debug)]
pub struct OfficeUser {
    /// The account.
    pub cadre: Cadre,
    /// Its unit.
    pub unit: Unit,
    /// The session's CSRF token, put into every form.
    pub csrf: String,
    /// Today in China, as the server's clock read it for this request.
    pub today: chrono::NaiveDate,
}

impl OfficeUser {
    /// Whether the account sees the whole county.
    pub fn county_wide(&self) -> bool {
        self.cadre.role.is_county_wide()
    }

    /// Whose records the account sees: its unit's, or its county's.
    pub fn scope(&self) -> minqing_shared::scope::Scope {
        minqing_shared::scope::Scope::of(
            self.cadre.role,
            self.cadre.id,
            self.unit.id,
            self.unit.county_id,
        )
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="_csrf" value=(self.csrf); }
    }

    /// What the account is, for the page header.
    pub fn describe(&self) -> String {
        format!("{} · {}", self.unit.name, self.cadre.role.zh())
    }
}

pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn to_login(parts: &Parts) -> Response {
    let path = parts.uri.path_and_query().map_or("/office", |p| p.as_str());
    let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Redirect::to(&format!("/office/login?next={next}")).into_response()
}

impl FromRequestParts<AppState> for OfficeUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(id) = cookie(parts, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
            return Err(to_login(parts));
        };
        let hash = token_hash(id);
        let now = state.now_ms();
        let found = state
            .read("office_session", move |tx| {
                let Some(session) = tx.office_session(&hash)? else { return Ok(None) };
                let Some(cadre) = tx.cadre(session.cadre_id)? else { return Ok(None) };
                let account = tx.account_by_username(&cadre.username)?;
                let unit = tx.unit(cadre.unit_id)?;
                Ok(unit.map(|unit| (session, cadre, unit, account.is_some_and(|a| a.disabled))))
            })
            .await
            .map_err(|e| OfficeError::from(e).into_response())?;
        let Some((session, cadre, unit, disabled)) = found else {
            return Err(to_login(parts));
        };
        if now - session.last_ms > IDLE_TIMEOUT_MS || disabled {
            return Err(to_login(parts));
        }
        if !cadre.role.is_office() {
            return Err(
                OfficeError::forbidden("此账号为包村干部账号，无办公室权限").into_response()
            );
        }
        if now - session.last_ms > TOUCH_EVERY_MS {
            let hash = session.id_hash.clone();
            let touched = state
                .write("office_touch", move |tx, _state| Ok(tx.touch_office_session(&hash, now)?))
                .await;
            touched.map_err(|e| OfficeError::from(e).into_response())?;
        }
        Ok(OfficeUser { cadre, unit, csrf: session.csrf, today: state.today() })
    }
}

/// A form POST from a logged-in office account, its CSRF token checked.
#[derive(Debug)]
pub struct Post(pub OfficeUser, pub FormData);

impl FromRequest<AppState> for Post {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = OfficeUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| OfficeError::bad_request("表单过大").into_response())?;
        let form = FormData::parse(&bytes);
        if !same(form.get("_csrf"), &user.csrf) {
            return Err(OfficeError::forbidden("表单已过期，请刷新页面后重试").into_response());
        }
        Ok(Post(user, form))
    }
}

pub(crate) use crate::auth::same_token as same;

pub(crate) fn session_cookie(value: &str, max_age_s: i64) -> HeaderValue {
    let c = format!(
        "{SESSION_COOKIE}={value}; Path=/office; HttpOnly; SameSite=Strict; Max-Age={max_age_s}"
    );
    HeaderValue::from_str(&c).expect("a token is a valid header value")
}

/// Marks the office's cookies `Secure` when the request reached the proxy over HTTPS
/// (`X-Forwarded-Proto: https`, which docs/DEPLOY.md's nginx sets), so that the browser never
/// sends the session over plain HTTP. Without TLS in front (a laptop, the tests) they stay as
/// they are, or the browser would drop them. A client forging the header only hardens its own
/// cookie.
pub(crate) async fn secure_cookies_behind_https(
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let https = super::origin::behind_https(req.headers());
    let mut resp = next.run(req).await;
    if https {
        let cookies: Vec<HeaderValue> =
            resp.headers().get_all(SET_COOKIE).iter().cloned().collect();
        resp.headers_mut().remove(SET_COOKIE);
        for c in cookies {
            let secure = [c.as_bytes(), b"; Secure"].concat();
            let value = HeaderValue::from_bytes(&secure).unwrap_or(c);
            resp.headers_mut().append(SET_COOKIE, value);
        }
    }
    resp
}
