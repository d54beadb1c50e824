//! What differs between a phone or desktop and a browser, kept to a few seams: how to wait,
//! and (in [`crate::web`]) where the database lives and what the page's link says. Screens,
//! store and sync engine are the same code everywhere.

use std::time::Duration;

/// Waits `d`: tokio's timer on a phone or desktop.
#[cfg(not(target_arch = "wasm32"))]
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}

/// Waits `d`: the browser's `setTimeout` (a browser has no other timer).
#[cfg(target_arch = "wasm32")]
pub async fn sleep(d: Duration) {
    let ms = i32::try_from(d.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The server and username the app was opened with: a browser's setup link
/// (`/app/?server=…&user=…`, the page's own server by default); nothing on a phone or desktop.
pub fn setup_link() -> (Option<String>, Option<String>) {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::setup_link()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        (None, None)
    }
}
