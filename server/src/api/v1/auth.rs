//! `POST /api/v1/auth/login`: a phone logs in once, online, and gets a device token.

use axum::Json;
use axum::extract::State;
use minqing_shared::ids::DeviceId;
use minqing_shared::sync::op::CadreBody;
use minqing_shared::sync::{CadreInfo, LoginRequest, LoginResponse};

use crate::auth::{decoy_hash, new_token, token_hash, verify_password};
use crate::error::ApiError;
use crate::state::{AppState, now_ms};

/// Checks the password and registers a new device for the account.
pub async fn login(
    State(state): State<AppState>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::bad_request("malformed_json", e.body_text()))?;
    let username = req.username.trim().to_owned();
    let account =
        state.read("account_by_username", move |tx| Ok(tx.account_by_username(&username)?)).await?;
    let password = req.password;
    let hash =
        account.as_ref().map_or_else(|| decoy_hash().to_owned(), |a| a.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await?;
    let account = match account {
        Some(a) if ok => a,
        _ => {
            return Err(ApiError::unauthorized(
                "invalid_credentials",
                "wrong username or password",
            ));
        }
    };
    if account.disabled {
        return Err(ApiError::forbidden("account_disabled", "this account is disabled"));
    }
    let token = new_token();
    let device_id = DeviceId::new();
    let cadre = account.cadre;
    let device_name = if req.device_name.trim().is_empty() {
        "phone".to_owned()
    } else {
        req.device_name.chars().take(100).collect()
    };
    let hash = token_hash(&token);
    let cadre_id = cadre.id;
    let unit_id = cadre.unit_id;
    let unit = state
        .write("login", move |tx, _| {
            tx.insert_device(device_id, cadre_id, &device_name, &hash, now_ms())?;
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
        server_time: now_ms(),
    }))
}
