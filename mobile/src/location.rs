//! The location service: one fix when the visit form opens, taken from the platform if it gives
//! one, never blocking the save. The webview's `navigator.geolocation` serves the desktop and
//! Android/iOS builds (through Dioxus's `document::eval`), the browser's serves the web build
//! (through `web/geo.js`, since the app's CSP allows no eval); tests and the desktop smoke test
//! use a fixed answer. What the platform refuses is recorded as such (`NoFix`).

use chrono::{DateTime, Utc};
use minqing_shared::visit::{GeoFix, NoFix};
use serde::Deserialize;

/// How long the platform is given for a fix, milliseconds.
pub const FIX_TIMEOUT_MS: u32 = 15_000;

/// The variable that gives the app a fixed location instead of the platform's (the desktop
/// smoke test, a demonstration without GPS): `lat,lon,accuracy_m`, or `denied`, `timeout`,
/// `unavailable`.
pub const FAKE_ENV: &str = "MINQING_FAKE_LOCATION";

/// Where fixes come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Locator {
    /// The platform's location (the webview's or the browser's geolocation).
    Platform,
    /// Always this answer.
    Fixed(Result<GeoFix, NoFix>),
}

impl Locator {
    /// The platform's, unless [`FAKE_ENV`] names a fixed answer.
    pub fn from_env() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        if let Ok(text) = std::env::var(FAKE_ENV) {
            return Locator::Fixed(parse_fake(&text));
        }
        Locator::Platform
    }

    /// One fix, or why there is none.
    pub async fn fix(&self) -> Result<GeoFix, NoFix> {
        match self {
            Locator::Fixed(answer) => *answer,
            Locator::Platform => platform_fix().await,
        }
    }
}

/// A fixed answer as [`FAKE_ENV`] writes it.
pub fn parse_fake(text: &str) -> Result<GeoFix, NoFix> {
    if let Some(why) = NoFix::from_code(text.trim()) {
        return Err(why);
    }
    let parts: Vec<f64> = text.split(',').filter_map(|p| p.trim().parse().ok()).collect();
    match parts[..] {
        [lat, lon, accuracy] => {
            Ok(GeoFix { lat, lon, accuracy_m: Some(accuracy as f32), fixed_at: None })
        }
        [lat, lon] => Ok(GeoFix { lat, lon, accuracy_m: None, fixed_at: None }),
        _ => Err(NoFix::Unavailable),
    }
}

/// What the geolocation script answers.
#[derive(Debug, Deserialize)]
struct Answer {
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
    at_ms: Option<f64>,
    err: Option<String>,
}

impl Answer {
    fn into_fix(self) -> Result<GeoFix, NoFix> {
        match (self.lat, self.lon, self.err) {
            (Some(lat), Some(lon), None) => Ok(GeoFix {
                lat,
                lon,
                accuracy_m: self.accuracy_m.map(|a| a as f32),
                fixed_at: self
                    .at_ms
                    .and_then(|ms| DateTime::<Utc>::from_timestamp_millis(ms as i64)),
            }),
            (_, _, Some(code)) => Err(NoFix::from_code(&code).unwrap_or(NoFix::Unavailable)),
            _ => Err(NoFix::Unavailable),
        }
    }
}

/// The script both webviews run: one position, or the reason there is none.
pub const GEOLOCATION_JS: &str = r#"
return await new Promise((resolve) => {
  if (!navigator.geolocation) { resolve({ err: "unavailable" }); return; }
  navigator.geolocation.getCurrentPosition(
    (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude,
                     accuracy_m: p.coords.accuracy, at_ms: p.timestamp }),
    (e) => resolve({ err: e.code === 1 ? "denied" : e.code === 3 ? "timeout" : "unavailable" }),
    { enableHighAccuracy: true, timeout: TIMEOUT_MS, maximumAge: 60000 });
});
"#;

#[cfg(not(target_arch = "wasm32"))]
async fn platform_fix() -> Result<GeoFix, NoFix> {
    let js = GEOLOCATION_JS.replace("TIMEOUT_MS", &FIX_TIMEOUT_MS.to_string());
    match dioxus::document::eval(&js).await {
        Ok(value) => serde_json::from_value::<Answer>(value)
            .map_err(|_| NoFix::Unavailable)
            .and_then(Answer::into_fix),
        Err(_) => Err(NoFix::Unavailable),
    }
}

#[cfg(target_arch = "wasm32")]
async fn platform_fix() -> Result<GeoFix, NoFix> {
    match crate::web::locate(FIX_TIMEOUT_MS).await {
        Ok(value) => serde_json::from_str::<Answer>(&value)
            .map_err(|_| NoFix::Unavailable)
            .and_then(Answer::into_fix),
        Err(_) => Err(NoFix::Unavailable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fake_location_is_a_fix_or_a_reason() {
        let fix = parse_fake("36.01, 114.49, 12").unwrap();
        assert_eq!((fix.lat, fix.lon, fix.accuracy_m), (36.01, 114.49, Some(12.0)));
        assert_eq!(parse_fake("denied"), Err(NoFix::Denied));
        assert_eq!(parse_fake("nonsense"), Err(NoFix::Unavailable));
    }

    #[test]
    fn the_script_s_answers_become_fixes_or_reasons() {
        let answer = |json: &str| serde_json::from_str::<Answer>(json).unwrap().into_fix();
        let fix =
            answer(r#"{"lat": 36.0, "lon": 114.5, "accuracy_m": 8.5, "at_ms": 1795830000000}"#)
                .unwrap();
        assert_eq!(fix.accuracy_m, Some(8.5));
        assert_eq!(fix.fixed_at.unwrap().timestamp_millis(), 1_795_830_000_000);
        assert_eq!(answer(r#"{"err": "denied"}"#), Err(NoFix::Denied));
        assert_eq!(answer(r#"{"err": "timeout"}"#), Err(NoFix::Timeout));
        assert_eq!(answer(r#"{}"#), Err(NoFix::Unavailable));
    }
}
