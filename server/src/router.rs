//! The one route table.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minqing_shared::sync::{MIN_PROTOCOL_VERSION, PROTOCOL_HEADER};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::error::ApiError;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/auth/login", post(api::v1::auth::login))
        .route("/api/v1/auth/change-password", post(api::v1::auth::change_password))
        .route("/api/v1/sync/push", post(api::v1::sync::push))
        .route("/api/v1/device/erased", post(api::v1::device::erased))
        .route("/api/v1/photos/{id}", get(api::v1::photos::status).put(api::v1::photos::upload))
        .route("/api/v1/sync/pull", get(api::v1::sync::pull))
        .route(
            "/api/v1/sync/household/{id}/history",
            get(api::v1::sync::household_history),
        )
        .route("/app", get(crate::app_files::redirect))
        .route("/app/", get(crate::app_files::serve))
        .route("/app/{*path}", get(crate::app_files::serve))
        .merge(crate::office::routes())
        .fallback(|| async { ApiError::not_found("没有这个地址 (no such route)") })
        .layer(middleware::from_fn(check_protocol))
        .layer(middleware::map_response(crate::office::kit::headers::add))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(CompressionLayer::new())
        .layer(RequestDecompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// `/metrics`, for the monitoring system on the server's own machine: answered only to a
/// loopback peer that no proxy forwarded (a proxied request carries `X-Forwarded-For`), or to
/// anyone with the configured `--metrics-token`.
async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    let token = state.perimeter().metrics_token.as_deref();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let local = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback())
        && !req.headers().contains_key("x-forwarded-for")
        && !req.headers().contains_key("forwarded");
    let allowed = match (token, bearer) {
        (Some(token), Some(bearer)) => crate::auth::same_token(token, bearer.trim()),
        _ => local,
    };
    if !allowed {
        return ApiError::forbidden(
            "metrics_forbidden",
            "监控数据仅限本机或持有监控令牌访问 (metrics are for this machine or a holder of the \
             metrics token)",
        )
        .into_response();
    }
    ([(header::CONTENT_TYPE, crate::metrics::Metrics::CONTENT_TYPE)], state.metrics().render())
        .into_response()
}

/// Refuses apps older than the server still supports, with a message the app can show.
async fn check_protocol(req: Request, next: Next) -> Response {
    let version = req
        .headers()
        .get(PROTOCOL_HEADER)
        .map(|v| v.to_str().ok().and_then(|s| s.parse::<u32>().ok()));
    match version {
        Some(Some(v)) if v >= MIN_PROTOCOL_VERSION => next.run(req).await,
        None => next.run(req).await,
        _ => ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "app_too_old",
            "民情通版本过旧，请更新后再同步 (this app is too old for the server; please update Minqing)",
        )
        .into_response(),
    }
}

/// Counts requests by matched route and status.
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let start = Instant::now();
    let response = next.run(req).await;
    state.metrics().request(&route, &method, response.status().as_u16());
    tracing::debug!(
        route,
        status = response.status().as_u16(),
        took_ms = start.elapsed().as_millis() as u64,
        "request"
    );
    response
}
