//! `/app/`: the phone app's web build (`scripts/build-web` writes it to `target/web`; a
//! deployment passes `--web-dir`), served as files with the policy a WebAssembly app and its
//! service worker need. Every file is revalidated (`no-cache`): the service worker keeps the
//! copy for opening with no signal, and finds a new build when there is signal.

use std::path::PathBuf;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::state::AppState;

/// The web app's policy: its own scripts and WebAssembly, styles inline (Dioxus sets them), the
/// sync API of this server or another one over HTTPS (a county may serve the app apart).
pub const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                           style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                           connect-src 'self' https:; worker-src 'self'; manifest-src 'self'; \
                           frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Where the web build is looked for when `--web-dir` is not given.
pub const DEFAULT_WEB_DIR: &str = "target/web";

/// `GET /app`: to `/app/`, the service worker's scope.
pub async fn redirect() -> Redirect {
    Redirect::permanent("/app/")
}

/// `GET /app/…`: a file of the web build.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let dir = state.web_dir().map_or_else(|| PathBuf::from(DEFAULT_WEB_DIR), PathBuf::from);
    if !dir.join("index.html").is_file() {
        return (
            StatusCode::NOT_FOUND,
            Html(
                "<!doctype html><meta charset=utf-8><title>民情通</title>\
                 <p>网页版尚未安装：请运行 scripts/build-web，或以 --web-dir 指定其目录。</p>\
                 <p>The web app is not installed: run scripts/build-web, or pass --web-dir.</p>",
            ),
        )
            .into_response();
    }
    let (mut parts, body) = req.into_parts();
    let inner = parts.uri.path().strip_prefix("/app").unwrap_or("/").to_owned();
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    parts.uri = format!("{inner}{query}").parse::<Uri>().unwrap_or_else(|_| Uri::from_static("/"));
    let served = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .oneshot(Request::from_parts(parts, body))
        .await;
    let mut resp = match served {
        Ok(resp) => resp.into_response(),
        Err(never) => match never {},
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(APP_CSP));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}
