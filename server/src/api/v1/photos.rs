//! `GET /api/v1/photos/{id}` and `PUT /api/v1/photos/{id}?offset=N&length=L`: a photo's bytes,
//! sent by the phone that took it after the op that names it, in their own requests.
//!
//! Resumable: the server keeps whatever part of a body arrived before a connection was cut
//! (and whatever a phone chose to send in part); `GET` says how much it holds, and the next
//! `PUT` sends the rest from there. A whole photo is checked (`shared::photo::check_upload`:
//! size, JPEG magic bytes, SHA-256 against its name), decoded to make its thumbnail, and
//! stored. A refusal names the reason (a `PhotoRefusal` code) and is final for that photo only.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use http_body_util::BodyExt;
use minqing_shared::label::Label;
use minqing_shared::photo::{
    self, MAX_UPLOAD_BYTES, PhotoId, PhotoRefusal, THUMB_EDGE_PX, UploadStatus,
};
use serde::Deserialize;

use crate::auth::Device;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{DeviceAuth, PartialUpload, Tx};

/// How long a read of an upload's body may stall before it counts as a cut connection.
const READ_STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// Where an upload starts and how long the whole photo is.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// Bytes the server already holds (from `GET`).
    offset: u64,
    /// The whole photo's size.
    length: u64,
}

fn photo_id(raw: &str) -> Result<PhotoId, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::bad_request(
            "bad_photo_id",
            "照片编号不对 (a photo id is 64 lowercase hex digits)",
        )
    })
}

fn refused(why: PhotoRefusal) -> ApiError {
    let status = match why {
        PhotoRefusal::TooLarge => axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, why.code(), format!("{}（{}）", why.zh(), why.en()))
}

/// Only the cadre who took a photo, for a record the server stored, sends its bytes.
fn check_taken_by(tx: &mut Tx<'_>, id: &PhotoId, device: &DeviceAuth) -> Result<(), ApiError> {
    if tx.photo_taken_by(id, device.cadre_id)? {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "photo_unreferenced",
            "照片所属的记录尚未同步，稍后再传 (no record of yours names this photo yet: send its op first)",
        ))
    }
}

fn status_of(tx: &mut Tx<'_>, id: &PhotoId) -> Result<UploadStatus, ApiError> {
    if tx.photo_stored(id)? {
        // The size is not kept apart; a stored photo needs no more bytes.
        return Ok(UploadStatus { received: 0, complete: true });
    }
    let received = tx.photo_upload(id)?.map_or(0, |u| u.received.len() as u64);
    Ok(UploadStatus { received, complete: false })
}

/// How much of the photo the server holds.
pub async fn status(
    State(state): State<AppState>,
    Device(device): Device,
    Path(raw): Path<String>,
) -> Result<Json<UploadStatus>, ApiError> {
    let id = photo_id(&raw)?;
    let answer = state
        .read("photo_status", move |tx| {
            check_taken_by(tx, &id, &device)?;
            status_of(tx, &id)
        })
        .await?;
    Ok(Json(answer))
}

/// Takes the photo's bytes from `offset` on; stores the photo once whole.
pub async fn upload(
    State(state): State<AppState>,
    Device(device): Device,
    Path(raw): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Result<Json<UploadStatus>, ApiError> {
    let id = photo_id(&raw)?;
    if q.length > MAX_UPLOAD_BYTES {
        return Err(refused(PhotoRefusal::TooLarge));
    }
    if q.offset > q.length {
        return Err(ApiError::bad_request(
            "bad_offset",
            "上传位置超出照片大小 (offset is past the photo's length)",
        ));
    }
    let (check_id, check_device) = (id.clone(), device.clone());
    let held = state
        .read("photo_status", move |tx| {
            check_taken_by(tx, &check_id, &check_device)?;
            if tx.photo_stored(&check_id)? {
                return Ok(None);
            }
            Ok(Some(tx.photo_upload(&check_id)?))
        })
        .await?;
    let Some(held) = held else {
        return Ok(Json(UploadStatus { received: q.length, complete: true }));
    };
    // What the server holds, as far as this upload is concerned: an upload announced with
    // another length starts over.
    let received = held.filter(|u| u.length == q.length).map_or_else(Vec::new, |u| u.received);
    if q.offset != received.len() as u64 {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "upload_offset",
            format!(
                "服务器已有 {} 字节，请从那里继续 (the server holds {} bytes of this photo: continue from there)",
                received.len(),
                received.len()
            ),
        ));
    }
    // Received in a task of its own: when the phone's connection is cut, the server drops
    // this handler, but the task still sees the cut and keeps what arrived.
    tokio::spawn(receive(state, id, q.length, received, body)).await.map_err(ApiError::internal)?
}

/// Reads the rest of the photo; keeps a part, or checks and stores the whole.
async fn receive(
    state: AppState,
    id: PhotoId,
    length: u64,
    mut received: Vec<u8>,
    mut body: Body,
) -> Result<Json<UploadStatus>, ApiError> {
    let mut cut = false;
    loop {
        // A phone that loses signal often leaves the connection open, silent: a read that
        // stalls this long counts as a cut, and what arrived is kept.
        let Ok(next) = tokio::time::timeout(READ_STALL, body.frame()).await else {
            cut = true;
            break;
        };
        let Some(frame) = next else { break };
        match frame.map(|f| f.into_data()) {
            Ok(Err(_trailers)) => {}
            Ok(Ok(bytes)) => {
                if received.len() as u64 + bytes.len() as u64 > length {
                    return Err(ApiError::bad_request(
                        "upload_too_long",
                        "上传内容超过声明的照片大小 (more bytes than the announced length)",
                    ));
                }
                received.extend_from_slice(&bytes);
                if received.len() >= 3 && !photo::is_jpeg(&received) {
                    // Not a photo the app made: refused at once, not after 2 MB.
                    let drop_id = id.clone();
                    state
                        .write("photo_refused", move |tx, _| Ok(tx.drop_photo_upload(&drop_id)?))
                        .await?;
                    return Err(refused(PhotoRefusal::NotJpeg));
                }
            }
            Err(_) => {
                // The connection was cut: keep what arrived, for the phone to resume.
                cut = true;
                break;
            }
        }
    }
    let whole = received.len() as u64 == length;
    if !whole {
        let got = received.len() as u64;
        if got > 0 {
            let (keep_id, length) = (id.clone(), length);
            let upload = PartialUpload { length, received };
            state
                .write("photo_partial", move |tx, state| {
                    Ok(tx.save_photo_upload(&keep_id, &upload, state.now_ms())?)
                })
                .await?;
        }
        if cut {
            tracing::info!(photo = %id, got, "photo upload cut; kept for resuming");
        }
        return Ok(Json(UploadStatus { received: got, complete: false }));
    }
    let checked = tokio::task::spawn_blocking({
        let id = id.clone();
        move || {
            photo::check_upload(&id, &received)?;
            let thumb = thumbnail(&received)?;
            Ok::<_, PhotoRefusal>((received, thumb))
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let (jpeg, thumb) = match checked {
        Ok(ok) => ok,
        Err(why) => {
            let drop_id = id.clone();
            state.write("photo_refused", move |tx, _| Ok(tx.drop_photo_upload(&drop_id)?)).await?;
            tracing::info!(photo = %id, reason = why.code(), "photo refused");
            return Err(refused(why));
        }
    };
    let length = jpeg.len() as u64;
    state
        .write("photo_store", move |tx, state| {
            Ok(tx.store_photo(&id, jpeg.clone(), thumb.clone(), state.now_ms())?)
        })
        .await?;
    Ok(Json(UploadStatus { received: length, complete: true }))
}

/// A JPEG whose longest edge is at most [`THUMB_EDGE_PX`], for the office pages; decoding is
/// bounded so that a hostile file cannot make the server allocate without end.
fn thumbnail(jpeg: &[u8]) -> Result<Vec<u8>, PhotoRefusal> {
    let mut reader =
        image::ImageReader::with_format(std::io::Cursor::new(jpeg), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(10_000);
    limits.max_image_height = Some(10_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| PhotoRefusal::Unreadable)?;
    let small = image.thumbnail(THUMB_EDGE_PX, THUMB_EDGE_PX).into_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75)
        .encode_image(&small)
        .map_err(|_| PhotoRefusal::Unreadable)?;
    Ok(out)
}
