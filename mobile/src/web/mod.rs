//! The browser build's seams: the database kept as a sealed image with its key file in IndexedDB
//! (see `idb.js`, `crate::vault::image`, and docs/MOBILE.md for why not OPFS), the setup link's server and username, and the browser's
//! geolocation (`geo.js`) and notifications (`notify.js`).

use wasm_bindgen::prelude::*;

use crate::vault::image::{KeysChange, Saving};

#[wasm_bindgen(module = "/src/web/idb.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = idbLoad)]
    async fn idb_load() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = idbSave)]
    async fn idb_save(bytes: js_sys::Uint8Array, keys: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = idbSaveKeys)]
    async fn idb_save_keys(keys: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = idbClear)]
    async fn idb_clear() -> Result<JsValue, JsValue>;
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

/// What this browser saved: the database's image and the key file (JSON), each if any.
pub async fn load() -> Result<(Option<Vec<u8>>, Option<String>), String> {
    let _ = persist_storage().await;
    let both = js_sys::Array::from(&idb_load().await.map_err(text)?);
    let image = both.get(0);
    let image = (!image.is_null() && !image.is_undefined())
        .then(|| js_sys::Uint8Array::new(&image).to_vec());
    Ok((image, both.get(1).as_string()))
}

/// Saves what the vault says (the image, with the key file's change; or nothing left at all);
/// returns once the browser has committed it.
pub async fn save(saving: Saving) -> Result<(), String> {
    match saving {
        Saving::Put { image, keys, .. } => {
            idb_save(js_sys::Uint8Array::from(image.as_slice()), keys_value(keys)).await
        }
        Saving::Erase => idb_clear().await,
    }
    .map(drop)
    .map_err(text)
}

/// Saves the key file's change alone (a PIN tried, set or reset; the phone started over).
pub async fn save_keys(change: KeysChange) -> Result<(), String> {
    idb_save_keys(keys_value(change)).await.map(drop).map_err(text)
}

/// For `idb.js`: `undefined` to leave the key file, `null` to delete it, or its JSON.
fn keys_value(change: KeysChange) -> JsValue {
    match change {
        KeysChange::Same => JsValue::UNDEFINED,
        KeysChange::Delete => JsValue::NULL,
        KeysChange::Write(json) => JsValue::from_str(&json),
    }
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
