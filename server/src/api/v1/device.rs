//! `POST /api/v1/device/erased`: a phone ordered erased (账号管理 擦除 / 交回, `minqing-server
//! device wipe|retire`) reports it erased its database, keys and photos; its token ends there.
//! Audited as `device_erased`, by the phone. It takes a phone ordered wiped, which every other
//! endpoint refuses (`wipe_requested`: how a wiped phone hears its order; a retiring one hears
//! it in its pull's answer).

use axum::Json;
use axum::extract::State;

use crate::audit::{self, Who};
use crate::auth::{ClientAddr, OrderedDevice};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::AuditAction;

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
