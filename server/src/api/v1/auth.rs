//! `POST /api/v1/auth/login`: a phone logs in once, online, and gets a device token.
//! `POST /api/v1/auth/change-password`: an account changes its password (required after an
//! import or a reset, before the first login). Both are throttled per account and address.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use minqing_shared::ids::DeviceId;
use minqing_shared::sync::op::CadreBody;
use minqing_shared::sync::validate;
use minqing_shared::sync::{
    CadreInfo, ChangePasswordRequest, ChangePasswordResponse, LoginRequest, LoginResponse,
    MIN_PASSWORD_CHARS, PasswordProblem, check_new_password,
};

use crate::auth::{ClientAddr, ClientVersion, Device, new_token, token_hash};
use crate::error::ApiError;
use crate::password::{hash_password_queued, verify_password_queued};
use crate::state::AppState;
use crate::store::{Account, NewDevice};
use crate::throttle::wait_message;

/// The longest device name kept.
const MAX_DEVICE_NAME_CHARS: usize = 100;

/// Checks `username` and `password` under the login throttle: the account if they match.
async fn check_credentials(
    state: &AppState,
    address: &str,
    username: &str,
    password: String,
) -> Result<Account, ApiError> {
    let attempt = state.login_throttle().begin(username, address).map_err(|wait| {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", wait_message(wait))
    })?;
    let name = username.to_owned();
    let account =
        state.read("account_by_username", move |tx| Ok(tx.account_by_username(&name)?)).await?;
    let ok =
        verify_password_queued(password, account.as_ref().map(|a| a.password_hash.clone())).await;
    match account {
        Some(a) if ok => {
            attempt.succeeded();
            Ok(a)
        }
        _ => {
            drop(attempt);
            Err(ApiError::unauthorized(
                "invalid_credentials",
                "用户名或密码错误 (wrong username or password)",
            ))
        }
    }
}

/// Checks the password and registers a new device for the account.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ClientVersion(version): ClientVersion,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    if validate::check_name("device_name", req.device_name.trim(), MAX_DEVICE_NAME_CHARS, false)
        .is_err()
    {
        return Err(ApiError::bad_request(
            "invalid_device_name",
            format!(
                "设备名称不能含控制字符或不可见字符，最长{MAX_DEVICE_NAME_CHARS}字 (the device name \
                 may not hold control or invisible characters, and has at most \
                 {MAX_DEVICE_NAME_CHARS} characters)"
            ),
        ));
    }
    let username = req.username.trim().to_owned();
    let account = check_credentials(&state, &address, &username, req.password).await?;
    if account.disabled {
        return Err(ApiError::forbidden(
            "account_disabled",
            "此账号已停用，请联系组织部 (this account is disabled)",
        ));
    }
    let cadre_id = account.cadre.id;
    if state.read("must_change_password", move |tx| Ok(tx.must_change_password(cadre_id)?)).await? {
        return Err(ApiError::forbidden(
            "password_change_required",
            "请先修改初始密码 (the password was set by an administrator: choose a new one with \
             POST /api/v1/auth/change-password, then log in)",
        ));
    }
    let token = new_token();
    let device_id = DeviceId::new();
    let cadre = account.cadre;
    let device_name = if req.device_name.trim().is_empty() {
        "phone".to_owned()
    } else {
        req.device_name.trim().to_owned()
    };
    let hash = token_hash(&token);
    let unit_id = cadre.unit_id;
    let unit = state
        .write("login", move |tx, state| {
            let new = NewDevice {
                id: device_id,
                cadre: cadre_id,
                name: &device_name,
                token_hash: &hash,
                app_version: version.as_deref(),
            };
            tx.insert_device(&new, state.now_ms())?;
            Ok(tx.unit(unit_id)?)
        })
        .await?;
    tracing::info!(cadre = %cadre.id, device = %device_id, "device logged in");
    Ok(Json(LoginResponse {
        token,
        device_id,
        cadre: CadreInfo {
            id: cadre.id,
            profile: CadreBody {
                name: cadre.name,
                unit_id: cadre.unit_id,
                unit_name: unit.map(|u| u.name).unwrap_or_default(),
                role: cadre.role,
                phone: cadre.phone,
                title: cadre.title,
                villages: cadre.villages,
            },
        },
        server_time: state.now_ms(),
    }))
}

/// Sets a new password for an account that knows its current one, and lifts the
/// must-change-password flag. Every other sign-in of the account ends; the calling phone, if it
/// sent its own token, gets a new one.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: Option<Device>,
    body: Result<Json<ChangePasswordRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ChangePasswordResponse>, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let username = req.username.trim().to_owned();
    let account = check_credentials(&state, &address, &username, req.old_password.clone()).await?;
    if account.disabled {
        return Err(ApiError::forbidden(
            "account_disabled",
            "此账号已停用，请联系组织部 (this account is disabled)",
        ));
    }
    match check_new_password(&req.old_password, &req.new_password) {
        Ok(()) => {}
        Err(PasswordProblem::TooShort) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "weak_password",
                format!(
                    "新密码至少{MIN_PASSWORD_CHARS}位 (the new password needs at least {MIN_PASSWORD_CHARS} characters)"
                ),
            ));
        }
        Err(PasswordProblem::SameAsOld) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "same_password",
                "新密码不能与旧密码相同 (the new password must differ from the old one)",
            ));
        }
    }
    let new = req.new_password;
    let hash = hash_password_queued(new).await;
    let cadre = account.cadre.id;
    let verified = account.password_hash;
    // The calling phone keeps working under a new token, if its token is of this account.
    let keep = caller.filter(|d| d.0.cadre_id == cadre).map(|d| (d.0.device_id, new_token()));
    let kept = keep.as_ref().map(|(device, token)| (*device, token_hash(token)));
    let changed = state
        .write("change_password", move |tx, state| {
            let keep = kept.as_ref().map(|(device, hash)| (*device, hash.as_str()));
            Ok(tx.replace_password(cadre, &verified, &hash, state.now_ms(), keep)?)
        })
        .await?;
    if !changed {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "password_changed_meanwhile",
            "密码刚被修改或重置，请用新密码重试 (the password changed meanwhile: try again)",
        ));
    }
    tracing::info!(%cadre, "password changed");
    Ok(Json(ChangePasswordResponse { status: "ok".to_owned(), token: keep.map(|(_, t)| t) }))
}
