//! `POST /api/v1/sync/push`, `GET /api/v1/sync/pull` and
//! `GET /api/v1/sync/household/{id}/history`.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use minqing_shared::ids::{DeviceId, HouseholdId};
use minqing_shared::sync::{
    HistoryResponse, MAX_CURSOR, MAX_OPS_PER_PUSH, MAX_PUSH_BYTES, PullQuery, PullResponse,
    PushResponse,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::audit::{self, Who};
use crate::auth::{ClientVersion, Device};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::AuditAction;
use crate::sync;

/// The push body as read: the ops stay raw so one malformed op does not spoil the batch.
#[derive(Deserialize)]
struct RawPush {
    device_id: DeviceId,
    ops: Vec<Box<RawValue>>,
}

/// Stores a batch of the device's ops; see `sync::push`.
pub async fn push(
    State(state): State<AppState>,
    Device(auth): Device,
    ClientVersion(version): ClientVersion,
    body: Body,
) -> Result<Json<PushResponse>, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_PUSH_BYTES).await.map_err(|e| {
        let too_big = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_big {
            ApiError::too_large(
                "body_too_large",
                format!("一次上传最多 {MAX_PUSH_BYTES} 字节 (a push body may be at most {MAX_PUSH_BYTES} bytes)"),
            )
        } else {
            ApiError::bad_request("unreadable_body", format!("无法读取上传内容 (the body could not be read: {e})"))
        }
    })?;
    let auth_device = auth.device_id;
    // A big push (a phone back after weeks without signal) is read off the async runtime:
    // reading a megabyte of ops holds a thread for milliseconds.
    let batch = if bytes.len() > READ_INLINE_BYTES {
        tokio::task::spawn_blocking(move || read_push(&bytes, auth_device)).await??
    } else {
        read_push(&bytes, auth_device)?
    };
    let outcome = state
        .write("push", move |tx, state| {
            let outcome = sync::push(tx, &auth, &batch, state.now_ms(), version.as_deref())?;
            if let Some(hlc) = outcome.max_hlc {
                state.server_device().observe(hlc);
            }
            Ok(outcome)
        })
        .await?;
    // The push wrote the device's last sync and app version (`Tx::device_synced`).
    state.seen_written(auth_device);
    state.metrics().ops(
        outcome.accepted,
        outcome.response.rejected.len() as u64,
        outcome.duplicates,
    );
    Ok(Json(PushResponse { server_time: state.now_ms(), ..outcome.response }))
}

/// Pushes larger than this are read on a blocking thread.
const READ_INLINE_BYTES: usize = 64 * 1024;

/// A push body read: its shape, its device and its size checked, each op parsed (or refused
/// with its reason, the others kept).
fn read_push(bytes: &[u8], device: DeviceId) -> Result<sync::Batch, ApiError> {
    let req: RawPush = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("上传内容格式不对 (the push is not valid JSON of the expected shape: {e})"),
        )
    })?;
    if req.device_id != device {
        return Err(ApiError::forbidden(
            "wrong_device",
            "设备与登录不符 (device_id is not the device this token belongs to)",
        ));
    }
    if req.ops.len() > MAX_OPS_PER_PUSH {
        return Err(ApiError::too_large(
            "too_many_ops",
            format!(
                "一次最多上传 {MAX_OPS_PER_PUSH} 条记录 (a push may carry at most {MAX_OPS_PER_PUSH} ops; send the rest in the next push)"
            ),
        ));
    }
    Ok(sync::Batch::read(device, req.ops))
}

/// One page of changes in the token's scope after `cursor`.
pub async fn pull(
    State(state): State<AppState>,
    Device(auth): Device,
    ClientVersion(version): ClientVersion,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    check_cursor("cursor", q.cursor)?;
    let scope = sync::scope_of(&auth);
    let limit = q.limit.unwrap_or(500);
    let device = auth.device_id;
    let ((changes, next_cursor, has_more), place_doubt_m) = state
        .read("pull", move |tx| {
            Ok((sync::pull(tx, scope, q.cursor, limit, device)?, tx.place_doubt_m()?))
        })
        .await?;
    // One audit line per page that carried records (an empty sync writes nothing), the
    // device's last sync at most once a minute, and that the phone heard its order to retire
    // (once): one write, if any is due.
    let touch = state.seen_due(device);
    let erase = auth.erase;
    let erase_heard = erase.is_some() && !auth.erase_delivered;
    if !changes.is_empty() || touch || erase_heard {
        let (cadre, count) = (auth.cadre_id, changes.len() as u32);
        state
            .write("pull_noted", move |tx, state| {
                let now = state.now_ms();
                if count > 0 {
                    let who = Who { cadre: Some(cadre), device: Some(device), address: None };
                    audit::record(tx, &who, AuditAction::View, "pull", None, count, now)?;
                }
                if touch {
                    tx.touch_device(device, now, version.as_deref())?;
                }
                if erase_heard {
                    tx.note_erase_delivered(device, now)?;
                }
                Ok(())
            })
            .await?;
    }
    state.metrics().pull_page();
    Ok(Json(PullResponse {
        changes,
        next_cursor,
        has_more,
        server_time: state.now_ms(),
        place_doubt_m: Some(place_doubt_m),
        erase,
    }))
}

/// Refuses a sequence number past the log's numbering (signed 64-bit), which would otherwise
/// wrap or saturate into another place of the log.
fn check_cursor(name: &'static str, value: u64) -> Result<(), ApiError> {
    if value > MAX_CURSOR {
        return Err(ApiError::bad_request(
            "bad_cursor",
            format!("{name} 超出范围（at most {MAX_CURSOR}）"),
        ));
    }
    Ok(())
}

/// `?through=N&after=M` of a household's history.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    /// The last `server_seq` wanted (the phone's pull brought the rest).
    pub through: u64,
    /// The page starts after this `server_seq` (0 at first; then the last one received).
    #[serde(default)]
    pub after: u64,
}

/// A household's changes up to `through`, for the cadre it is assigned to now: a phone whose
/// cadre was just given the household gets its earlier profile, visits and concerns, which its
/// pull cursor had passed before the household was in its scope.
pub async fn household_history(
    State(state): State<AppState>,
    Device(auth): Device,
    Path(id): Path<String>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let id: HouseholdId = id
        .parse()
        .map_err(|_| ApiError::bad_request("bad_id", "联系户编号不对 (not a household id)"))?;
    check_cursor("through", q.through)?;
    check_cursor("after", q.after)?;
    let cadre = auth.cadre_id;
    let (changes, has_more) = state
        .read("household_history", move |tx| {
            let mine = tx.household(id)?.is_some_and(|h| h.cadre_id.value == Some(cadre));
            Ok(if mine { Some(sync::history_page(tx, id, q.after, q.through)?) } else { None })
        })
        .await?
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_your_household",
                "您没有这个联系户 (no household of yours has this id)",
            )
        })?;
    let (device, count) = (auth.device_id, changes.len() as u32);
    state
        .write("audit_history", move |tx, state| {
            let who = Who { cadre: Some(cadre), device: Some(device), address: None };
            let record = Some(id.to_string());
            Ok(audit::record(
                tx,
                &who,
                AuditAction::View,
                "household",
                record,
                count,
                state.now_ms(),
            )?)
        })
        .await?;
    Ok(Json(HistoryResponse { changes, has_more, server_time: state.now_ms() }))
}
