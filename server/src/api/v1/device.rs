//! A phone's erase order (账号管理 擦除 / 交回, `minqing-server device wipe|retire`):
//!
//! - `GET /api/v1/device/status`: asked before each sync; answers the order, if any, and notes
//!   that the phone heard it.
//! - `POST /api/v1/device/erased`: the phone reports it erased its database, keys and photos;
//!   its token ends there. Audited as `device_erased`, by the phone.
//!
//! Both take a phone ordered wiped, which every other endpoint refuses (`wipe_requested`).

use axum::Json;
use axum::extract::State;
use minqing_shared::sync::wire::DeviceStatus;

use crate::audit::{self, Who};
use crate::auth::{ClientAddr, OrderedDevice};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::AuditAction;

/// `GET /api/v1/device/status`.
pub async fn status(
    State(state): State<AppState>,
    OrderedDevice(d): OrderedDevice,
) -> Result<Json<DeviceStatus>, ApiError> {
    if d.erase.is_some() {
        let device = d.device_id;
        state
            .write("erase_delivered", move |tx, state| {
                Ok(tx.note_erase_delivered(device, state.now_ms())?)
            })
            .await?;
    }
    Ok(Json(DeviceStatus { erase: d.erase }))
}

/// `POST /api/v1/device/erased`.
pub async fn erased(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    OrderedDevice(d): OrderedDevice,
) -> Result<Json<serde_json::Value>, ApiError> {
    if d.erase.is_none() {
        return Err(ApiError::bad_request(
            "no_erase_order",
            "本机没有擦除要求 (no erase order for this phone)",
        ));
    }
    let (device, cadre) = (d.device_id, d.cadre_id);
    state
        .write("device_erased", move |tx, state| {
            let now = state.now_ms();
            if tx.mark_erased(device, now)? {
                let who = Who {
                    cadre: Some(cadre),
                    device: Some(device),
                    address: Some(address.clone()),
                };
                let id = Some(device.to_string());
                audit::record(tx, &who, AuditAction::Change, audit::DEVICE_ERASED, id, 1, now)?;
            }
            Ok(())
        })
        .await?;
    tracing::info!(%device, "phone reported itself erased");
    Ok(Json(serde_json::json!({ "status": "ok" })))
}
