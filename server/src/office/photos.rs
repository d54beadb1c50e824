//! `/office/photos/{id}` and `/office/photos/{id}/thumb`: a photo taken on a visit or a
//! concern, whole or as the thumbnail the household and concern pages show. Served only to an
//! account whose scope holds a household the photo belongs to; every view is audited (and not
//! cached by the browser, so that every view reaches the log).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use minqing_shared::photo::PhotoId;

use crate::office::kit::act;
use crate::office::kit::error::OfficeError;
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// `GET /office/photos/{id}`: the whole photo.
pub(crate) async fn whole(user: OfficeUser, state: State<AppState>, id: Path<String>) -> Response {
    serve(user, state, id, false).await
}

/// `GET /office/photos/{id}/thumb`: its thumbnail.
pub(crate) async fn thumb(user: OfficeUser, state: State<AppState>, id: Path<String>) -> Response {
    serve(user, state, id, true).await
}

async fn serve(
    user: OfficeUser,
    State(state): State<AppState>,
    Path(raw): Path<String>,
    thumb: bool,
) -> Response {
    let Ok(id) = raw.parse::<PhotoId>() else {
        return OfficeError::not_found("照片不存在").into_response();
    };
    let scope = user.scope();
    let read_id = id.clone();
    let bytes = act::read(&state, move |tx| {
        let mut in_scope = false;
        for household in tx.photo_households(&read_id)? {
            if tx.household_row(scope, household)?.is_some() {
                in_scope = true;
                break;
            }
        }
        if !in_scope {
            return Err(OfficeError::not_found("照片不存在或不在本单位范围内"));
        }
        tx.photo(&read_id, thumb)?.ok_or_else(|| OfficeError::not_found("照片尚未上传"))
    })
    .await;
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let what = if thumb { "photo_thumb" } else { "photo" };
    if let Err(e) = crate::audit::office_view(&state, user.cadre.id, what, id.to_string()).await {
        return e.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        bytes,
    )
        .into_response()
}

/// The thumbnails of a record's photos, each opening the whole photo; a photo the phone has
/// not sent yet says so.
pub(crate) fn thumbnails(photos: &[(PhotoId, bool)]) -> Markup {
    html! {
        @if !photos.is_empty() {
            span.photos {
                @for (id, stored) in photos {
                    @if *stored {
                        a href=(format!("/office/photos/{id}")) target="_blank" {
                            img.thumb src=(format!("/office/photos/{id}/thumb")) alt="照片" loading="lazy";
                        }
                    } @else {
                        span.badge { "照片待上传" }
                    }
                }
            }
        }
    }
}
