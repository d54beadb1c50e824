//! The browser build's seams: the database kept as a snapshot in IndexedDB (see `idb.js`, and
//! docs/MOBILE.md for why not OPFS), the setup link's server and username, and the browser's
//! geolocation (`geo.js`) and notifications (`notify.js`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/idb.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = idbLoad)]
    async fn idb_load() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = idbSave)]
    async fn idb_save(bytes: js_sys::Uint8Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = persistStorage)]
    async fn persist_storage() -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/web/notify.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = notify)]
    async fn web_notify(title: &str, body: &str) -> Result<JsValue, JsValue>;
}

/// Shows a notification (asking for permission the first time), or says why not.
pub async fn notify(title: &str, body: &str) -> Result<(), String> {
    let answer = web_notify(title, body).await.map_err(text)?;
    match answer.as_string().as_deref() {
        Some("shown") => Ok(()),
        other => Err(other.unwrap_or("no answer").to_owned()),
    }
}

#[wasm_bindgen(module = "/src/web/geo.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = locate)]
    async fn geo_locate(timeout_ms: u32) -> Result<JsValue, JsValue>;
}

/// One position from the browser's geolocation, as JSON text (see `location.rs`).
pub async fn locate(timeout_ms: u32) -> Result<String, String> {
    let value = geo_locate(timeout_ms).await.map_err(text)?;
    value.as_string().ok_or_else(|| "no answer".to_owned())
}

fn text(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// The saved database, if this browser has one.
pub async fn load() -> Result<Option<Vec<u8>>, String> {
    let _ = persist_storage().await;
    let value = idb_load().await.map_err(text)?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

/// Saves the database; returns once the browser has committed it.
pub async fn save(bytes: &[u8]) -> Result<(), String> {
    idb_save(js_sys::Uint8Array::from(bytes)).await.map(drop).map_err(text)
}

/// The server and username a setup link carries (`/app/?server=…&user=…`).
pub fn setup_link() -> (Option<String>, Option<String>) {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return (None, None);
    };
    let origin = web_sys::window().and_then(|w| w.location().origin().ok());
    let server = params.get("server").or(origin).filter(|s| !s.is_empty());
    (server, params.get("user").filter(|s| !s.is_empty()))
}
